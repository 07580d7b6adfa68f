"""Simulated participants that take part through the public protocol, as a browser would.

A host can fill a session with them to watch a whole session flow before running a real one,
and the live tests use them as independent clients.  They use only HTTP and Socket.IO, exactly
as docs/protocol.md describes, so they also keep that document honest.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from urllib.parse import urlsplit

import requests
import socketio

NAMES = [
    "Ada", "Ben", "Cleo", "Dev", "Esi", "Femi", "Gwen", "Hari", "Ines", "Jon",
    "Kemi", "Luis", "Mina", "Noor", "Owen", "Pia", "Quin", "Rosa", "Sami", "Tom",
]  # fmt: skip


def screen_url(server: str) -> str:
    """Return the server's address with a new random screen id, as each page sends."""
    return f"{server}?screen={secrets.token_hex(9)}"


def split_link(link: str) -> tuple[str, str, str | None]:
    """Return (server URL, session code, host key or None) from a participant or host link."""
    parts = urlsplit(link)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[0] != "s":
        raise ValueError(f"not a session link: {link}")
    key = parts.fragment[4:] if parts.fragment.startswith("key=") else None
    return f"{parts.scheme}://{parts.netloc}", segments[1], key


class Person:
    """One simulated participant: joins, follows snapshots, and takes their turns."""

    def __init__(self, server: str, code: str, name: str, speak_for: float = 0.5, rng=None):
        self.server, self.code, self.name = server, code, name
        #: fraction of the turn to speak before finishing; 1.0 or more lets the timer run out
        self.speak_for = speak_for
        self.rng = rng or random.Random()
        self.id: str | None = None
        self.token: str | None = None
        self.room: dict | None = None
        self.lobby: dict | None = None
        self.turns_taken: list[tuple[int, int]] = []  # (round, turn) this person spoke in
        self.refusals: list[dict] = []
        self.changed = threading.Condition()
        self._timer: threading.Timer | None = None
        self.sio = socketio.Client(reconnection_delay=0.2, reconnection_delay_max=1)
        self.sio.on("room", self._on_room)
        self.sio.on("lobby", self._on_lobby)

    def join(self) -> None:
        """Join over HTTP and remember the token, as a browser stores it."""
        reply = requests.post(
            f"{self.server}/api/sessions/{self.code}/join", json={"name": self.name}, timeout=10
        )
        reply.raise_for_status()
        body = reply.json()
        self.id, self.token = body["participant"]["id"], body["token"]

    def connect(self) -> None:
        """Connect over Socket.IO with the token from joining (and a screen id, as a page
        sends, so a proxy keeps this screen on one server process)."""
        self.sio.connect(
            screen_url(self.server),
            auth={"session": self.code, "token": self.token},
            wait_timeout=10,
        )

    def close(self) -> None:
        """Disconnect and stop any pending move."""
        if self._timer:
            self._timer.cancel()
        self.sio.disconnect()

    def _on_lobby(self, snapshot: dict) -> None:
        with self.changed:
            if self.lobby is None or snapshot["version"] >= self.lobby["version"]:
                self.lobby = snapshot
            self.changed.notify_all()

    def _on_room(self, snapshot: dict) -> None:
        with self.changed:
            if self.room is not None and snapshot["version"] <= self.room["version"]:
                return
            previous = self.room["room"] if self.room else None
            self.room = snapshot
            self.changed.notify_all()
        room = snapshot["room"]
        my_turn = room["phase"] == "speaking" and room["current"] == self.id
        began = my_turn and (previous is None or previous["turn"] != room["turn"])
        if not my_turn and self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if began and not room["paused"]:
            self.turns_taken.append((room["round"], room["turn"]))
            if self.speak_for < 1.0:
                delay = room["turn_seconds"] * self.speak_for * self.rng.uniform(0.6, 1.0)
                self._timer = threading.Timer(delay, self.finish)
                self._timer.daemon = True
                self._timer.start()

    def finish(self) -> dict:
        """Say "I've finished", naming the step this screen saw; returns the server's reply."""
        return self._send("finish", {"step": self._step_seen()})

    def pass_turn(self) -> dict:
        """Pass this turn, naming the step this screen saw; returns the server's reply."""
        return self._send("pass", {"step": self._step_seen()})

    def _step_seen(self) -> int | None:
        return self.room["room"]["step"] if self.room else None

    def _send(self, event: str, payload: dict | None = None) -> dict:
        try:
            reply = self.sio.call(event, payload or {}, timeout=10)
        except socketio.exceptions.SocketIOError as error:
            reply = {"ok": False, "error": "no_reply", "message": repr(error)}
        if not reply.get("ok"):
            self.refusals.append(reply)
        return reply

    def wait_for(self, predicate, timeout: float = 30.0) -> bool:
        """Wait until ``predicate(person)`` holds, as each new snapshot arrives."""
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self), timeout=timeout)


class Host:
    """A simulated host console: connects with the host key and sends the host's moves."""

    def __init__(self, server: str, code: str, host_key: str):
        self.server, self.code, self.key = server, code, host_key
        self.console: dict | None = None
        #: every room by number, newest first: from `room` snapshots, or a whole console
        self.rooms: dict[int, dict] = {}
        self.changed = threading.Condition()
        self.sio = socketio.Client(reconnection_delay=0.2, reconnection_delay_max=1)
        self.sio.on("console", self._on_console)
        self.sio.on("room", self._on_room)

    def connect(self) -> None:
        """Connect as the host."""
        self.sio.connect(
            screen_url(self.server),
            auth={"session": self.code, "host_key": self.key},
            wait_timeout=10,
        )

    def _on_console(self, snapshot: dict) -> None:
        with self.changed:
            for view in snapshot.get("rooms", []):
                self._keep(view)
            self.console = {**snapshot, "rooms": self._rooms()}
            self.changed.notify_all()

    def _on_room(self, snapshot: dict) -> None:
        with self.changed:
            self._keep(snapshot["room"])
            if self.console is not None:
                self.console = {**self.console, "rooms": self._rooms()}
            self.changed.notify_all()

    def _keep(self, view: dict) -> None:
        known = self.rooms.get(view["number"])
        if known is None or view["version"] >= known["version"]:
            self.rooms[view["number"]] = view

    def _rooms(self) -> list[dict]:
        return [self.rooms[n] for n in sorted(self.rooms)]

    def send(self, event: str, payload: dict | None = None) -> dict:
        """Send a host move and return the server's reply."""
        return self.sio.call(event, payload or {}, timeout=10)

    def wait_for(self, predicate, timeout: float = 30.0) -> bool:
        """Wait until ``predicate(console snapshot)`` holds."""
        with self.changed:
            return self.changed.wait_for(
                lambda: self.console is not None and predicate(self.console), timeout=timeout
            )


def sign_in(server: str, email: str, password: str) -> requests.Session:
    """Return an HTTP session signed in to the server as a host or coordinator."""
    http = requests.Session()
    reply = http.post(
        f"{server}/api/sign-in", json={"email": email, "password": password}, timeout=10
    )
    reply.raise_for_status()
    return http


def create_session(server: str, http: requests.Session, **settings) -> dict:
    """Create a session over the public API as the signed-in ``http``; return the reply (with
    the host link)."""
    reply = http.post(f"{server}/api/sessions", json=settings, timeout=10)
    reply.raise_for_status()
    return reply.json()


def rehearse(link: str, people: int, start: bool, speak_for: float, say=print) -> int:
    """Join ``people`` simulated participants to the session at ``link`` and follow it to the end.

    With a host link and ``start``, the rehearsal also starts the session once everyone is in.
    Returns how many turns the simulated people took.
    """
    server, code, key = split_link(link)
    crowd = [Person(server, code, NAMES[i % len(NAMES)], speak_for) for i in range(people)]
    for person in crowd:
        person.join()
        person.connect()
    say(f"{people} simulated people joined {code}.")
    host = None
    if start and key:
        host = Host(server, code, key)
        host.connect()
        reply = host.send("start")
        say("Started." if reply["ok"] else f"Could not start: {reply['message']}")
    else:
        say("Waiting for the host to start the session.")
    last: dict[int, object] = {}
    try:
        while not all(_finished(p) for p in crowd):
            for person in crowd:
                room = person.room["room"] if person.room else None
                moment = room and (room["round"], room["turn"], room["phase"])
                if room and room["phase"] in ("speaking", "closed"):
                    if last.get(room["number"]) != moment:
                        last[room["number"]] = moment
                        say(_describe(room))
            time.sleep(0.2)
    finally:
        for person in crowd:
            person.close()
        if host:
            host.sio.disconnect()
    turns = sum(len(p.turns_taken) for p in crowd)
    say(f"Session over: {turns} turns taken.")
    return turns


def _finished(person: Person) -> bool:
    room = person.room
    ended = person.lobby and person.lobby["session"]["status"] == "ended"
    return bool(ended or (room and room["room"]["phase"] == "closed"))


def _describe(room: dict) -> str:
    names = {m["id"]: m["name"] for m in room["members"]}
    who = names.get(room["current"], "nobody")
    if room["phase"] == "closed":
        return f"Room {room['number']} has finished."
    return f"Room {room['number']}, round {room['round']} of {room['rounds']}: {who} is speaking"
