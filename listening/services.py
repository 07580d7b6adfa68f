"""Everything that changes a session: the only code that writes to the store.

Each service takes the caller and the current time, asks the engine what the format allows,
writes the result with a compare-and-set on the room's (or session's) version, and returns a
:class:`Changes` for the emit path.  Two clicks, two workers or the ticker racing a click all
read the same version; only the first write lands, and the others re-read and try again, so a
turn advances exactly once.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from . import engine
from .engine import Refused
from .extensions import db
from .models import Participant, Room, Session, Turn

#: how often a write that lost a race is retried before giving up with "busy"
RETRIES = 20

DEFAULT_PROMPTS = [
    "How are you feeling, right now, as we begin?",
    "What are you thinking about at the moment?",
    "What are you hoping for?",
]


@dataclass
class Changes:
    """What changed, so the emit path knows which snapshots to send."""

    rooms: set[int] = field(default_factory=set)
    sessions: set[int] = field(default_factory=set)

    def add(self, other: Changes) -> Changes:
        """Merge another set of changes into this one and return it."""
        self.rooms |= other.rooms
        self.sessions |= other.sessions
        return self


@dataclass(frozen=True)
class Caller:
    """Who a connection belongs to, as proven by a secret the server issued."""

    session_id: int
    participant_id: int | None = None
    is_host: bool = False


def clock() -> float:
    """Return the current time in seconds since the epoch (injectable through config)."""
    return current_app.config["CLOCK"]()


def _stamp(now: float) -> datetime:
    return datetime.fromtimestamp(now, UTC).replace(tzinfo=None)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# Creating and finding sessions.

LIMITS = {
    "turn_seconds": (30, 300),
    "rounds": (1, 5),
    "silence_seconds": (0, 30),
    "grace_seconds": (0, 60),
}
DEFAULTS = {"turn_seconds": 120, "rounds": 3, "silence_seconds": 5, "grace_seconds": 15}


def session_form_defaults() -> dict:
    """Return the values a new session form starts with."""
    return {"title": "", "prompts": list(DEFAULT_PROMPTS), **DEFAULTS}


#: joiners that real names and emoji need (Persian names, family emoji); other format
#: characters (bidi overrides, zero-width spaces) are refused
JOINERS = {"\u200c", "\u200d"}


def clean_text(value, limit: int) -> str | None:
    """Return the text trimmed and normalised, or None if it is empty, too long or has controls."""
    if not isinstance(value, str) or len(value) > 4 * limit:
        return None
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text or len(text) > limit:
        return None
    for ch in text:
        if ch not in JOINERS and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return None
    return text


def _secret(value) -> str | None:
    """Return a secret or code as sent, or None if it cannot be one of ours."""
    if not isinstance(value, str) or not 0 < len(value) <= 100:
        return None
    return value if value.isascii() else None


def _number(value, low: float, high: float, whole: bool) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if number != number or not low <= number <= high or (whole and number != int(number)):
        return None
    return int(number) if whole else number


def validate_session(data: dict) -> tuple[dict, dict]:
    """Return (clean settings, errors by field) for a host's new session."""
    errors, clean = {}, {}
    title = clean_text(data.get("title", ""), 80)
    if title is None:
        errors["title"] = "Give the session a title of up to 80 characters."
    clean["title"] = title
    prompts = data.get("prompts", DEFAULT_PROMPTS)
    if not isinstance(prompts, list) or not 1 <= len(prompts) <= 5:
        prompts = None
    else:
        prompts = [
            clean_text(p, 200) for p in prompts if not (isinstance(p, str) and not p.strip())
        ]
    if not prompts or None in prompts:
        errors["prompts"] = "Write one to five prompts, each up to 200 characters."
    clean["prompts"] = prompts
    short_ok = current_app.config["ALLOW_SHORT_TURNS"]
    for name, (low, high) in LIMITS.items():
        if name == "turn_seconds" and short_ok:
            low = 1
        value = _number(data.get(name, DEFAULTS[name]), low, high, whole=name == "rounds")
        if value is None:
            errors[name] = f"Choose a whole number from {low} to {high}."
        clean[name] = value
    return clean, errors


def create_session(data: dict) -> tuple[Session, str]:
    """Create a session from the host's form and return it with the host key (shown once)."""
    clean, errors = validate_session(data)
    if errors:
        raise Invalid(errors)
    host_key = secrets.token_urlsafe(18)
    for _ in range(RETRIES):
        session = Session(
            code=secrets.token_urlsafe(6),
            host_key_hash=_digest(host_key),
            created_at=_stamp(clock()),
            **clean,
        )
        db.session.add(session)
        try:
            db.session.commit()
            return session, host_key
        except IntegrityError:  # pragma: no cover - a 48-bit code collided
            db.session.rollback()
    raise Refused("busy", "Please try again.")  # pragma: no cover


class Invalid(Refused):
    """A form with fields to fix."""

    def __init__(self, fields: dict):
        super().__init__("invalid", "Some settings need another look.")
        self.fields = fields


def find_session(code) -> Session:
    """Return the session with this public code, or refuse."""
    session = None
    if _secret(code) is not None and len(code) <= 16:
        session = db.session.scalar(select(Session).where(Session.code == code))
    if session is None:
        raise Refused("unknown_session", "We can't find that session. Check the link.")
    return session


def full_room_seconds(session: Session, cap: int) -> float:
    """Return how long a full room takes, from the start to the end of the last turn."""
    return session.rounds * cap * (session.turn_seconds + session.silence_seconds)


# Identity.


def identify(auth) -> Caller:
    """Return who is connecting, from the secrets in their Socket.IO ``auth``, or refuse."""
    if not isinstance(auth, dict) or _secret(auth.get("session")) is None:
        raise Refused("bad_auth", "Connect with the session code from your link.")
    session = find_session(auth["session"])
    host_key, token = auth.get("host_key"), auth.get("token")
    is_host = False
    if host_key is not None:
        if _secret(host_key) is None or not secrets.compare_digest(
            _digest(host_key), session.host_key_hash
        ):
            raise Refused("forged_key", "That host link is not right. Use the link you were given.")
        is_host = True
    participant = None
    if token is not None:
        participant = _participant_by_token(session, token)
        if participant is None:
            raise Refused("unknown_participant", "We don't recognise you here; please join again.")
    if not is_host and participant is None:
        raise Refused("bad_auth", "Join the session with your first name first.")
    return Caller(session.id, participant.id if participant else None, is_host)


def _participant_by_token(session: Session, token) -> Participant | None:
    if _secret(token) is None:
        return None
    return db.session.scalar(
        select(Participant).where(
            Participant.session_id == session.id, Participant.token_hash == _digest(token)
        )
    )


# Joining.


def join(code, name) -> tuple[Participant, str, Changes]:
    """Add someone to a session by first name and return them, their token and the changes."""
    session = find_session(code)
    clean = clean_text(name, 40)
    if clean is None:
        raise Refused("invalid_name", "Please give a first name of 1 to 40 letters.")
    token = secrets.token_urlsafe(18)
    for _ in range(RETRIES):
        db.session.expire_all()
        session = db.session.get(Session, session.id)
        if session.status == "ended":
            raise Refused("ended", "This session has ended. Thank you for coming.")
        names = db.session.scalars(
            select(Participant.name).where(Participant.session_id == session.id)
        ).all()
        if len(names) >= current_app.config["MAX_PEOPLE"]:
            raise Refused("full", "This session is full. Ask the host about another one.")
        now = clock()
        participant = Participant(
            session_id=session.id,
            public_id="p" + secrets.token_hex(4),
            token_hash=_digest(token),
            name=_distinct_name(names, clean),
            joined_at=_stamp(now),
        )
        db.session.add(participant)
        if not _bump_session(session, status=session.status):
            db.session.rollback()
            continue
        db.session.flush()
        changes = Changes(sessions={session.id})
        if session.status == "running":
            try:
                changes.add(_place_latecomer(session, participant, now))
            except (_Lost, IntegrityError):
                db.session.rollback()
                continue
        db.session.commit()
        return participant, token, changes
    raise Refused("busy", "Lots of people are joining at once; please try again.")


def _distinct_name(names: list[str | None], name: str) -> str:
    """Return the name, numbered if someone already has it (ignoring case): Sam, sam 2."""
    taken = {n.casefold() for n in names if n}
    if name.casefold() not in taken:
        return name
    n = 2
    while f"{name} {n}".casefold() in taken:
        n += 1
    return f"{name} {n}"


def _bump_session(session: Session, **values) -> bool:
    """Compare-and-set the session row; return False if someone else wrote first."""
    result = db.session.execute(
        update(Session)
        .where(Session.id == session.id, Session.version == session.version)
        .values(version=session.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _place_latecomer(session: Session, participant: Participant, now: float) -> Changes:
    """Put a latecomer in the room with the most space, or a new room when all are full."""
    rooms = sorted(
        (r for r in session.rooms if engine.from_dict(r.state).has_space),
        key=lambda r: (len(r.state["members"]), r.number),
    )
    if rooms:
        room = rooms[0]
        # Not connected yet: they become present when their screen connects.
        state, effects = engine.join(
            engine.from_dict(room.state), participant.public_id, now, present=False
        )
        if not _write_room(room, state, effects, now):
            raise _Lost()
    else:
        number = max((r.number for r in session.rooms), default=0) + 1
        pid = participant.public_id
        state, effects = engine.open_room([pid], _settings(session), now, absent=frozenset([pid]))
        room = Room(session_id=session.id, number=number, state=engine.to_dict(state))
        db.session.add(room)
        db.session.flush()
    participant.room_id = room.id
    return Changes(rooms={room.id})


class _Lost(Exception):
    """Another writer changed the room first; the caller retries from a fresh read."""


def _settings(session: Session) -> engine.Settings:
    config = current_app.config
    return engine.Settings(
        turn_seconds=session.turn_seconds,
        rounds=session.rounds,
        silence_seconds=session.silence_seconds,
        grace_seconds=session.grace_seconds,
        away_wait_seconds=config["AWAY_WAIT_SECONDS"],
        room_cap=config["ROOM_CAP"],
    )


# Presence.


def set_present(participant_id: int, present: bool) -> Changes:
    """Record that a participant's last screen went away, or their first came back.

    In the lobby this compare-and-sets the session, so it cannot slip past a Start that is
    forming rooms from who is connected.
    """
    for _ in range(RETRIES):
        db.session.expire_all()
        participant = db.session.get(Participant, participant_id)
        if participant is None:
            return Changes()
        changes = Changes()
        if participant.present != present:
            participant.present = present
            if not _bump_session(participant.session):
                db.session.rollback()
                continue
            db.session.commit()
            changes.sessions.add(participant.session_id)
        if participant.room_id is not None:
            public_id = participant.public_id
            changes.add(
                _change_room(
                    participant.room_id,
                    lambda room, now, who=public_id: engine.set_presence(room, who, present, now),
                )
            )
        return changes
    raise Refused("busy", "Lots happened at once; please reconnect.")


def forget_presence() -> None:
    """Mark everyone as not connected: called once when a single server process starts."""
    db.session.execute(update(Participant).values(present=False))
    db.session.commit()
    for room_id in db.session.scalars(select(Room.id).where(Room.closed_at.is_(None))).all():
        _change_room(room_id, _everyone_absent)


def _everyone_absent(room: engine.Room, now: float):
    effects = []
    for member in room.members:
        room, more = engine.set_presence(room, member.id, False, now)
        effects += more
    return room, effects


# The host's moves.


def start(caller: Caller) -> Changes:
    """Form balanced rooms from everyone in the lobby and start them."""
    _require_host(caller)
    for _ in range(RETRIES):
        db.session.expire_all()
        session = db.session.get(Session, caller.session_id)
        if session.status == "ended":
            raise Refused("ended", "This session has ended.")
        if session.status != "lobby":
            raise Refused("started", "This session has already started.")
        people = list(session.participants)
        if len(people) < 2:
            raise Refused("too_few", "At least two people are needed to listen to each other.")
        now = clock()
        # Presence and joins bump the version too, so what we read is what we start with.
        if not _bump_session(session, status="running", started_at=_stamp(now)):
            db.session.rollback()
            continue
        room_ids = _form_rooms(session, people, now)
        db.session.commit()
        return Changes(sessions={caller.session_id}, rooms=room_ids)
    raise Refused("busy", "Lots happened at once; press Start again.")


def _form_rooms(session: Session, people: list[Participant], now: float) -> set[int]:
    by_public = {p.public_id: p for p in people}
    absent = frozenset(p.public_id for p in people if not p.present)
    settings = _settings(session)
    room_ids = set()
    for number, ids in enumerate(engine.group(list(by_public), settings.room_cap), 1):
        state, _ = engine.open_room(ids, settings, now, absent=absent)
        room = Room(session_id=session.id, number=number, state=engine.to_dict(state))
        room.deadline = state.deadline
        db.session.add(room)
        db.session.flush()
        room_ids.add(room.id)
        for pid in ids:
            by_public[pid].room_id = room.id
    return room_ids


def _step(value) -> int | None:
    """Return the step a client says it saw, or refuse a value that is not a whole number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refused("bad_request", "The step must be the whole number from the snapshot.")
    return value


def host_move(caller: Caller, move: str, room_number, member=None, step=None) -> Changes:
    """Apply pause, resume, extend or skip to one of the host's rooms."""
    _require_host(caller)
    _require_not_ended(caller.session_id)
    if isinstance(room_number, bool) or not isinstance(room_number, int):
        raise Refused("bad_request", "Say which room, by number.")
    room = None
    if 0 < room_number < 100_000:
        room = db.session.scalar(
            select(Room).where(Room.session_id == caller.session_id, Room.number == room_number)
        )
    if room is None:
        raise Refused("unknown_room", "There is no room with that number.")
    step = _step(step)
    if move == "skip" and (not isinstance(member, str) or step is None):
        raise Refused("bad_request", "Say who to skip and the step you saw.")
    seconds = current_app.config["EXTEND_SECONDS"]
    moves: dict[str, Callable] = {
        "pause": engine.pause,
        "resume": engine.resume,
        "extend": lambda r, now: engine.extend(r, seconds, now),
        "skip": lambda r, now: engine.skip(r, member, now, step),
    }
    return _change_room(room.id, moves[move])


def end_session(caller: Caller) -> Changes:
    """Close every room and the session, and erase everyone's names."""
    _require_host(caller)
    return _end(caller.session_id, refuse_if_ended=True)


def end_stale_sessions(now: float, hours: float) -> Changes:
    """End sessions left open for longer than ``hours``, so no name is kept for long."""
    cutoff = _stamp(now - hours * 3600)
    stale = db.session.scalars(
        select(Session.id).where(Session.status != "ended", Session.created_at < cutoff)
    ).all()
    changes = Changes()
    for session_id in stale:
        changes.add(_end(session_id))
    return changes


def _end(session_id: int, should_end=lambda session: True, refuse_if_ended=False) -> Changes:
    """Mark the session ended first, so no join can open a room after; then close every room."""
    for _ in range(RETRIES):
        db.session.expire_all()
        session = db.session.get(Session, session_id)
        if session.status == "ended":
            if refuse_if_ended:
                raise Refused("ended", "This session has already ended.")
            return Changes()
        if not should_end(session):
            return Changes()
        if _bump_session(session, status="ended", ended_at=_stamp(clock())):
            db.session.commit()
            break
        db.session.rollback()
    else:
        raise Refused("busy", "Lots happened at once; please try again.")
    changes = Changes(sessions={session_id})
    for room_id in db.session.scalars(select(Room.id).where(Room.session_id == session_id)):
        changes.add(_change_room(room_id, engine.close))
    db.session.execute(
        update(Participant).where(Participant.session_id == session_id).values(name=None)
    )
    db.session.commit()
    return changes


def _all_rooms_done(session: Session) -> bool:
    """Return whether every room has closed, but for latecomers still waiting for company."""
    rooms = [engine.from_dict(r.state) for r in session.rooms]
    closed = [r for r in rooms if r.phase == engine.Phase.CLOSED]
    return bool(closed) and all(
        r.phase in (engine.Phase.CLOSED, engine.Phase.GATHERING) for r in rooms
    )


def _require_not_ended(session_id: int) -> None:
    if db.session.get(Session, session_id).status == "ended":
        raise Refused("ended", "This session has ended. Thank you for taking part.")


def _require_host(caller: Caller) -> None:
    if not caller.is_host:
        raise Refused("not_host", "Only the host can do that.")


# The speaker's moves.


def speaker_move(caller: Caller, move: str, step=None) -> Changes:
    """Finish or pass the caller's own turn."""
    step = _step(step)
    if caller.participant_id is None:
        raise Refused("not_participant", "Only someone taking part can speak.")
    _require_not_ended(caller.session_id)
    participant = db.session.get(Participant, caller.participant_id)
    if participant.room_id is None:
        raise Refused("not_in_room", "You are not in a room yet.")
    end_turn = engine.finish if move == "finish" else engine.pass_turn
    return _change_room(
        participant.room_id, lambda r, now: end_turn(r, participant.public_id, now, step)
    )


# Time.


def tick_due(now: float) -> Changes:
    """Move on every room whose deadline has passed; one room's failure stops no other."""
    changes = Changes()
    due = db.session.scalars(select(Room.id).where(Room.deadline <= now)).all()
    for room_id in due:
        try:
            changes.add(_change_room(room_id, engine.tick, now=now))
        except Exception:
            db.session.rollback()
            current_app.logger.exception("could not move room %s on; trying next tick", room_id)
    return changes


# The compare-and-set at the heart of it.


def _change_room(room_id: int, move: Callable, now: float | None = None) -> Changes:
    """Apply ``move(room, now)`` to the stored room, retrying if another writer got there first."""
    for _ in range(RETRIES):
        db.session.expire_all()
        row = db.session.get(Room, room_id)
        at = clock() if now is None else now
        state = engine.from_dict(row.state)
        new, effects = move(state, at)
        if new == state:
            return Changes()
        if _write_room(row, new, effects, at):
            session_id = row.session_id
            db.session.commit()
            changes = Changes(rooms={room_id}, sessions={session_id})
            if new.phase == engine.Phase.CLOSED:
                changes.add(_end(session_id, should_end=_all_rooms_done))
            return changes
        db.session.rollback()
    raise Refused("busy", "Lots happened at once; please try again.")


def _write_room(row: Room, state: engine.Room, effects: list, now: float) -> bool:
    closed = state.phase == engine.Phase.CLOSED
    result = db.session.execute(
        update(Room)
        .where(Room.id == row.id, Room.version == row.version)
        .values(
            state=engine.to_dict(state),
            version=row.version + 1,
            deadline=state.deadline,
            closed_at=_stamp(now) if closed and row.closed_at is None else row.closed_at,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    _record(row, effects)
    return True


def _record(row: Room, effects: list) -> None:
    """Write when turns happened and how they ended: never anything anyone said."""
    ended = [e for e in effects if isinstance(e, engine.TurnEnded)]
    if not ended:
        return
    ids = dict(
        db.session.execute(
            select(Participant.public_id, Participant.id).where(
                Participant.session_id == row.session_id,
                Participant.public_id.in_({e.member for e in ended}),
            )
        ).all()
    )
    for e in ended:
        db.session.add(
            Turn(
                room_id=row.id,
                participant_id=ids[e.member],
                round=e.round,
                outcome=str(e.outcome),
                began_at=_stamp(e.began) if e.began is not None else None,
                ended_at=_stamp(e.at),
            )
        )
