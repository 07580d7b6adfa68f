"""Hosts own their sessions: creating needs an account, "Your sessions" lists only one's own,
the console opens signed in without the key, "Run again" copies the settings, and every new
page is tried by every role."""

from __future__ import annotations

import itertools

import pytest
from flask import g

from listening.extensions import db, socketio
from listening.models import ListeningSession, Role

from .conftest import PASSWORD, add_account, csrf_of, sign_in_json, with_csrf

ADDRESSES = itertools.count(10)


class People:
    """A test client for each role: anonymous, host, other host, disabled host, coordinator."""

    def __init__(self, app):
        self.app = app
        self.clients = {"anonymous": app.test_client()}
        for role, kind in (
            ("host", Role.HOST),
            ("other host", Role.HOST),
            ("disabled host", Role.HOST),
            ("coordinator", Role.COORDINATOR),
        ):
            email = role.replace(" ", "-") + "@example.org"
            add_account(app, email, kind)
            client = app.test_client()
            sign_in_json(client, email, f"192.0.2.{next(ADDRESSES)}")
            self.clients[role] = client

    def __getitem__(self, role: str):
        return self.clients[role]

    def create(self, role: str = "host", **settings) -> dict:
        reply = self[role].post("/api/sessions", json={"title": f"{role}'s space", **settings})
        assert reply.status_code == 201, reply.json
        return reply.json

    def disable(self, role: str) -> None:
        email = role.replace(" ", "-") + "@example.org"
        with self.app.app_context():
            from listening.models import Account
            from listening.services import accounts

            coordinator = db.session.scalar(
                db.select(Account.id).where(Account.role == Role.COORDINATOR)
            )
            target = db.session.scalar(db.select(Account.id).where(Account.email == email))
            accounts.set_disabled(coordinator, target, True)


@pytest.fixture
def people(app) -> People:
    return People(app)


ROLES = ["anonymous", "host", "other host", "disabled host", "coordinator"]


def test_creating_a_session_needs_an_account_and_the_session_records_its_host(app, people):
    refused = people["anonymous"].post("/api/sessions", json={"title": "Nobody's"})
    assert refused.status_code == 401 and refused.json["error"] == "not_signed_in"
    page = people["anonymous"].get("/")
    assert "Sign in to host" in page.get_data(as_text=True)
    assert "Create session" not in page.get_data(as_text=True)
    made = people.create("host")
    with app.app_context():
        session = db.session.scalar(
            db.select(ListeningSession).where(ListeningSession.code == made["code"])
        )
        assert session.host_account_id is not None
    people.disable("disabled host")
    late = people["disabled host"].post("/api/sessions", json={"title": "Too late"})
    assert late.status_code == 401, "a disabled host's sign-in ends at once"


def test_the_create_form_needs_its_csrf_token_and_keeps_what_was_typed(people, form):
    host = people["host"]
    form = {**form, "title": "Evening space"}
    stale = host.post("/sessions", data=form)
    assert stale.status_code == 400
    page = stale.get_data(as_text=True)
    assert "open too long" in page and 'value="Evening space"' in page
    assert host.post("/sessions", data=with_csrf(host, form)).status_code == 303


def test_your_sessions_lists_only_your_own_grouped_by_when(people, world):
    mine = people.create("host", title="Mine now")
    later = people.create(
        "host", title="Mine later", date="2027-03-18", time="18:00", time_zone="Europe/London"
    )
    del later
    people.create("other host", title="Someone else's")
    page = people["host"].get("/sessions").get_data(as_text=True)
    assert "Mine now" in page and "Mine later" in page
    assert "Someone else's" not in page
    assert f"/s/{mine['code']}/host" in page
    assert people["other host"].get("/sessions").get_data(as_text=True).count("Mine") == 0
    anonymous = people["anonymous"].get("/sessions")
    assert anonymous.status_code == 401 and "Sign in" in anonymous.get_data(as_text=True)


def test_a_past_session_is_listed_with_its_counts_and_can_be_run_again(people):
    made = people.create(
        "host", title="Gentle Tuesday", turn_seconds=90, rounds=2, prompts=["What is here?"]
    )
    host_socket = socketio.test_client(
        people.app, auth={"session": made["code"], "host_key": made["host_key"]}
    )
    assert host_socket.emit("end", {}, callback=True)["ok"]
    page = people["host"].get("/sessions").get_data(as_text=True)
    past = page.split("Past")[1]
    assert "Gentle Tuesday" in past and "Run again" in past
    again = people["host"].get(f"/s/{made['code']}/again")
    form = again.get_data(as_text=True)
    assert again.status_code == 200
    assert 'value="Gentle Tuesday"' in form and ">What is here?</textarea>" in form
    assert '<option value="90" selected>' in form and '<option value="2" selected>' in form
    for role, status in [
        ("anonymous", 401),
        ("other host", 403),
        ("coordinator", 403),
        ("disabled host", 401),
    ]:
        if role == "disabled host":
            people.disable(role)
        assert people[role].get(f"/s/{made['code']}/again").status_code == status, role


def owner_socket(people: People, role: str, code: str):
    """Connect to a session's console as this role's signed-in browser, without a key."""
    # The test's one app context would otherwise lend this connection the user Flask-Login
    # found for the last HTTP request; a server gives each connection its own.
    g.pop("_login_user", None)
    return socketio.test_client(
        people.app, auth={"session": code, "owner": True}, flask_test_client=people[role]
    )


def test_the_console_opens_signed_in_without_the_key_only_for_its_own_host(people):
    made = people.create("host")
    console = people["host"].get(f"/s/{made['code']}/host").get_data(as_text=True)
    assert "data-owner" in console
    assert "data-owner" not in people["other host"].get(f"/s/{made['code']}/host").get_data(
        as_text=True
    )
    mine = owner_socket(people, "host", made["code"])
    assert mine.is_connected()
    names = [event["name"] for event in mine.get_received()]
    assert "console" in names, "the owner gets the host's console"
    for role in ("anonymous", "other host", "coordinator"):
        stranger = owner_socket(people, role, made["code"])
        assert not stranger.is_connected(), role
    # The key link keeps working for a co-host on another device.
    cohost = socketio.test_client(
        people.app, auth={"session": made["code"], "host_key": made["host_key"]}
    )
    assert cohost.is_connected()
    people.disable("host")
    assert not owner_socket(people, "host", made["code"]).is_connected(), "disabled: no more"


def test_owner_in_auth_that_is_not_true_is_not_taken_as_owner(people):
    made = people.create("host")
    for value in ("true", 1, ["x"], {"a": 1}):
        g.pop("_login_user", None)
        sneaky = socketio.test_client(
            people.app,
            auth={"session": made["code"], "owner": value},
            flask_test_client=people["host"],
        )
        assert not sneaky.is_connected(), value


def test_the_json_sign_in_refuses_wrong_or_odd_input_calmly(people):
    anonymous = people["anonymous"]
    wrong = anonymous.post("/api/sign-in", json={"email": "host@example.org", "password": "not it"})
    assert wrong.status_code == 401 and wrong.json["error"] == "wrong_sign_in"
    for body in ([1], {"email": 5, "password": PASSWORD}, {"email": "x" * 10_000}):
        reply = anonymous.post("/api/sign-in", json=body)
        assert reply.status_code == 400 and reply.json["error"] == "bad_request", body


@pytest.mark.parametrize("role", ROLES)
def test_every_new_page_answers_every_role_without_a_server_error(people, role):
    made = people.create("host", date="2027-03-18", time="18:00", time_zone="Europe/London")
    if role == "disabled host":
        people.disable(role)
    client = people[role]
    paths = [
        "/",
        "/sessions",
        f"/s/{made['code']}",
        f"/s/{made['code']}/host",
        f"/s/{made['code']}/again",
        f"/s/{made['code']}/calendar.ics",
        "/counts",
        "/counts.csv",
        "/s/nope/again",
        "/s/nope/calendar.ics",
    ]
    for path in paths:
        reply = client.get(path)
        assert reply.status_code < 500, (role, path)
    expected_sessions = {"host": 200, "other host": 200, "coordinator": 200}.get(role, 401)
    assert client.get("/sessions").status_code == expected_sessions
    expected_counts = {"coordinator": 200, "host": 403, "other host": 403}.get(role, 302)
    assert client.get("/counts").status_code == expected_counts
    assert client.get("/counts.csv").status_code == expected_counts


@pytest.mark.parametrize("role", ROLES)
def test_creating_by_form_and_by_api_is_for_enabled_accounts_only(people, role, form):
    if role == "disabled host":
        people.disable(role)
    client = people[role]
    api = client.post("/api/sessions", json={"title": "Made"})
    signed_in = role in ("host", "other host", "coordinator")
    assert api.status_code == (201 if signed_in else 401), role
    page = client.get("/").get_data(as_text=True)
    if signed_in:
        reply = client.post("/sessions", data=with_csrf(client, form))
        assert reply.status_code == 303, role
    else:
        assert "Sign in to host" in page
        reply = client.post("/sessions", data=form)
        assert reply.status_code == 401 and "Sign in" in reply.get_data(as_text=True)


def test_a_console_open_by_sign_in_loses_its_power_when_the_account_is_disabled(people):
    made = people.create("host")
    console = owner_socket(people, "host", made["code"])
    assert console.is_connected()
    people.disable("host")
    reply = console.emit("end", {}, callback=True)
    assert reply["ok"] is False and reply["error"] == "not_host", "disabled: no more moves"


def test_signing_out_everywhere_ends_hosting_by_that_sign_in(people):
    made = people.create("host")
    console = owner_socket(people, "host", made["code"])
    host = people["host"]
    token = csrf_of(host.get("/account").data)
    assert host.post("/sign-out-everywhere", data={"csrf_token": token}).status_code == 303
    assert not console.is_connected(), "this process ends the connection at once"


def test_a_console_on_another_process_is_closed_at_its_next_heartbeat_once_disabled(people):
    """Disabling happens on one process; a console hosting by that sign-in on another process
    (here: the app, told only through the store) stops receiving names within a heartbeat."""
    from listening.web.events import beat_once

    made = people.create("host")
    console = owner_socket(people, "host", made["code"])
    cohost = socketio.test_client(
        people.app, auth={"session": made["code"], "host_key": made["host_key"]}
    )
    assert beat_once(people.app)
    assert console.is_connected(), "nothing has changed yet"
    people.disable("host")  # through the store alone, as another process would
    assert beat_once(people.app)
    assert not console.is_connected()
    assert cohost.is_connected(), "the key is a capability of its own"
