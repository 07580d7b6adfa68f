"""The production shape, with its faults: two server processes and a ticker on PostgreSQL, a
Redis message queue between them, and nginx in front (docs/nginx-listening.conf, as
docs/deploy.md sets it up). Sixteen simulated people in two rooms take short turns while, one
after another: Redis restarts, a server process is killed mid-turn, the ticker is killed, and
PostgreSQL restarts. Every screen must follow the session throughout, and every turn of every
round must be taken once, by the right person, in order.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from listening.rehearsal import NAMES, Host, Person, create_session

from .live import Server
from .services import Nginx, Redis

pytestmark = [pytest.mark.live, pytest.mark.cluster]

ROOT = Path(__file__).resolve().parent.parent
DATABASES = itertools.count(1)
#: short times, so faults are noticed and mended within a test's patience
SETTINGS = {
    "LISTENING_ALLOW_SHORT_TURNS": "1",
    "LISTENING_HEARTBEAT_SECONDS": "1",
    "LISTENING_PROCESS_TIMEOUT_SECONDS": "4",
    "LISTENING_LEASE_SECONDS": "2",
    "LISTENING_TICKER_SHARES": "2",  # the rooms split between two tickers, as deploy.md says
    "LISTENING_AWAY_WAIT_SECONDS": "15",
    "LISTENING_TRUSTED_PROXIES": "1",
    "SECRET_KEY": "the same secret in every process of one site",
}


class Ticker:
    """``python -m listening ticker`` in a subprocess."""

    def __init__(self, tmp_path: Path, env: dict):
        self.log_path = tmp_path / "ticker.log"
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "listening", "ticker"],
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def wait_until(condition, timeout: float, what: str) -> None:
    """Wait for something the test can observe from outside, or fail saying what."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


@pytest.fixture
def cluster(tmp_path, postgres):
    """PostgreSQL (the run's cluster, a database of its own), Redis, a ticker, two servers
    that stand by for the ticker too, and nginx in front."""
    name = f"cluster_{next(DATABASES)}"
    postgres.sql(f"CREATE DATABASE {name} TEMPLATE listening_template")
    redis = Redis()
    env = {
        **SETTINGS,
        "DATABASE_URL": f"{postgres.url}/{name}",
        "SOCKETIO_MESSAGE_QUEUE": redis.url,
    }
    started: dict = {"postgres": postgres, "redis": redis}
    try:
        # The ticker first, so it holds the lease and the servers stand by.
        started["ticker"] = Ticker(tmp_path, env)
        servers = [Server(tmp_path, database_url=env["DATABASE_URL"], **env) for _ in range(2)]
        started["servers"] = servers
        for server in servers:
            server.start()
        started["nginx"] = Nginx([s.port for s in servers], ROOT / "docs" / "nginx-listening.conf")
        yield started
    finally:
        for server in started.get("servers", []):
            server.stop()
        if "ticker" in started:
            started["ticker"].stop()
        if "nginx" in started:
            started["nginx"].close()
        redis.close()
        if postgres.stopped():
            postgres.start()
        postgres.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_sixteen_people_finish_their_session_through_every_fault(cluster, tmp_path):
    postgres, redis, nginx = cluster["postgres"], cluster["redis"], cluster["nginx"]
    web = cluster["servers"]
    url = nginx.url
    # The newest setup link is the one that works: the second server printed it.
    http = web[1].host()
    made = create_session(
        url,
        http,
        title="Ward 7",
        turn_seconds=2,
        rounds=3,
        silence_seconds=0.2,
        grace_seconds=0.5,
    )
    host = Host(url, made["code"], made["host_key"])
    host.connect()
    crowd = [Person(url, made["code"], NAMES[i], speak_for=(0.4, 2.0)[i % 2]) for i in range(16)]
    for person in crowd:
        person.join()
        person.connect()
    query = web[1].query

    def screens_by_process() -> dict[str, int]:
        return dict(query("SELECT process_id, count(*) FROM screens GROUP BY process_id"))

    wait_until(lambda: sum(screens_by_process().values()) == 16, 10, "16 people connected")
    assert len(screens_by_process()) == 2, "nginx spread the screens over both servers"
    assert host.send("start") == {"ok": True}

    def turns_done() -> int:
        return query("SELECT count(*) FROM turns")[0][0]

    def lease_holder() -> str:
        return query("SELECT holder FROM leases WHERE name = 'ticker'")[0][0]

    def everyone_sees_the_store(slack: int = 0) -> bool:
        stored = dict(query("SELECT number, version FROM rooms"))
        for person in crowd:
            room = person.room["room"] if person.room else None
            if room is None or person.room["version"] < stored[room["number"]] - slack:
                return False
        return True

    def share_holders() -> set[str]:
        return {row[0] for row in query("SELECT holder FROM leases WHERE name LIKE 'ticker%'")}

    wait_until(lambda: len(share_holders()) == 2, 10, "two processes share the ticker's work")

    # 1. Redis restarts: messages between the processes are lost while it is away; when it is
    #    back every server resends its screens what they may see now.
    wait_until(lambda: turns_done() >= 2, 30, "the first turns")
    redis.stop()
    time.sleep(2)
    redis.start()
    wait_until(everyone_sees_the_store, 20, "every screen caught up after Redis came back")
    assert all("the message queue is back" in s.log() for s in web)

    # 2. A server process is killed mid-turn: its screens reconnect through nginx to the other.
    before = turns_done()
    wait_until(lambda: turns_done() >= before + 2, 30, "turns after Redis")
    assert len(screens_by_process()) == 2, "both servers hold screens"
    wait_until(lambda: any(p.room["room"]["phase"] == "speaking" for p in crowd), 10, "a turn")
    web[0].kill()
    killed_at = time.monotonic()
    wait_until(lambda: 16 in screens_by_process().values(), 20, "all 16 on the living server")
    moved = time.monotonic() - killed_at
    wait_until(lambda: len(screens_by_process()) == 1, 20, "the killed server given up")
    given_up = time.monotonic() - killed_at
    assert all(p.sio.connected for p in crowd)
    wait_until(everyone_sees_the_store, 10, "every screen shows the stored room again")

    # 3. The ticker is killed: a server takes the lease over within seconds; nothing stops.
    before = turns_done()
    ticker_id = lease_holder()
    cluster["ticker"].kill()
    killed_at = time.monotonic()
    wait_until(lambda: lease_holder() != ticker_id, 10, "another process took the ticker over")
    taken_over = time.monotonic() - killed_at
    wait_until(lambda: turns_done() >= before + 3, 30, "turns after the ticker was killed")

    # 4. PostgreSQL restarts: clear answers while it is down, and nothing lost after.
    postgres.stop()
    down = requests.post(f"{url}/api/sessions/{made['code']}/join", json={"name": "Late"})
    assert down.status_code == 503 and down.json()["error"] == "unavailable", down.text
    assert "try again" in down.json()["message"]
    health = requests.get(f"{url}/healthz")  # a page, through nginx: the app's own calm answer
    assert health.status_code == 503 and health.json()["store"] == "cannot reach the database"
    refused = next(p for p in crowd if p.room["room"]["phase"] != "closed").finish()
    assert refused["error"] in ("unavailable", "stale"), refused  # (stale: not their turn)
    postgres.start()
    back_at = time.monotonic()
    wait_until(lambda: requests.get(f"{url}/healthz").ok, 20, "the site is healthy again")
    healthy = time.monotonic() - back_at

    for person in crowd:
        assert person.wait_for(
            lambda p: p.room and p.room["room"]["phase"] == "closed", timeout=150
        ), f"{person.name} never saw the end"
    turns = query(
        "SELECT p.public_id, r.number, t.round, t.outcome FROM turns t "
        "JOIN participants p ON p.id = t.participant_id JOIN rooms r ON r.id = t.room_id "
        "ORDER BY t.id"
    )
    rooms: dict[int, set[str]] = {}
    for public_id, number, _round, _outcome in turns:
        rooms.setdefault(number, set()).add(public_id)
    assert sorted(len(members) for members in rooms.values()) == [8, 8]
    for number, members in rooms.items():
        for round_number in (1, 2, 3):
            taken = sorted(
                pid for pid, n, r, _outcome in turns if n == number and r == round_number
            )
            assert taken == sorted(members), f"room {number}, round {round_number}: once each"
    outcomes = {outcome for *_rest, outcome in turns}
    assert outcomes == {"spoke"}, "nobody was passed over as away, or skipped"
    assert len(turns) == 48
    print(
        f"\ncluster: screens moved to the living server in {moved:.1f} s (the killed one given "
        f"up after {given_up:.1f} s); the ticker taken "
        f"over in {taken_over:.1f} s; healthy {healthy:.1f} s after PostgreSQL was back"
    )
    for person in crowd:
        person.close()
    host.sio.disconnect()


@pytest.mark.browser
def test_browsers_through_nginx_use_websockets_and_carry_on_when_their_server_is_killed(
    cluster, browser
):
    """Real pages through the proxy: a WebSocket each (a Host header without its port made
    every WebSocket fail the Origin check, and pages quietly fell back to long-polling), and
    a server killed mid-turn is not noticed beyond a moment's "Reconnecting"."""
    from playwright.sync_api import expect

    from .browser import Screens, heading, join

    url, web = cluster["nginx"].url, cluster["servers"]
    made = create_session(url, web[1].host(), title="Through nginx", turn_seconds=60)
    screens = Screens(browser, url)
    try:
        pages = {name: screens.open(phone=name == "Ben") for name in ("Ada", "Ben")}
        frames = {name: [] for name in pages}
        for name, page in pages.items():
            page.on(
                "websocket",
                lambda socket, name=name: socket.on(
                    "framereceived", lambda frame, name=name: frames[name].append(frame)
                ),
            )
            join(page, made["participant_url"], name)
        host = Host(url, made["code"], made["host_key"])
        host.connect()
        assert host.send("start")["ok"]
        expect(heading(pages["Ada"])).to_have_text("You are speaking", timeout=10_000)
        expect(heading(pages["Ben"])).to_have_text("Listening to Ada")
        assert all(frames[name] for name in pages), "every page hears the server by WebSocket"

        web[0].kill()  # whichever pages it held reconnect through nginx to the other
        pages["Ada"].get_by_role("button", name="I've finished").click()
        expect(heading(pages["Ada"])).to_have_text("Listening to Ben", timeout=15_000)
        expect(heading(pages["Ben"])).to_have_text("You are speaking", timeout=15_000)
        host.sio.disconnect()
    finally:
        screens.close()
