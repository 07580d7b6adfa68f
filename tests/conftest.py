"""Fixtures: an app on a fresh SQLite file with a clock the test moves by hand."""

from __future__ import annotations

import itertools
import os
import re
import threading

import pytest
from argon2 import PasswordHasher
from flask import g
from flask_migrate import upgrade

from listening.app import create_app
from listening.engine import Refused
from listening.extensions import db, socketio
from listening.models import Role
from listening.services import accounts
from listening.ticker import tick_once

#: numbers the hosts that worlds make, so two worlds in one app are two hosts
HOSTS = itertools.count(1)
#: the password every test account has
PASSWORD = "listen well, friends"
# The fewest argon2 rounds the library allows, so the hundreds of accounts tests make cost
# milliseconds; the app itself keeps the library's defaults (a test checks the hash is argon2).
accounts._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class Clock:
    """A clock that only moves when the test says so."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def pytest_generate_tests(metafunc):
    """Run a module marked ``both_stores`` once on SQLite and once on PostgreSQL."""
    if "store" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_stores"):
        metafunc.parametrize("store", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def store(request) -> str:
    """Which database the test's app runs on: SQLite unless the module asks for both (or
    ``LISTENING_TEST_STORE=postgresql`` runs every test on PostgreSQL)."""
    return getattr(request, "param", os.environ.get("LISTENING_TEST_STORE", "sqlite"))


@pytest.fixture(scope="session")
def postgres():
    """One throwaway PostgreSQL cluster for the whole run, with the schema in a template."""
    from .services import Postgres

    cluster = Postgres()
    cluster.sql("CREATE DATABASE listening_template")
    template = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"{cluster.url}/listening_template", "RUN_TICKER": False}
    )
    with template.app_context():
        upgrade(directory=template.extensions["migrate"].directory)
        db.engine.dispose()  # a template database must have nobody connected
    yield cluster
    cluster.close()


DATABASES = itertools.count(1)


@pytest.fixture
def database_url(request, store, tmp_path):
    """Return the URL of a fresh, empty-but-migrated database of the test's store."""
    if store == "sqlite":
        yield f"sqlite:///{tmp_path / 'listening.sqlite'}"
        return
    cluster = request.getfixturevalue("postgres")
    name = f"test_{next(DATABASES)}"
    cluster.sql(f"CREATE DATABASE {name} TEMPLATE listening_template")
    yield f"{cluster.url}/{name}"
    cluster.sql(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def app(database_url, clock):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CLOCK": clock,
            "RUN_TICKER": False,
            "AWAY_WAIT_SECONDS": 10,
            # Lobbies go out at once, so a test reads what a screen would see a moment later.
            "LOBBY_COALESCE_SECONDS": 0,
            "PRESENCE_COALESCE_SECONDS": 0,
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)

    @app.before_request
    def forget() -> None:
        # pytest-flask keeps one app context (and so one ``g``) across a test's requests,
        # where a server gives each request its own; without this, Flask-Login (its user) and
        # Flask-WTF (its CSRF token) would carry one client's over to the next client's.
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    yield app
    with app.app_context():
        db.engine.dispose()


def add_account(app, email: str, role: Role = Role.HOST) -> int:
    """Create an account directly in the store; return its id."""
    with app.app_context():
        return accounts.create_account(email, PASSWORD, role).id


def csrf_of(page: bytes) -> str:
    """Return the CSRF token a form page carries, as a browser would send it back."""
    found = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, "every form carries a CSRF token"
    return found.group(1).decode()


def with_csrf(http, data: dict, page: str = "/") -> dict:
    """Return a form's fields with the CSRF token its page gives this client."""
    return {**data, "csrf_token": csrf_of(http.get(page).data)}


def sign_in_json(http, email: str, address: str = "127.0.0.1") -> None:
    """Sign a test client in through the JSON sign-in, as a script would."""
    reply = http.post(
        "/api/sign-in",
        json={"email": email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": address},
    )
    assert reply.status_code == 200, reply.json


class World:
    """A session driven through the public HTTP API and Socket.IO test clients."""

    def __init__(self, app, clock: Clock):
        self.app, self.clock = app, clock
        self.http = app.test_client()
        self.code = self.host_key = None
        self.account_id: int | None = None
        self.sockets: dict[str, object] = {}
        self.ids: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        self.seen: dict[tuple[str, str], dict] = {}

    def sign_in(self) -> None:
        """Make this world's host an account (each world its own) and sign its client in."""
        number = next(HOSTS)
        self.email = f"host{number}@example.org"
        self.account_id = add_account(self.app, self.email)
        # Each from its own address: sign-in is limited per address, this machine included.
        sign_in_json(self.http, self.email, f"198.18.{number // 250 % 250}.{number % 250 + 1}")

    def create(self, **settings) -> dict:
        if self.account_id is None:
            self.sign_in()
        body = {"title": "Tuesday space", **settings}
        reply = self.http.post("/api/sessions", json=body)
        assert reply.status_code == 201, reply.json
        self.code, self.host_key = reply.json["code"], reply.json["host_key"]
        return reply.json

    def host(self):
        auth = {"session": self.code, "host_key": self.host_key}
        self.sockets["host"] = socketio.test_client(self.app, auth=auth)
        return self.sockets["host"]

    def join(self, name: str, connect: bool = True):
        reply = self.http.post(f"/api/sessions/{self.code}/join", json={"name": name})
        assert reply.status_code == 201, reply.json
        self.ids[name] = reply.json["participant"]["id"]
        self.tokens[name] = reply.json["token"]
        if connect:
            self.connect(name)
        return reply.json

    def connect(self, name: str):
        auth = {"session": self.code, "token": self.tokens[name]}
        self.sockets[name] = socketio.test_client(self.app, auth=auth)
        return self.sockets[name]

    def send(self, who: str, event: str, payload=None) -> dict:
        args = () if payload is ... else (payload if payload is not None else {},)
        return self.sockets[who].emit(event, *args, callback=True)

    def start(self, names: list[str], **settings) -> None:
        """Create a session, connect the host and these people, and start it."""
        self.create(**settings)
        self.host()
        for name in names:
            self.join(name)
        assert self.send("host", "start")["ok"]

    def tick(self, seconds: float = 0.0) -> None:
        """Let time pass and run the ticker once, as the server's background task would."""
        self.clock.advance(seconds)
        tick_once(self.app)

    def read(self, who: str) -> None:
        """Take in everything this screen has been sent since the last look, as a page would:
        the newest lobby and console, and the newest snapshot of each room by its number."""
        for event in self.sockets[who].get_received():
            snapshot = event["args"][0] if event["args"] else None
            if event["name"] == "room":
                rooms = self.seen.setdefault((who, "rooms"), {})
                number = snapshot["room"]["number"]
                if number not in rooms or snapshot["version"] >= rooms[number]["version"]:
                    rooms[number] = snapshot
            elif event["name"] in ("lobby", "console"):
                self._newest(who, event["name"], snapshot)
                for view in snapshot.get("rooms", []):  # a whole console: every room too
                    self._room_view(who, view, snapshot["server_now"])

    def _room_view(self, who: str, view: dict, now: float) -> None:
        rooms = self.seen.setdefault((who, "rooms"), {})
        known = rooms.get(view["number"])
        if known is None or view["version"] >= known["version"]:
            rooms[view["number"]] = {"version": view["version"], "server_now": now, "room": view}

    def room(self, who: str) -> dict:
        """Return the newest snapshot of this person's room, as their screen shows it."""
        self.read(who)
        rooms = self.seen.get((who, "rooms"), {})
        mine = [
            r["room"]
            for r in rooms.values()
            if self.ids.get(who) in [m["id"] for m in r["room"]["members"]]
        ]
        if who not in self.ids and len(rooms) == 1:  # the host: their only room
            mine = [r["room"] for r in rooms.values()]
        assert mine, f"{who} has no room snapshot"
        return mine[0]

    def console(self) -> dict:
        """Return the host's console as their screen shows it: people, and every room."""
        self.read("host")
        rooms = self.seen.get(("host", "rooms"), {})
        return {**self.seen["host", "console"], "rooms": [rooms[n]["room"] for n in sorted(rooms)]}

    def lobby(self, who: str) -> dict:
        """Return the newest lobby snapshot this screen has been sent."""
        self.read(who)
        return self.seen[who, "lobby"]

    def room_or_none(self, who: str) -> dict | None:
        try:
            return self.room(who)
        except AssertionError:
            return None

    def _newest(self, who: str, kind: str, snapshot: dict) -> None:
        known = self.seen.get((who, kind))
        if known is None or snapshot["version"] >= known["version"]:
            self.seen[who, kind] = snapshot

    def name_of(self, member_id: str) -> str:
        return next(n for n, i in self.ids.items() if i == member_id)

    def speaker(self, who: str = "Ada") -> str | None:
        """Return the name of who has the floor, as this person's screen shows it."""
        room = self.room(who)
        if room["phase"] in ("speaking", "grace"):
            return self.name_of(room["current"])
        return None

    def db(self):
        """Return an app context for looking at the store directly."""
        return self.app.app_context()


@pytest.fixture
def signed_in(app, client) -> str:
    """Sign pytest-flask's ``client`` in as a host; return the host's email."""
    email = f"host{next(HOSTS)}@example.org"
    add_account(app, email)
    sign_in_json(client, email)
    return email


@pytest.fixture
def world(app, clock):
    world = World(app, clock)
    yield world
    for socket in world.sockets.values():
        if socket.is_connected():
            socket.disconnect()


@pytest.fixture
def started(world) -> World:
    """A session of four people (Ada, Ben, Cleo, Dev) in one room, just started."""
    world.start(["Ada", "Ben", "Cleo", "Dev"], turn_seconds=60, rounds=2, grace_seconds=10)
    return world


@pytest.fixture
def form() -> dict:
    """What the create form posts when a host fills in a title and keeps the defaults."""
    return {
        "title": "Tuesday space",
        "prompts": ["How are you?"],
        "turn_seconds": "120",
        "rounds": "3",
        "silence_seconds": "5",
        "grace_seconds": "15",
    }


@pytest.fixture
def rooms_of_two(app, world) -> World:
    """Four people (A, B, C, D), connected, started in two rooms of two."""
    app.config["ROOM_CAP"] = 2
    world.start(["A", "B", "C", "D"])
    return world


@pytest.fixture
def all_at_once(app):
    """Return ``run(count, work)``: ``work(i)`` in ``count`` threads released together.

    Each thread has its own app context; the results come back in order, a refusal as its code.
    """

    def run(count: int, work) -> list:
        gate = threading.Barrier(count)
        results: list = [None] * count

        def one(i: int) -> None:
            with app.app_context():
                gate.wait()
                try:
                    results[i] = work(i)
                except Refused as refused:
                    results[i] = refused.code
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return results

    return run


# Real servers and browsers, for the live and browser tests.


@pytest.fixture
def server(tmp_path):
    """A real server process on a free port (tests needing other settings override this)."""
    from .live import Server

    server = Server(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, shared by a module's tests."""
    from .browser import chromium

    with chromium() as browser:
        yield browser


@pytest.fixture
def screens(browser, server):
    """Everyone's browser windows in one test, closed afterwards."""
    from .browser import Screens

    screens = Screens(browser, server.url)
    yield screens
    screens.close()
