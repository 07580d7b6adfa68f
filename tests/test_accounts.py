"""Coordinators and hosts sign in: the first coordinator's setup link, sign-in, sign-out."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from listening.cli import cli
from listening.extensions import db
from listening.models import Account
from listening.services import accounts

PASSWORD = "a long enough secret"
SOMEONE = {"REMOTE_ADDR": "203.0.113.5"}


def csrf(page: bytes) -> str:
    """Return the CSRF token a form page carries, as a browser would send it back."""
    found = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, "every account form carries a CSRF token"
    return found.group(1).decode()


@pytest.fixture
def setup_token(app):
    return accounts.setup_link()


def create_first_coordinator(client, token: str, email: str = "Coord@Example.org"):
    page = client.get(f"/setup/{token}")
    return client.post(
        f"/setup/{token}",
        data={
            "csrf_token": csrf(page.data),
            "email": email,
            "password": PASSWORD,
            "again": PASSWORD,
        },
    )


@pytest.fixture
def coordinator(client, setup_token):
    assert create_first_coordinator(client, setup_token).status_code == 303
    client.post("/sign-out", data={"csrf_token": csrf(client.get("/account").data)})
    return "coord@example.org"


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    page = client.get("/sign-in")
    return client.post(
        "/sign-in",
        data={"csrf_token": csrf(page.data), "email": email, "password": password},
        **extra,
    )


def test_the_setup_link_creates_the_first_coordinator_once(client, setup_token):
    answer = create_first_coordinator(client, setup_token)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/account")
    page = client.get("/account")
    assert page.status_code == 200 and b"coord@example.org" in page.data
    assert b"coordinator" in page.data
    again = client.get(f"/setup/{setup_token}")
    assert again.status_code == 410 and b"already been used" in again.data
    assert accounts.setup_link() is None, "no new setup link once a coordinator exists"


def test_the_password_is_stored_only_as_an_argon2_hash(client, setup_token):
    create_first_coordinator(client, setup_token)
    stored = db.session.scalar(db.select(Account.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_unknown_and_expired_setup_links_get_a_clear_page(client, app, clock, setup_token):
    unknown = client.get("/setup/not-a-link-we-made")
    assert unknown.status_code == 404 and b"doesn&#39;t work" in unknown.data
    clock.advance(accounts.SETUP_DAYS * 86400 + 1)
    expired = client.get(f"/setup/{setup_token}")
    assert expired.status_code == 410 and b"expired" in expired.data


def test_a_newer_setup_link_replaces_the_older_one(client, setup_token):
    newer = accounts.setup_link()
    assert client.get(f"/setup/{setup_token}").status_code == 404
    assert client.get(f"/setup/{newer}").status_code == 200


def test_a_setup_form_without_its_csrf_token_changes_nothing(client, setup_token):
    answer = client.post(
        f"/setup/{setup_token}",
        data={"email": "a@example.org", "password": PASSWORD, "again": PASSWORD},
    )
    assert answer.status_code == 400 and b"Please try again" in answer.data
    assert accounts.needs_setup()


def test_a_weak_password_or_a_bad_address_is_explained(client, setup_token):
    page = client.get(f"/setup/{setup_token}")
    answer = client.post(
        f"/setup/{setup_token}",
        data={"csrf_token": csrf(page.data), "email": "nobody", "password": "short", "again": "x"},
    )
    assert answer.status_code == 400
    assert b"Enter an email address" in answer.data and b"characters" in answer.data
    assert accounts.needs_setup()
    assert client.get(f"/setup/{setup_token}").status_code == 200, "the link still works"


def test_a_wrong_password_and_an_unknown_address_are_told_the_same(client, coordinator):
    wrong = sign_in(client, coordinator, "not the password at all")
    unknown = sign_in(client, "someone@example.org")
    assert wrong.status_code == unknown.status_code == 401
    assert accounts.WRONG.replace("'", "&#39;").encode() in wrong.data
    assert accounts.WRONG.replace("'", "&#39;").encode() in unknown.data
    assert client.get("/account").status_code == 302, "still signed out"


def test_signing_in_opens_the_account_page_with_a_cookie_scripts_cannot_read(client, coordinator):
    answer = sign_in(client, "  COORD@example.org ")
    assert answer.status_code == 303
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert b"coord@example.org" in client.get("/account").data


def test_after_signing_in_only_a_path_on_this_site_is_followed(client, coordinator):
    for target, lands in [
        ("/account?tab=1", "/account?tab=1"),
        ("https://evil.example/", "/account"),
        ("//evil.example/", "/account"),
        ("javascript:alert(1)", "/account"),
    ]:
        answer = sign_in(client, coordinator, query_string={"next": target})
        assert answer.headers["Location"] == lands, target
        client.post("/sign-out", data={"csrf_token": csrf(client.get("/account").data)})


def test_the_account_page_needs_signing_in(client):
    answer = client.get("/account")
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]


def test_guessing_passwords_from_one_address_is_limited(app, client, coordinator):
    app.config.update(LIMIT_SIGN_IN="3 per minute")
    tries = [
        sign_in(client, coordinator, "guess", environ_base=SOMEONE).status_code for _ in range(4)
    ]
    assert tries == [401, 401, 401, 429]


def test_sign_out_everywhere_ends_every_other_sign_in(app, coordinator):
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, coordinator)
    sign_in(laptop, coordinator)
    assert laptop.get("/account").status_code == 200
    phone.post("/sign-out-everywhere", data={"csrf_token": csrf(phone.get("/account").data)})
    assert laptop.get("/account").status_code == 302, "the laptop is signed out too"
    assert phone.get("/account").status_code == 302
    assert sign_in(laptop, coordinator).status_code == 303, "signing in again works"


def test_signing_out_needs_the_form_s_token(client, coordinator):
    sign_in(client, coordinator)
    assert client.post("/sign-out").status_code == 400
    assert client.get("/account").status_code == 200, "a forged sign-out changed nothing"


def test_a_disabled_account_cannot_sign_in(client, coordinator):
    account = db.session.scalar(db.select(Account))
    account.disabled_at = account.created_at
    db.session.commit()
    assert sign_in(client, coordinator).status_code == 401


def test_the_command_line_creates_a_coordinator(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    runner = CliRunner()
    assert runner.invoke(cli, ["upgrade"]).exit_code == 0
    made = runner.invoke(
        cli, ["create-coordinator", "--email", "ops@example.org"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert made.exit_code == 0, made.output
    assert "Created coordinator ops@example.org" in made.output
    twice = runner.invoke(
        cli, ["create-coordinator", "--email", "OPS@example.org"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert twice.exit_code != 0 and "already an account" in twice.output


# Invitations, resets and disabling: what coordinators do for the people who run sessions.

LINK = re.compile(rb'readonly value="https?://[^"]+/(invitation|reset)/([^"]+)"')


def shown_link(page: bytes) -> str:
    found = LINK.search(page)
    assert found, "the page shows the link once, to copy"
    return found.group(2).decode()


@pytest.fixture
def signed_in_coordinator(client, coordinator):
    sign_in(client, coordinator)
    return client


def invite(client, role: str = "host") -> str:
    page = client.get("/people")
    answer = client.post("/people/invitations", data={"csrf_token": csrf(page.data), "role": role})
    assert answer.status_code == 201
    return shown_link(answer.data)


def accept(app, token: str, email: str):
    newcomer = app.test_client()
    page = newcomer.get(f"/invitation/{token}")
    answer = newcomer.post(
        f"/invitation/{token}",
        data={
            "csrf_token": csrf(page.data),
            "email": email,
            "password": PASSWORD,
            "again": PASSWORD,
        },
    )
    return newcomer, answer


def account_id(email: str) -> int:
    return db.session.scalar(db.select(Account.id).where(Account.email == email))


def test_a_coordinator_invites_a_host_who_signs_up_once(app, signed_in_coordinator):
    token = invite(signed_in_coordinator)
    host, answer = accept(app, token, "host@example.org")
    assert answer.status_code == 303
    assert b"a host" in host.get("/account").data
    reused = app.test_client().get(f"/invitation/{token}")
    assert reused.status_code == 410 and b"already been used" in reused.data
    forced = app.test_client().post(f"/invitation/{token}", data={"email": "x@example.org"})
    assert forced.status_code == 410, "posting to a used invitation creates nothing"
    assert account_id("x@example.org") is None


def test_an_invitation_expires_after_seven_days(app, clock, signed_in_coordinator):
    token = invite(signed_in_coordinator, "coordinator")
    clock.advance(accounts.INVITE_DAYS * 86400 + 1)
    assert app.test_client().get(f"/invitation/{token}").status_code == 410


def test_a_host_and_a_stranger_cannot_reach_the_coordinators_pages(app, signed_in_coordinator):
    host, _ = accept(app, invite(signed_in_coordinator), "host@example.org")
    stranger = app.test_client()
    coordinator_id = account_id("coord@example.org")
    token = csrf(host.get("/account").data)
    for method, path in [
        ("get", "/people"),
        ("post", "/people/invitations"),
        ("post", f"/people/{coordinator_id}/reset"),
        ("post", f"/people/{coordinator_id}/disable"),
    ]:
        as_host = getattr(host, method)(path, data={"csrf_token": token, "role": "coordinator"})
        assert as_host.status_code == 403, (method, path)
        as_stranger = getattr(stranger, method)(path)
        assert as_stranger.status_code == 302 and "/sign-in" in as_stranger.headers["Location"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Account)) == 2


def test_a_disabled_host_is_signed_out_and_cannot_sign_in_until_enabled(app, signed_in_coordinator):
    host, _ = accept(app, invite(signed_in_coordinator), "host@example.org")
    page = signed_in_coordinator.get("/people")
    host_id = account_id("host@example.org")
    signed_in_coordinator.post(f"/people/{host_id}/disable", data={"csrf_token": csrf(page.data)})
    assert host.get("/account").status_code == 302, "their sign-in ended"
    assert sign_in(app.test_client(), "host@example.org").status_code == 401
    signed_in_coordinator.post(f"/people/{host_id}/enable", data={"csrf_token": csrf(page.data)})
    assert sign_in(app.test_client(), "host@example.org").status_code == 303


def test_a_coordinator_cannot_disable_themselves(signed_in_coordinator):
    page = signed_in_coordinator.get("/people")
    me = account_id("coord@example.org")
    answer = signed_in_coordinator.post(
        f"/people/{me}/disable", data={"csrf_token": csrf(page.data)}
    )
    assert answer.status_code == 409
    assert signed_in_coordinator.get("/account").status_code == 200


def test_a_reset_link_sets_a_new_password_once_and_ends_other_sign_ins(app, signed_in_coordinator):
    host, _ = accept(app, invite(signed_in_coordinator), "host@example.org")
    page = signed_in_coordinator.get("/people")
    answer = signed_in_coordinator.post(
        f"/people/{account_id('host@example.org')}/reset", data={"csrf_token": csrf(page.data)}
    )
    token = shown_link(answer.data)
    owner = app.test_client()
    form = owner.get(f"/reset/{token}")
    new = "a brand new long secret"
    done = owner.post(
        f"/reset/{token}", data={"csrf_token": csrf(form.data), "password": new, "again": new}
    )
    assert done.status_code == 303 and "changed=1" in done.headers["Location"]
    assert host.get("/account").status_code == 302, "the old sign-in ended"
    assert sign_in(app.test_client(), "host@example.org").status_code == 401, "old password"
    assert sign_in(app.test_client(), "host@example.org", new).status_code == 303
    assert owner.get(f"/reset/{token}").status_code == 410


def test_one_invitation_used_by_many_at_the_same_instant_makes_one_account(
    app, signed_in_coordinator, all_at_once
):
    token = invite(signed_in_coordinator, "coordinator")
    results = all_at_once(
        6, lambda i: accounts.accept_invitation(token, f"p{i}@example.org", PASSWORD, PASSWORD).id
    )
    made = [r for r in results if isinstance(r, int)]
    assert len(made) == 1, results
    assert set(results) - set(made) == {"used_link"}, results
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Account)) == 2


def test_forms_take_only_posted_fields_and_hostile_values_get_a_calm_answer(client, coordinator):
    token = csrf(client.get("/sign-in").data)
    as_json = client.post("/sign-in", json={"csrf_token": token, "email": 5, "password": [1]})
    assert as_json.status_code == 400, "a JSON body does not fill the form"
    huge = sign_in(client, "a" * 100_000 + "@example.org", "b" * 50_000)
    assert huge.status_code in (401, 413)
    sign_in(client, coordinator)
    page = client.get("/people")
    absurd = client.post(f"/people/{10**30}/disable", data={"csrf_token": csrf(page.data)})
    assert absurd.status_code == 404


def test_sign_in_is_limited_per_account_even_from_this_machine(app, client, coordinator):
    app.config.update(LIMIT_SIGN_IN="3 per minute")
    tries = [sign_in(client, coordinator, "guess").status_code for _ in range(4)]
    assert tries == [401, 401, 401, 429], "loopback is not exempt from sign-in limits"


def test_two_coordinators_disabling_each_other_at_once_leave_one_enabled(
    app, signed_in_coordinator, all_at_once
):
    accept(app, invite(signed_in_coordinator, "coordinator"), "second@example.org")
    first, second = account_id("coord@example.org"), account_id("second@example.org")
    pairs = [(first, second), (second, first)]
    all_at_once(2, lambda i: accounts.set_disabled(*pairs[i], True).id)
    with app.app_context():
        enabled = db.session.scalar(
            db.select(db.func.count()).select_from(Account).where(Account.disabled_at.is_(None))
        )
    assert enabled == 1, "someone can still sign in and put things right"


def test_disabling_a_coordinator_ends_the_links_they_made(app, signed_in_coordinator):
    other, _ = accept(app, invite(signed_in_coordinator, "coordinator"), "second@example.org")
    pending = invite(other, "coordinator")
    page = signed_in_coordinator.get("/people")
    second = account_id("second@example.org")
    signed_in_coordinator.post(f"/people/{second}/disable", data={"csrf_token": csrf(page.data)})
    assert app.test_client().get(f"/invitation/{pending}").status_code == 404


def test_one_invitation_cannot_probe_many_addresses(app, signed_in_coordinator):
    app.config.update(LIMIT_SIGN_IN="3 per minute")
    token = invite(signed_in_coordinator)
    prober = app.test_client()
    page = prober.get(f"/invitation/{token}", environ_base=SOMEONE)
    tries = [
        prober.post(
            f"/invitation/{token}",
            data={"csrf_token": csrf(page.data), "email": f"guess{i}@example.org", "password": "x"},
            environ_base=SOMEONE,
        ).status_code
        for i in range(4)
    ]
    assert tries == [400, 400, 400, 429]


def test_guesses_through_the_form_and_the_json_sign_in_are_counted_together(
    app, client, coordinator
):
    app.config.update(LIMIT_SIGN_IN="4 per minute")
    elsewhere = {"REMOTE_ADDR": "203.0.113.77"}
    form = [sign_in(client, coordinator, "guess").status_code for _ in range(2)]
    api = [
        client.post(
            "/api/sign-in",
            json={"email": coordinator, "password": "guess"},
            environ_base=elsewhere,
        ).status_code
        for _ in range(3)
    ]
    assert form == [401, 401] and api == [401, 401, 429], "one count per account, both ways"
