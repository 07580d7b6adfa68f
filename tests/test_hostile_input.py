"""Input a hostile or unlucky client sends: each gets a clear answer and loses nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from listening.extensions import socketio

from .conftest import with_csrf


def test_a_session_has_a_limit_on_how_many_people_join(app, world):
    app.config["MAX_PEOPLE"] = 3
    world.create()
    for name in ("A", "B", "C"):
        world.join(name, connect=False)
    reply = world.http.post(f"/api/sessions/{world.code}/join", json={"name": "D"})
    assert reply.status_code == 409 and reply.json["error"] == "full"


def test_secrets_that_are_not_plain_text_are_refused_not_half_connected(world):
    world.create()
    for auth in (
        {"session": world.code, "host_key": "\ud800"},
        {"session": "\ud800"},
        {"session": world.code, "token": "\udfff"},
        {"session": world.code, "host_key": "é" * 24},
    ):
        assert not socketio.test_client(world.app, auth=auth).is_connected()


def test_absurd_numbers_get_a_clear_answer(started, client):
    assert started.send("host", "pause", {"room": 2**70})["error"] == "unknown_room"
    assert started.send("host", "pause", {"room": -1})["error"] == "unknown_room"
    reply = started.http.post("/api/sessions", json={"title": "x", "turn_seconds": 10**400})
    assert reply.status_code == 400 and "turn_seconds" in reply.json["fields"]
    data = with_csrf(started.http, {"title": "x", "turn_seconds": "9" * 400})
    form = started.http.post("/sessions", data=data)
    assert form.status_code == 400 and "Choose a whole number" in form.get_data(as_text=True)


def test_names_with_joiners_are_welcome_and_names_differing_by_case_are_numbered(world):
    world.create()
    joined = [
        world.join(name, connect=False)["participant"]["name"]
        for name in ("مهر\u200cانگیز", "👩\u200d👩\u200d👧", "Sam", "sam")
    ]
    assert joined == ["مهر\u200cانگیز", "👩\u200d👩\u200d👧", "Sam", "sam 2"]


def test_numbers_thousands_of_digits_long_get_the_form_back_with_reasons(client, signed_in):
    for field in ("turn_seconds", "rounds", "silence_seconds", "grace_seconds"):
        for huge in ("9" * 5000, "0" * 5000):
            form = client.post("/sessions", data=with_csrf(client, {"title": "", field: huge}))
            assert form.status_code == 400, field
        assert "Give the session a title" in form.get_data(as_text=True)


def test_a_forged_disconnect_event_does_not_make_someone_absent_or_forget_who_they_are(started):
    started.tick(5)
    started.sockets["Ada"].emit("disconnect")
    started.sockets["Ada"].emit("disconnect", "transport close")
    ada = next(m for m in started.room("Ben")["members"] if m["id"] == started.ids["Ada"])
    assert ada["present"] is True
    assert started.send("Ada", "finish")["ok"]


def test_a_forged_connect_event_does_not_count_a_screen_that_is_not_there(started):
    auth = {"session": started.code, "token": started.tokens["Ben"]}
    started.sockets["Ben"].emit("connect", auth)
    started.sockets["Ben"].disconnect()
    ben = next(m for m in started.room("Ada")["members"] if m["id"] == started.ids["Ben"])
    assert ben["present"] is False


def test_events_without_a_name_are_ignored_and_the_connection_keeps_working(app, started):
    eio_sid = started.sockets["Ada"].eio_sid
    server = socketio.server
    for raw in ("2[]", "2[42]", "2[null]", '2{"a":1}', "2"):
        server._handle_eio_message(eio_sid, raw)
    assert started.send("Ada", "clock")["ok"]


@pytest.mark.parametrize(
    "name",
    ["\u3164", "\u2800", "\u0301\u0301", "\u115f\u1160", "\u200d", "...", "\u3164\u200d\u2800"],
    ids=["hangul filler", "blank braille", "only marks", "fillers", "a joiner", "dots", "mixed"],
)
def test_a_name_that_shows_nothing_is_refused(world, name):
    world.create()
    reply = world.http.post(f"/api/sessions/{world.code}/join", json={"name": name})
    assert reply.status_code == 400 and reply.json["error"] == "invalid_name"


def test_names_that_look_alike_are_numbered_so_everyone_can_tell_them_apart(world):
    world.create()
    given = ["Alice", "Аlice", "Alice\u200d", "ALICE", "AIice", "Ｓａｍ", "Sam", "Ѕam", "Anne"]
    shown = [world.join(name, connect=False)["participant"]["name"] for name in given]
    assert shown == [
        "Alice",
        "Аlice 2",  # Cyrillic А
        "Alice 3",  # a joiner at the end joins nothing, so it goes
        "ALICE 4",
        "AIice 5",  # capital I looks like small l
        "Ｓａｍ",
        "Sam 2",
        "Ѕam 3",  # Cyrillic Ѕ
        "Anne",
    ]


def test_two_joins_whose_random_ids_clash_both_get_in(world, monkeypatch):
    import listening.services.joining as joining

    world.create()
    draws = iter(["clash", "clash", "fresh"])
    monkeypatch.setattr(joining.secrets, "token_hex", lambda _n: next(draws))
    first = world.join("Ada", connect=False)["participant"]["id"]
    second = world.join("Ben", connect=False)["participant"]["id"]
    assert (first, second) == ("pclash", "pfresh")


def test_a_server_refuses_to_listen_beyond_this_machine_without_a_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite'}"
    refused = subprocess.run(
        [sys.executable, "-m", "listening", "serve", "--host", "0.0.0.0", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0 and "set SECRET_KEY" in refused.stderr


def test_without_a_configured_secret_each_installation_makes_its_own(tmp_path):
    from listening.app import _instance_secret

    first = _instance_secret(str(tmp_path / "one"))
    assert _instance_secret(str(tmp_path / "one")) == first, "kept across restarts"
    assert _instance_secret(str(tmp_path / "two")) != first, "never shared between sites"
    assert len(first) >= 40
    assert (tmp_path / "one" / "secret_key").stat().st_mode & 0o077 == 0, "owner only"


@pytest.mark.both_stores
def test_a_nul_character_anywhere_gets_a_clear_refusal_on_either_database(started):
    """PostgreSQL cannot hold or compare text with a NUL in it: every way in refuses it first."""
    http = started.http
    for path in ("/s/ab%00cd", f"/s/{started.code}/calendar.ics?x=%00"):
        assert http.get(path).status_code == 400, path
    for path, body in (
        ("/api/sign-in", {"email": "a\x00@example.org", "password": "x"}),
        ("/api/sessions", {"title": "Tues\x00day"}),
        (f"/api/sessions/{started.code}/join", {"name": "Ed\x00"}),
    ):
        reply = http.post(path, json=body)
        assert reply.status_code == 400 and reply.json["error"] == "bad_request", path
    for event, payload in (
        ("remove", {"member": "\x00"}),
        ("skip", {"member": "p\x00", "step": 0}),
    ):
        # No such person: the answer any id the server never gave out gets, not a failure.
        reply = started.send("host", event, payload)
        assert reply["error"] in ("stale", "bad_request"), reply
    stranger = socketio.test_client(started.app, auth={"session": started.code, "token": "\x00"})
    assert not stranger.is_connected()
    started.tick(5)
    assert started.speaker("Ben") == "Ada", "the session carried on untouched"
