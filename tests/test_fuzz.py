"""Fuzzing the Socket.IO protocol as an insider: someone with a link, a token or a host key.

Covered:

- A Hypothesis state machine runs one session with the host, a host who takes part, people
  with one or more screens (one never connected at first, latecomers joining), and beside it
  ANOTHER session whose host and one participant are connected too. At random it sends every
  real event (finish, pass, start, pause, resume, extend, skip, remove, end, clock, sync),
  made-up names and the reserved lifecycle names (connect, disconnect, connect_error, some
  carrying real secrets), with payloads of every hostile shape: None, huge numbers, nan and
  infinities, long text, control characters and lone surrogates, lists, nested objects, the
  right fields with the wrong types, the right types with other people's or the other
  session's ids, stale steps; half the time as moves a screen would offer, mostly from the
  right person. It sends events as emits and as raw packets, and sends malformed, binary and
  forged CONNECT/DISCONNECT packets, all through the Engine.IO message dispatch a real server
  uses (so whatever it would log is logged); it lets time pass (ticking), opens and closes
  screens, and connects with secrets that are not the caller's.
- After every step it checks what a user or an operator would notice: no reply is
  ``server_error`` (nor ``busy``/``unavailable``: nothing races here) and nothing is logged at
  ERROR; a real event is answered ``{ok: true, ...}`` or ``{ok: false, error, message}`` with a
  code from ``listening.errors.STATUS`` and a sentence, and any other name gets no answer; a
  payload of the wrong type gets ``bad_request`` whoever sends it; only the host's connections
  succeed at host moves and only the speaker finishes or passes (with the step they saw); a
  refused event changes nothing, and nothing a screen sends changes the other session; no
  connection ends unless it was closed or its person removed, and a removed person cannot come
  back; every connected screen's newest lobby, console and room snapshots match the store
  (one speaker, a member; present is exactly whoever has a screen open, whatever forged
  ``connect``/``disconnect`` was sent); no screen is sent another session's snapshot, the
  console, or a room it is not in, and no snapshot of an ended session carries a name.
- A sweep sends every hostile value in every field of every event as a participant, the host
  and another session's host; another sends each packet of a fixed list of malformed ones.

Not covered: concurrency (tests/test_concurrency.py), HTTP (test_http*.py,
test_hostile_input.py), rate limits (test_rate_limits.py; the fuzz lifts the connection limit,
since test clients have no address), several server processes, Engine.IO framing and
oversized bodies: the Flask-SocketIO test client has no transport, so packets enter at
Engine.IO's message dispatch and a binary packet cannot end the test connection the way
``guards.guard_messages`` ends a real one. Runs are short and derandomized: the same 30
examples of up to 40 steps every run. ``LISTENING_FUZZ_EXAMPLES=2000`` runs that many random
ones instead, and ``LISTENING_FUZZ_SHRINK=1`` shrinks a failure (which can take minutes).
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass

from flask_socketio.test_client import SocketIOTestClient
from hypothesis import HealthCheck, settings
from hypothesis import Phase as Stage
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from listening import engine
from listening.errors import STATUS
from listening.extensions import db, socketio
from listening.models import ListeningSession, Name
from listening.services import Caller, end_session

from .conftest import World

# What a client can say.

HOST_MOVES = ("start", "pause", "resume", "extend", "skip", "remove", "end")
SPEAKER_MOVES = ("finish", "pass")
ANYONE = ("clock", "sync")
EVENTS = SPEAKER_MOVES + HOST_MOVES + ANYONE
RESERVED = ("connect", "disconnect", "connect_error")
MADE_UP = (
    "chat", "raise_hand", "Finish", "finish ", "", "\x00ignored", "message", "json",
    "__proto__", "connect\x00", "x" * 5000, "\ud800", "remove\u200b",
)  # fmt: skip
#: replies that mean the server failed, not the client: never expected here (nothing races)
SERVERS_FAULT = ("server_error", "busy", "unavailable")

#: raw Socket.IO packets, as a client can send them under the events (see guards.py)
MALFORMED = [
    "2", "2[]", "2[42]", "2[null]", '2{"a":1}', '2"finish"', '2["finish"', "2[", "2]",
    "9", "", "0", "3", "31[]", "4", '4{"message":"x"}', "7", "x", " ", "\x00", "\ud800",
    '2["connect"]', '2["disconnect","transport close"]', '2["connect_error",{}]',
    '21["disconnect"]', '2["\\u0000ignored"]', "2/x,", '2/x,["finish"]', "0/x,", "1/x,",
    '2["clock"' + ",1" * 2000 + "]", "2" + "9" * 120 + '["clock"]', "21" + "[" * 3000,
    '2[1e999]', '2["finish",NaN]', '2["finish",{"step":-Infinity}]',
    '21-["finish",{"_placeholder":true,"num":0}]', '21-["finish"]', "299999999999-[]",
]  # fmt: skip
#: packets that announce binary attachments: a real server ends such a connection
BINARY = ['5-["finish"]', '51-["x",{"_placeholder":true,"num":0}]', "6", "61-[]", b"\x00\x01"]
#: the one raw packet that closes the connection on purpose: a client's DISCONNECT
GOODBYE = "1"

# Hostile values: numbers, text and shapes no screen sends.

NUMBERS = st.one_of(
    st.integers(-3, 3),
    st.sampled_from([2**31, 2**53 + 1, 2**63, 2**64, 2**70, -(2**70), 10**30, 100_000]),
    st.sampled_from([0.5, 1.0, -0.0, 1e308, math.nan, math.inf, -math.inf]),
    st.floats(allow_nan=True, allow_infinity=True),
)
TEXT = st.one_of(
    st.text(max_size=8),
    st.sampled_from(
        ["", " ", "\x00", "\u202e", "\u200b", "\ufeff", "\ud800", "p\udfff", "\n\r", "%s%n"]
        + ["<b>x</b>", "' OR 1=1 --", "p" + "0" * 10_000, "é" * 5000, "\u202e" * 400]
    ),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
FIELDS = ("room", "member", "step", "session", "token", "host_key", "id", "__proto__")
ANYTHING = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def well_typed(event: str, args: tuple) -> bool | None:
    """Return whether a payload passes the edge's type checks (docs/protocol.md).

    None means either answer is fair: an id that is text but not storable text (a lone
    surrogate) may be refused at the edge or found to name nobody.
    """
    payload = args[0] if args else None
    payload = {} if payload is None else payload
    if not isinstance(payload, dict):
        return False
    member = payload.get("member")
    if event in ("pause", "resume", "extend"):
        return _whole(payload.get("room"))
    if event == "skip":
        typed = _whole(payload.get("room")) and isinstance(member, str)
        return typed and _whole(payload.get("step")) and (None if odd(member) else True)
    if event == "remove":
        return isinstance(member, str) and (None if odd(member) else True)
    if event in SPEAKER_MOVES:
        return payload.get("step") is None or _whole(payload.get("step"))
    return True


def odd(text: str) -> bool:
    """Return whether text cannot be stored or sent as UTF-8 (it has a lone surrogate)."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def raw_event(event: str, args: tuple, ack: int | None) -> str:
    """Return the text of a Socket.IO EVENT packet, as a client library would encode it."""
    return "2" + ("" if ack is None else str(ack)) + json.dumps([event, *args])


# What the store says, read directly.


@dataclass(frozen=True)
class Stored:
    """One session as the store holds it."""

    status: str
    version: int
    #: room number -> (version, the engine's room)
    rooms: dict
    #: public id -> (present, removed, room number, name)
    people: dict

    def fingerprint(self) -> tuple:
        return (self.status, self.version, tuple(sorted(self.rooms.items())), self.people)

    def room_of(self, public_id: str | None) -> engine.Room | None:
        number = self.people[public_id][2] if public_id in self.people else None
        return self.rooms[number][1] if number is not None else None


def stored(app, code: str) -> Stored:
    with app.app_context():
        session = db.session.scalar(select(ListeningSession).where(ListeningSession.code == code))
        numbers = {row.id: row.number for row in session.rooms}
        names = dict(
            db.session.execute(
                select(Name.participant_id, Name.name).where(Name.session_id == session.id)
            ).all()
        )
        return Stored(
            status=str(session.status),
            version=session.version,
            rooms={row.number: (row.version, row.engine_state()) for row in session.rooms},
            people={
                p.public_id: (
                    p.present,
                    p.removed_at is not None,
                    numbers.get(p.room_id),
                    names.get(p.id),
                )
                for p in session.participants
            },
        )


# Screens: one Socket.IO test client each, with what the test expects of it.


class Screen:
    """One Socket.IO test client, and what the test expects of it."""

    def __init__(self, key: str, code: str, client, is_host: bool, person: str | None):
        self.key, self.code, self.client = key, code, client
        self.is_host = is_host
        #: the participant (public id) this connection speaks for, if any
        self.person = person
        #: whether this connection should be open now
        self.expected = True
        #: the newest lobby and console this screen has been sent
        self.newest: dict[str, dict] = {}
        #: the newest view of each room (by number) this screen has been sent, from a room
        #: snapshot or a whole console
        self.rooms: dict[int, dict] = {}

    def saw_room(self, view: dict) -> None:
        known = self.rooms.get(view["number"])
        if known is None or view["version"] >= known["version"]:
            self.rooms[view["number"]] = view

    def __repr__(self) -> str:
        return f"<{self.key}'s screen>"


def names_in(snapshot: dict) -> list[str]:
    """Return every name a snapshot carries."""
    rooms = snapshot.get("rooms", []) + ([snapshot["room"]] if "room" in snapshot else [])
    people = snapshot.get("people", []) + [m for r in rooms for m in r["members"]]
    return [p["name"] for p in people if p["name"] is not None]


def server_sees(client: SocketIOTestClient) -> bool:
    """Return whether the server holds this client's connection open."""
    manager = socketio.server.manager
    sid = manager.sid_from_eio_sid(client.eio_sid, "/")
    return sid is not None and manager.is_connected(sid, "/")


def deliver(client: SocketIOTestClient, raw) -> None:
    """Hand a raw Socket.IO packet to the server the way Engine.IO does for a real client.

    Engine.IO calls its "message" handler (the app's binary guard, then Socket.IO's decoder)
    and logs anything raised as "message handler error": what an operator would see.
    """
    socketio.server.eio._trigger_event("message", client.eio_sid, raw, run_async=False)


class ProtocolFuzz(RuleBasedStateMachine):
    """One session, its host, its people and another session's screens, sending anything."""

    def __init__(self, app, clock, caplog):
        super().__init__()
        self.app, self.clock, self.caplog = app, clock, caplog
        self.ours, self.theirs = World(app, clock), World(app, clock)
        self.screens: list[Screen] = []
        self.names: dict[str, str] = {}  # public id -> name, for messages
        self.removed: set[str] = set()
        self.late = self.forgeries = self.closed = 0
        self.logged = len(caplog.records)

    # Setting up.

    def open_screen(self, key: str, world: World, host_key=None, person=None) -> Screen | None:
        auth = {"session": world.code}
        if host_key is not None:
            auth["host_key"] = host_key
        if person is not None:
            auth["token"] = world.tokens[person]
        client = socketio.test_client(self.app, auth=auth)
        pid = world.ids[person] if person is not None else None
        speaks_for = None if pid in self.removed else pid
        screen = Screen(key, world.code, client, host_key is not None, speaks_for)
        self.screens.append(screen)
        if not client.is_connected():
            screen.expected = False
            return None
        return screen

    @initialize(
        rounds=st.integers(1, 2),
        silence=st.sampled_from([0, 5]),
        grace=st.sampled_from([0, 15]),
        start=st.booleans(),
    )
    def a_session_with_people_and_another_session_beside_it(self, rounds, silence, grace, start):
        self.app.config["ROOM_CAP"] = 3
        ours, theirs = self.ours, self.theirs
        ours.create(turn_seconds=30, rounds=rounds, silence_seconds=silence, grace_seconds=grace)
        for name in ("Hana", "Ada", "Ben", "Cleo", "Dev"):
            ours.join(name, connect=False)
        self.open_screen("host", ours, host_key=ours.host_key)
        self.open_screen("Hana", ours, host_key=ours.host_key, person="Hana")
        for name in ("Ada", "Ben", "Cleo"):
            self.open_screen(name, ours, person=name)
        theirs.create(turn_seconds=30, silence_seconds=0)
        theirs.join("Olu", connect=False)
        theirs.join("Pia", connect=False)
        other_host = self.open_screen("other host", theirs, host_key=theirs.host_key)
        self.open_screen("Olu", theirs, person="Olu")
        assert other_host is not None
        assert other_host.client.emit("start", {}, callback=True)["ok"]
        self.names.update({i: n for n, i in ours.ids.items()})
        self.names.update({i: n for n, i in theirs.ids.items()})
        if start:
            assert self.screen("host").client.emit("start", {}, callback=True)["ok"]

    def screen(self, key: str) -> Screen:
        return next(s for s in self.screens if s.key == key and s.expected)

    def connected(self) -> list[Screen]:
        return [s for s in self.screens if s.expected]

    def teardown(self):
        for screen in self.screens:
            if server_sees(screen.client):
                screen.client.connected["/"] = True
                screen.client.disconnect()
            SocketIOTestClient.clients.pop(screen.client.eio_sid, None)
            socketio.server.environ.pop(screen.client.eio_sid, None)
        connections = self.app.extensions.get("listening.connections")
        if connections is not None:
            assert not connections.callers, "every connection was closed, and forgotten"
            assert not +connections.screens, "nobody is counted as having a screen open"
        # Later examples share the store: stop these rooms from being ticked any further.
        for world in (self.ours, self.theirs):
            if world.code is not None:
                with self.app.app_context():
                    session = db.session.scalar(
                        select(ListeningSession).where(ListeningSession.code == world.code)
                    )
                    if str(session.status) != "ended":
                        end_session(Caller(session.id, None, True))

    # What the fuzzer does.

    def payloads(self, data, event: str) -> tuple:
        """Draw the arguments of an event: well-formed, half-right, or anything at all."""
        seen = stored(self.app, self.ours.code)
        rooms = sorted(seen.rooms) or [1]
        steps = [room.step + d for _v, room in seen.rooms.values() for d in (0, 0, -1, 1)] or [0]
        ids = list(seen.people) + list(self.theirs.ids.values())
        room = st.sampled_from(rooms + [0, -1, rooms[-1] + 1]) | NUMBERS
        member = st.sampled_from(ids) | TEXT
        step = st.sampled_from(steps) | st.none() | NUMBERS
        value = {"room": room, "member": member, "step": step}
        plausible = st.fixed_dictionaries(
            {k: v for k, v in value.items() if k in FIELDS_OF[event]},
            optional={"junk": ANYTHING}
            | {k: v for k, v in value.items() if k not in FIELDS_OF[event]},
        )
        wrong = st.fixed_dictionaries(
            {}, optional={k: ANYTHING for k in ("room", "member", "step")}
        )
        payload = data.draw(st.one_of(plausible, plausible, wrong, ANYTHING), label="payload")
        shape = data.draw(st.sampled_from(["one", "one", "one", "none", "extra"]), label="args")
        if shape == "none":
            return ()
        if shape == "extra":
            return (payload, *data.draw(st.lists(ANYTHING, min_size=1, max_size=2)))
        return (payload,)

    @rule(data=st.data(), count=st.integers(1, 4))
    def people_send_events(self, data, count):
        """A few events: moves a screen could offer, or anything at all from anyone."""
        for _ in range(count):
            if data.draw(st.booleans(), label="a move that could be right"):
                screen, event, args = self.a_move_that_could_be_right(data)
            else:
                screen, event, args = self.any_event_from_anyone(data)
            self.send(screen, event, args, raw=data.draw(st.booleans(), label="raw packet"))

    def any_event_from_anyone(self, data) -> tuple[Screen, str, tuple]:
        screen = data.draw(st.sampled_from(self.connected()), label="from")
        event = data.draw(
            st.sampled_from(EVENTS + EVENTS + RESERVED + MADE_UP) | st.text(max_size=6),
            label="event",
        )
        args = self.payloads(data, event if event in EVENTS else "clock")
        if event in RESERVED and data.draw(st.booleans(), label="with secrets"):
            args = (data.draw(self.secrets(), label="auth"), *args[1:])
        return screen, event, args

    def a_move_that_could_be_right(self, data) -> tuple[Screen, str, tuple]:
        """A move a screen offers now, or one just gone stale; mostly from the right person."""
        seen = stored(self.app, self.ours.code)
        offered = self.offered(seen, data)
        if offered and data.draw(st.booleans(), label="offered now"):
            event, payload, by = data.draw(st.sampled_from(offered), label="move")
        else:
            number = data.draw(st.sampled_from(sorted(seen.rooms) or [1]), label="room")
            room = seen.rooms[number][1] if number in seen.rooms else None
            step = room.step if room is not None else 0
            step = data.draw(st.sampled_from([step, None, step - 1, step + 1]), label="step")
            by = room.current if room is not None else None
            member = data.draw(st.sampled_from([by, *seen.people]), label="member")
            moves = [
                ("finish", {"step": step}),
                ("pass", {"step": step}),
                ("start", {}),
                ("pause", {"room": number}),
                ("resume", {"room": number}),
                ("extend", {"room": number}),
                ("skip", {"room": number, "member": member, "step": step}),
                ("remove", {"member": member}),
                ("end", {}),  # the one move no screen offers at random: it ends the example
            ]
            event, payload = data.draw(st.sampled_from(moves), label="move")
        if event in SPEAKER_MOVES:
            right = [s for s in self.connected() if s.person is not None and s.person == by]
        else:
            right = [s for s in self.connected() if s.is_host and s.code == self.ours.code]
        anyone = st.sampled_from(self.connected())
        screen = data.draw(st.sampled_from(right) | anyone if right else anyone, label="from")
        return screen, event, (payload,)

    def offered(self, seen: Stored, data) -> list[tuple[str, dict, str | None]]:
        """Return the moves screens offer now, as (event, payload, who may make it)."""
        people = [i for i, p in seen.people.items() if not p[1]]
        moves: list[tuple[str, dict, str | None]] = []
        if people and seen.status != "ended":
            member = data.draw(st.sampled_from(people), label="who could be removed")
            moves.append(("remove", {"member": member}, None))
        if seen.status == "lobby":
            moves.append(("start", {}, None))
        for number, (_version, room) in sorted(seen.rooms.items()):
            can = engine.allowed(room)
            if can.finish:
                moves.append(("finish", {"step": room.step}, can.finish))
                moves.append(("pass", {"step": room.step}, can.finish))
            for move in ("pause", "resume", "extend"):
                if getattr(can, move):
                    moves.append((move, {"room": number}, None))
            if can.skip:
                skip = {"room": number, "member": can.skip, "step": room.step}
                moves.append(("skip", skip, None))
        return moves

    @rule(data=st.data())
    def someone_sends_a_malformed_or_forged_packet(self, data):
        screen = data.draw(st.sampled_from(self.connected()), label="from")
        raw = data.draw(
            st.sampled_from(MALFORMED + BINARY + [GOODBYE])
            | self.secrets().map(lambda auth: "0" + json.dumps(auth))
            | st.builds(
                lambda name, args: "2" + json.dumps([name, *args]),
                st.sampled_from(RESERVED),
                st.lists(ANYTHING, max_size=2),
            ),
            label="packet",
        )
        before = self.fingerprints()
        deliver(screen.client, raw)
        reply, screen.client.acks = screen.client.acks, None
        if reply is not None:
            self.check_reply_shape(reply["args"][0] if reply["args"] else None)
        if raw == GOODBYE:
            screen.expected = False  # a real goodbye: presence is checked below
        elif raw in BINARY:
            screen.expected = server_sees(screen.client)  # a real server ends it; allowed
        else:
            assert self.fingerprints() == before, f"{raw!r} changed a session"

    @rule(seconds=st.sampled_from([0, 0.5, 1, 5, 9, 10, 15, 29, 30, 31, 60, 600]))
    def time_passes(self, seconds):
        self.ours.tick(seconds)

    @precondition(lambda self: len(self.screens) < 16)
    @rule(data=st.data())
    def a_screen_opens(self, data):
        """A reload, a second tab, the late connection of someone who joined earlier."""
        ours = self.ours
        who = data.draw(st.sampled_from(["host", "Hana", *ours.ids]), label="who")
        key = f"{who} #{len(self.screens)}"
        if who == "host":
            screen = self.open_screen(key, ours, host_key=ours.host_key)
        elif who == "Hana":
            screen = self.open_screen(key, ours, host_key=ours.host_key, person="Hana")
        else:
            screen = self.open_screen(key, ours, person=who)
        removed = ours.ids[who] in self.removed if who in ours.ids else False
        if who in ("host", "Hana") or not removed:
            assert screen is not None, f"{who} could not connect"
        else:
            assert screen is None, f"{who} was removed but connected again"

    @precondition(lambda self: self.closed < 4)
    @rule(data=st.data())
    def a_screen_closes(self, data):
        mine = [s for s in self.connected() if s.code == self.ours.code]
        if not mine:
            return
        self.closed += 1
        screen = data.draw(st.sampled_from(mine), label="closes")
        screen.client.disconnect()
        screen.expected = False

    @precondition(lambda self: self.late < 2)
    @rule(connect=st.booleans())
    def someone_joins_late(self, connect):
        self.late += 1
        name = f"Late{self.late}"
        reply = self.ours.http.post(f"/api/sessions/{self.ours.code}/join", json={"name": name})
        if reply.status_code == 409:
            assert reply.json["error"] == "ended"
            assert stored(self.app, self.ours.code).status == "ended"
            return
        assert reply.status_code == 201, reply.json
        self.ours.ids[name] = reply.json["participant"]["id"]
        self.ours.tokens[name] = reply.json["token"]
        self.names[self.ours.ids[name]] = name
        if connect:
            assert self.open_screen(name, self.ours, person=name) is not None

    def secrets(self):
        """Auth objects a screen has no business presenting, or that cannot be anyone's."""
        ours, theirs = self.ours, self.theirs
        real = [
            {"session": ours.code, "host_key": ours.host_key},
            {"session": ours.code, "token": ours.tokens["Dev"]},
            {"session": ours.code, "token": ours.tokens["Ada"], "host_key": ours.host_key},
        ]
        mixed = [
            {"session": ours.code, "token": theirs.tokens["Olu"]},
            {"session": theirs.code, "host_key": ours.host_key},
            {"session": ours.code, "host_key": theirs.host_key},
            {"session": ours.code, "token": ours.tokens["Ada"] + "x"},
            {"session": ours.code},
        ]
        return st.sampled_from(real + mixed) | ANYTHING

    @precondition(lambda self: self.forgeries < 3)
    @rule(data=st.data())
    def someone_connects_with_secrets_that_are_not_theirs(self, data):
        self.forgeries += 1
        auth = data.draw(
            st.sampled_from(
                [
                    {"session": self.ours.code, "token": self.theirs.tokens["Olu"]},
                    {"session": self.theirs.code, "host_key": self.ours.host_key},
                    {"session": self.ours.code, "host_key": self.theirs.host_key},
                    {"session": self.ours.code, "token": self.ours.tokens["Ada"][:-1]},
                    {"session": self.ours.code, "host_key": self.ours.host_key + " "},
                    {"session": self.ours.code, "token": None, "host_key": None},
                    {"session": self.ours.code, "token": ["x"], "host_key": {"a": 1}},
                ]
            )
            # what a client library sends as auth is an object (raw CONNECT packets with
            # anything at all are sent by someone_sends_a_malformed_or_forged_packet)
            | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=4), ANYTHING),
            label="auth",
        )
        before = self.fingerprints()
        client = socketio.test_client(self.app, auth=auth)
        let_in = server_sees(client)
        if let_in:
            client.disconnect()
        SocketIOTestClient.clients.pop(client.eio_sid, None)
        socketio.server.environ.pop(client.eio_sid, None)
        assert not let_in, f"{auth!r} was let in"
        sent = [m["name"] for m in client.queue]
        assert not sent, f"a refused connection was sent {sent}"
        assert self.fingerprints() == before

    # Sending one event and judging the reply.

    def look(self) -> dict[str, Stored]:
        """Return both sessions as the store holds them, by code."""
        return {w.code: stored(self.app, w.code) for w in (self.ours, self.theirs)}

    def fingerprints(self) -> tuple:
        return tuple(seen.fingerprint() for seen in self.look().values())

    def send(self, screen: Screen, event: str, args: tuple, raw: bool) -> None:
        """Send one event as this screen, and judge the reply and what it changed."""
        looked = self.look()
        mine_before = looked[screen.code]
        before = tuple(seen.fingerprint() for seen in looked.values())
        if raw:
            screen.client.acks = None
            screen.client.callback_counter += 1
            deliver(screen.client, raw_event(event, args, screen.client.callback_counter))
            ack, screen.client.acks = screen.client.acks, None
            if ack is None:
                reply = None
            else:  # as the test client's emit unpacks an acknowledgement
                reply = ack["args"][0] if len(ack["args"]) == 1 else ack["args"]
        else:
            reply = screen.client.emit(event, *args, callback=True)
        looked = self.look()
        mine_after = looked[screen.code]
        after = tuple(seen.fingerprint() for seen in looked.values())
        said = f"{screen.key} sent {event!r} {args!r}"[:400] + f" and was told {reply!r}"

        if event not in EVENTS:
            assert reply is None, f"an event the protocol does not have was answered: {said}"
            assert after == before, f"an ignored event changed something: {said}"
            return
        self.check_reply_shape(reply, said)
        ok = reply["ok"]
        typed = well_typed(event, args)
        if typed is False:
            assert reply.get("error") == "bad_request", said
        elif typed is None and reply.get("error") == "bad_request":
            pass
        elif event in HOST_MOVES and not screen.is_host:
            assert reply.get("error") == "not_host", said
        elif event in SPEAKER_MOVES and screen.person is None:
            assert reply.get("error") == "not_participant", said
        elif event in ANYONE:
            assert ok, said
        if event == "clock" and ok:
            assert reply["server_now"] == self.clock.now, said

        if not ok or event in ANYONE:
            assert after == before, f"a refused or read-only event changed something: {said}"
        untouched = 1 if screen.code == self.ours.code else 0
        assert after[untouched] == before[untouched], f"one session changed another: {said}"
        if not ok:
            return

        payload = args[0] if args and args[0] is not None else {}
        if event in HOST_MOVES:
            assert screen.is_host, f"someone who is not the host made a host's move: {said}"
        if event in SPEAKER_MOVES:
            room = mine_before.room_of(screen.person)
            assert room is not None, f"finished with no room: {said}"
            late = payload.get("step") == room.step - 1 and room.last_ended == screen.person
            if late:
                # The echo of their own turn's end, arriving just after it: taken, and changes
                # nothing (checked above with the other read-only answers).
                assert after == before, f"a late press changed something: {said}"
            else:
                assert room.speaker == screen.person, f"not the speaker: {said}"
                assert not room.paused, f"finished while paused: {said}"
                assert payload.get("step") in (None, room.step), f"a stale step was taken: {said}"
        if event == "skip":
            room = mine_before.rooms[payload["room"]][1]
            assert room.current == payload["member"] and room.step == payload["step"], said
        if event == "remove":
            member = payload["member"]
            assert mine_before.people[member][1] is False, f"removed twice: {said}"
            self.removed.add(member)
            for other in self.screens:
                if other.code == screen.code and other.person == member:
                    other.expected = False
        if event == "start":
            assert (mine_before.status, mine_after.status) == ("lobby", "running"), said
        if event == "end":
            assert mine_after.status == "ended", said

    def check_reply_shape(self, reply, said: str = "") -> None:
        assert isinstance(reply, dict) and isinstance(reply.get("ok"), bool), said
        if reply["ok"]:
            return
        assert set(reply) == {"ok", "error", "message"}, said
        assert reply["error"] in STATUS, said
        assert reply["error"] not in SERVERS_FAULT, f"the server failed: {said}"
        assert isinstance(reply["message"], str) and reply["message"].strip(), said

    def check_connections(self) -> None:
        """No connection ends unless it was closed or its person removed; none comes back."""
        for screen in self.screens:
            open_now = server_sees(screen.client)
            assert open_now == screen.expected, (
                f"{screen.key}'s connection is {'open' if open_now else 'closed'}"
            )
            # The test client marks itself closed on any CONNECT_ERROR, even for a refused
            # second CONNECT packet on a connection the server keeps: follow the server.
            screen.client.connected["/"] = open_now

    # What must hold after every step.

    @invariant()
    def after_every_step(self):
        self.check_connections()
        self.nothing_was_logged_as_an_error()
        self.every_screen_shows_what_the_store_holds()

    def nothing_was_logged_as_an_error(self):
        records = self.caplog.records[self.logged :]
        self.logged = len(self.caplog.records)
        errors = [f"{r.name}: {r.getMessage()}" for r in records if r.levelno >= logging.ERROR]
        assert not errors, f"logged as errors: {errors}"

    def every_screen_shows_what_the_store_holds(self):
        if not self.screens:
            return
        seen = {w.code: stored(self.app, w.code) for w in (self.ours, self.theirs)}
        present = {s.person for s in self.connected() if s.person is not None}
        for screen in self.connected():
            for message in screen.client.get_received():
                kind = message["name"]
                assert kind in ("lobby", "console", "room"), f"{screen.key} was sent {kind}"
                snapshot = message["args"][0]
                assert snapshot["session"]["code"] == screen.code, "another session's snapshot"
                if kind == "room":
                    ids = [m["id"] for m in snapshot["room"]["members"]]
                    assert screen.is_host or screen.person in ids, (
                        f"{screen.key} was sent a room it is not in"
                    )
                    screen.saw_room(snapshot["room"])
                    continue
                if kind == "console":
                    assert screen.is_host, f"{screen.key} was sent the host's console"
                    for view in snapshot.get("rooms", []):
                        screen.saw_room(view)
                if snapshot["session"]["status"] == "ended":
                    assert not names_in(snapshot), f"{screen.key} was sent names after the end"
                known = screen.newest.get(kind)
                if known is None or snapshot["version"] >= known["version"]:
                    screen.newest[kind] = snapshot
            store = seen[screen.code]
            self.check_lobby(screen, store, present)
            if screen.is_host:
                self.check_console(screen, store, present)
            room = store.room_of(screen.person)
            if room is not None:
                self.check_room(screen, store, present)

    def check_lobby(self, screen: Screen, store: Stored, present: set) -> None:
        lobby = screen.newest["lobby"]
        assert lobby["version"] == store.version, f"{screen.key}'s lobby is behind"
        assert lobby["session"]["status"] == store.status
        here = [i for i, p in store.people.items() if not p[1]]
        assert lobby["here"] == {
            "joined": len(here),
            "connected": len([i for i in here if i in present]),
            "sound_ready": 0,  # nobody here checks their sound
        }, f"{screen.key} is told the wrong counts"

    def check_console(self, screen: Screen, store: Stored, present: set) -> None:
        console = screen.newest["console"]
        assert console["version"] == store.version, f"{screen.key}'s console is behind"
        people = {p["id"]: p for p in console["people"]}
        assert set(people) == {i for i, p in store.people.items() if not p[1]}
        for pid, person in people.items():
            assert person["present"] == (pid in present), (
                f"the host sees {self.names[pid]} as {'' if person['present'] else 'not '}here"
            )
        assert set(screen.rooms) == set(store.rooms), f"{screen.key} does not see every room"
        for view in screen.rooms.values():
            self.check_room_view(f"{screen.key}'s console", view, store, present)

    def check_room(self, screen: Screen, store: Stored, present: set) -> None:
        mine = [
            v for v in screen.rooms.values() if screen.person in [m["id"] for m in v["members"]]
        ]
        assert mine, f"{screen.key} was never sent their room"
        view = mine[0]
        assert store.room_of(screen.person) == store.rooms[view["number"]][1], (
            f"{screen.key} shows room {view['number']}, not their own"
        )
        # (a room that closed before the session ended keeps its version, and the status it
        # was sent with: screens learn of the end from the lobby, checked above)
        self.check_room_view(screen.key, view, store, present)

    def check_room_view(self, where: str, view: dict, store: Stored, present: set) -> None:
        version, room = store.rooms[view["number"]]
        assert view["version"] == version, f"{where} is behind in room {view['number']}"
        members = [m["id"] for m in view["members"]]
        assert members == [m.id for m in room.members] and len(set(members)) == len(members)
        current, phase = view["current"], view["phase"]
        assert current == room.current and phase == str(room.phase), where
        if phase in ("silence", "waiting", "speaking", "grace"):
            assert current in members, f"{where}: the one who has the floor is not a member"
        assert view["allowed"]["finish"] in (None, current), where
        assert view["allowed"]["skip"] in (None, current), where
        assert set(view["queue"]) <= set(members), where
        for member in view["members"]:
            if member["id"] in self.removed:
                # The host removed them after their room had closed: a closed room is kept as
                # it ended, so they stay listed there (nameless). Anywhere else they are gone.
                assert phase == "closed", (
                    f"{where} still lists {self.names[member['id']]} in room {view['number']} "
                    f"({phase}), though the host removed them"
                )
                continue
            assert member["present"] == (member["id"] in present), (
                f"{where} shows {self.names[member['id']]} as "
                f"{'' if member['present'] else 'not '}here"
            )


#: the fields each event reads (docs/protocol.md), for drawing payloads of the right shape
FIELDS_OF = {
    "finish": ("step",),
    "pass": ("step",),
    "start": (),
    "pause": ("room",),
    "resume": ("room",),
    "extend": ("room",),
    "skip": ("room", "member", "step"),
    "remove": ("member",),
    "end": (),
    "clock": (),
    "sync": (),
}


#: LISTENING_FUZZ_EXAMPLES=2000 runs that many random examples instead of the fixed ones;
#: LISTENING_FUZZ_SHRINK=1 shrinks a failure to fewer steps (this can take minutes, so by
#: default a failure is reported with the steps as found: they replay the same every run)
EXAMPLES = int(os.environ.get("LISTENING_FUZZ_EXAMPLES", "0"))
SHRINK = os.environ.get("LISTENING_FUZZ_SHRINK", "") not in ("", "0")
FUZZ = settings(
    max_examples=EXAMPLES or 30,
    stateful_step_count=40,
    deadline=None,
    derandomize=not EXAMPLES,
    database=None,
    phases=[Stage.explicit, Stage.generate] + ([Stage.shrink] if SHRINK else []),
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_no_event_a_client_can_send_makes_the_server_fail_or_lets_anyone_act_beyond_their_role(
    app, clock, caplog
):
    # Test clients have no address, so they are not exempt as loopback: keep the per-address
    # connection limit (tests/test_rate_limits.py) out of the way of hundreds of reconnections.
    app.config["LIMIT_CONNECT"] = "100000 per minute"
    caplog.set_level(logging.WARNING)
    run_state_machine_as_test(lambda: ProtocolFuzz(app, clock, caplog), settings=FUZZ)


#: values no screen sends, tried in every field of every event by every kind of caller
HOSTILE = [
    None, True, -1, 2**70, -(2**70), 1.5, math.nan, -math.inf, "", "\x00", "\ud800",
    "p" + "0" * 10_000, [], [1], {"room": 1}, {"a": {"b": [None]}},
]  # fmt: skip


def test_every_field_of_every_event_with_hostile_values_gets_a_clear_answer(app, clock, caplog):
    caplog.set_level(logging.WARNING)
    fuzz = ProtocolFuzz(app, clock, caplog)
    fuzz.a_session_with_people_and_another_session_beside_it(
        rounds=2, silence=5, grace=15, start=True
    )
    try:
        fuzz.ours.tick(5)
        assert stored(app, fuzz.ours.code).rooms[1][1].speaker == fuzz.ours.ids["Hana"]
        others = [fuzz.theirs.ids["Olu"], fuzz.theirs.ids["Pia"]]
        for key in ("Ada", "host", "other host"):  # a participant, the host, a stranger
            screen = fuzz.screen(key)
            for event in sorted(EVENTS, key=lambda e: e == "end"):  # end last: it ends it all
                fields = FIELDS_OF[event]
                good = {"room": 1, "member": fuzz.ours.ids["Cleo"], "step": 99}
                for field in fields or [None]:
                    for value in HOSTILE + others:
                        if field is None:  # the payload itself: anything but an object
                            if value is None or isinstance(value, dict):
                                continue
                            args = (value,)
                        else:
                            args = ({**{f: good[f] for f in fields}, field: value},)
                        fuzz.send(screen, event, args, raw=False)
                        fuzz.nothing_was_logged_as_an_error()
                    fuzz.after_every_step()
    finally:
        fuzz.teardown()


def test_malformed_packets_are_dropped_quietly_and_the_connection_keeps_working(started, caplog):
    started.tick(5)  # Ada has the floor
    caplog.set_level(logging.WARNING)
    before = stored(started.app, started.code).fingerprint()
    problems = []
    for raw in MALFORMED + BINARY:
        caplog.clear()
        deliver(started.sockets["Ada"], raw)
        errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= 40]
        if errors:
            problems.append(f"{raw!r:.60} was logged as {errors}")
        if not server_sees(started.sockets["Ada"]):
            if raw not in BINARY:  # (a real server ends a connection that sends binary)
                problems.append(f"{raw!r:.60} ended the connection")
            started.connect("Ada")
        started.sockets["Ada"].connected["/"] = True  # (see ProtocolFuzz.check_connections)
        if stored(started.app, started.code).fingerprint() != before:
            problems.append(f"{raw!r:.60} changed the session")
            before = stored(started.app, started.code).fingerprint()
    assert not problems, "\n".join(problems)
    assert started.speaker("Ben") == "Ada"
    assert started.send("Ada", "finish", {"step": started.room("Ada")["step"]})["ok"]
