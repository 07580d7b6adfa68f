"""A real server, real sockets: whole sessions, a restart mid-session, and every async mode."""

from __future__ import annotations

import json
import time

import pytest

from listening.rehearsal import NAMES, Host, Person, create_session

from .live import Server

pytestmark = [pytest.mark.live, pytest.mark.both_stores]


@pytest.fixture
def servers():
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def _crowd(server: Server, code: str, count: int, speak_for=(0.3, 2.0)) -> list[Person]:
    """Join ``count`` people; alternate those who finish early and those who let time run out."""
    crowd = [
        Person(server.url, code, NAMES[i], speak_for=speak_for[i % len(speak_for)])
        for i in range(count)
    ]
    for person in crowd:
        person.join()
        person.connect()
    return crowd


def _closed(person: Person) -> bool:
    return bool(person.room and person.room["room"]["phase"] == "closed")


def _turns(server: Server) -> list[tuple]:
    return server.query(
        "SELECT p.public_id, t.round, t.outcome FROM turns t "
        "JOIN participants p ON p.id = t.participant_id ORDER BY t.id"
    )


def test_eight_people_complete_three_rounds_with_the_server_restarted_mid_session(
    tmp_path, servers, database_url
):
    server = Server(tmp_path, database_url=database_url, LISTENING_AWAY_WAIT_SECONDS="5").start()
    servers.append(server)
    made = create_session(
        server.url,
        server.host(),
        title="Live",
        turn_seconds=1,
        rounds=3,
        silence_seconds=0.2,
        grace_seconds=0.5,
    )
    host = Host(server.url, made["code"], made["host_key"])
    host.connect()
    crowd = _crowd(server, made["code"], 8)
    assert host.wait_for(lambda c: sum(p["present"] for p in c["people"]) == 8, timeout=10)
    assert host.send("start") == {"ok": True}

    watcher = crowd[0]
    assert watcher.wait_for(lambda p: p.room and p.room["room"]["round"] == 2, timeout=60)
    last_seen = watcher.room
    server.kill()
    [(version, state)] = server.query("SELECT version, state FROM rooms")
    stored_round = (json.loads(state) if isinstance(state, str) else state)["round"]
    assert version >= last_seen["version"] and stored_round >= 2, "nothing was lost"

    server.start()
    for person in crowd:
        assert person.wait_for(
            lambda p: p.sio.connected and p.room["version"] > last_seen["version"], timeout=20
        ), f"{person.name} did not come back"
    assert watcher.room["room"]["round"] >= last_seen["room"]["round"]

    for person in crowd:
        assert person.wait_for(_closed, timeout=90), f"{person.name} never saw the end"
    for person in crowd:
        person.close()

    turns = _turns(server)
    ids = sorted(p.id for p in crowd)
    for number in (1, 2, 3):
        spoke = sorted(pid for pid, rnd, outcome in turns if rnd == number and outcome == "spoke")
        assert spoke == ids, f"round {number}: everyone speaks exactly once"
    assert host.wait_for(lambda c: c["session"]["status"] == "ended", timeout=10)
    host.sio.disconnect()


def test_a_restart_mid_turn_keeps_the_same_speaker_and_deadline(tmp_path, servers, database_url):
    server = Server(tmp_path, database_url=database_url).start()
    servers.append(server)
    made = create_session(
        server.url, server.host(), title="Restart", turn_seconds=60, silence_seconds=0
    )
    host = Host(server.url, made["code"], made["host_key"])
    host.connect()
    ada, ben = _crowd(server, made["code"], 2, speak_for=(5.0,))
    assert host.send("start") == {"ok": True}
    assert ben.wait_for(lambda p: p.room and p.room["room"]["phase"] == "speaking")
    before = ben.room["room"]

    server.kill()
    ben.room = None  # forget what the screen showed: what it shows next came after the restart
    server.start()

    assert ben.wait_for(lambda p: p.sio.connected and p.room is not None)
    after = ben.room["room"]
    assert (after["round"], after["turn"], after["current"]) == (1, 1, ada.id)
    assert after["deadline"] == before["deadline"]
    left = after["deadline"] - ben.room["server_now"]
    assert 0 < left <= 60
    for person in (ada, ben):
        person.close()
    host.sio.disconnect()


@pytest.mark.parametrize("mode", ["eventlet", "gevent", "threading"])
def test_a_short_session_runs_in_every_async_mode(tmp_path, servers, mode, database_url):
    server = Server(tmp_path, mode=mode, database_url=database_url).start()
    servers.append(server)
    made = create_session(
        server.url,
        server.host(),
        title=mode,
        turn_seconds=1,
        rounds=2,
        silence_seconds=0.1,
        grace_seconds=0.2,
    )
    host = Host(server.url, made["code"], made["host_key"])
    host.connect()
    crowd = _crowd(server, made["code"], 3)
    assert host.send("start")["ok"]
    started = time.monotonic()
    for person in crowd:
        assert person.wait_for(_closed, timeout=30), server.log()
    assert all(len(p.turns_taken) == 2 for p in crowd)
    unanswered = [r for p in crowd for r in p.refusals if r["error"] == "no_reply"]
    assert not unanswered, server.log()
    assert time.monotonic() - started < 30
    for person in crowd:
        person.close()
    host.sio.disconnect()
