"""A real server, real sockets: whole sessions, a restart mid-session, and every async mode."""

from __future__ import annotations

import sqlite3
import time

import pytest

from listening.rehearsal import NAMES, Host, Person, create_session

from .live import Server

pytestmark = pytest.mark.live


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


def _turns(db_path) -> list[tuple]:
    with sqlite3.connect(db_path) as con:
        return con.execute(
            "SELECT p.public_id, t.round, t.outcome FROM turns t "
            "JOIN participants p ON p.id = t.participant_id ORDER BY t.id"
        ).fetchall()


def test_eight_people_complete_three_rounds_with_the_server_restarted_mid_session(
    tmp_path, servers
):
    server = Server(tmp_path, LISTENING_AWAY_WAIT_SECONDS="5").start()
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
    with sqlite3.connect(server.db_path) as con:
        version, stored_round = con.execute(
            "SELECT version, json_extract(state, '$.round') FROM rooms"
        ).fetchone()
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

    turns = _turns(server.db_path)
    ids = sorted(p.id for p in crowd)
    for number in (1, 2, 3):
        spoke = sorted(pid for pid, rnd, outcome in turns if rnd == number and outcome == "spoke")
        assert spoke == ids, f"round {number}: everyone speaks exactly once"
    assert host.wait_for(lambda c: c["session"]["status"] == "ended", timeout=10)
    host.sio.disconnect()


def test_a_restart_mid_turn_keeps_the_same_speaker_and_deadline(tmp_path, servers):
    server = Server(tmp_path).start()
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
    server.start()

    assert ben.wait_for(lambda p: p.sio.connected and p.room["room"]["version"] > before["version"])
    after = ben.room["room"]
    assert (after["round"], after["turn"], after["current"]) == (1, 1, ada.id)
    assert after["deadline"] == before["deadline"]
    left = after["deadline"] - ben.room["server_now"]
    assert 0 < left <= 60
    for person in (ada, ben):
        person.close()
    host.sio.disconnect()


@pytest.mark.parametrize("mode", ["eventlet", "gevent", "threading"])
def test_a_short_session_runs_in_every_async_mode(tmp_path, servers, mode):
    server = Server(tmp_path, mode=mode).start()
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
