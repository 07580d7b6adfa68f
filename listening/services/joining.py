"""Coming and going: joining by first name (in the lobby, or late to a running session), and
the host taking someone out."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, select

from .. import engine
from ..changes import Changes
from ..clock import now as clock_now
from ..clock import stamp
from ..engine import Refused
from ..extensions import db
from ..models import ListeningSession, Name, Participant, Room, SessionStatus
from . import store
from .identity import Caller, digest, find_session, new_secret, require_host
from .names import distinct as distinct_name
from .sessions import open_session
from .validation import as_secret


def join(code: str, name: str) -> tuple[Participant, str, str, Changes]:
    """Add someone by a cleaned first name; return them, the name the room sees (numbered if
    it looks like one taken), their token and what changed."""
    session_id = find_session(code).id
    token = new_secret()

    def write() -> tuple[Participant, str, Changes]:
        session = open_session(session_id, "This session has ended. Thank you for coming.")
        now = clock_now()
        require_lobby_open(session, now)
        # Plain queries on the tables: counts and strings, no ORM rows to build.
        people = store.table(Participant)
        here = db.session.scalar(
            select(func.count())
            .select_from(people)
            .where(people.c.session_id == session_id, people.c.removed_at.is_(None))
        )
        if here >= current_app.config["MAX_PEOPLE"]:
            raise Refused("full", "This session is full. Ask the host about another one.")
        participant = Participant(
            session_id=session_id,
            # 56 random bits: a clash is rare, and one that happens is simply tried again.
            public_id="p" + secrets.token_hex(7),
            token_hash=digest(token),
            joined_at=stamp(now),
        )
        db.session.add(participant)
        names = store.table(Name)
        taken = db.session.scalars(
            select(names.c.name).where(names.c.session_id == session_id)
        ).all()
        shown = distinct_name(taken, name)
        running = session.status == SessionStatus.RUNNING
        # The cap and "not ended" hold because every join compare-and-sets the session.
        store.bump_session(session)
        db.session.flush()
        db.session.execute(
            insert(names),
            {"participant_id": participant.id, "session_id": session_id, "name": shown},
        )
        changes = Changes(sessions={session_id})
        if running:
            changes.add(_place_latecomer(session, participant, now))
        return participant, shown, changes

    participant, shown, changes = store.attempt(
        write, "Lots of people are joining at once; please try again."
    )
    return participant, shown, token, changes


#: how long before a scheduled start people may join and gather in the lobby
LOBBY_OPENS = timedelta(minutes=15)


def lobby_opens(session: ListeningSession) -> datetime | None:
    """Return when the lobby of a scheduled session opens (UTC), or None if it is open."""
    if session.starts_at is None or session.status != SessionStatus.LOBBY:
        return None
    return session.starts_at - LOBBY_OPENS


def require_lobby_open(session: ListeningSession, now: float) -> None:
    """Refuse a join before a scheduled session's lobby opens."""
    opens = lobby_opens(session)
    if opens is not None and stamp(now) < opens:
        raise Refused(
            "not_open",
            "The lobby opens 15 minutes before the start. Please come back then.",
        )


def _place_latecomer(session: ListeningSession, participant: Participant, now: float) -> Changes:
    """Put a latecomer in the room with the most space, or a new room when all are full."""
    readable = [(row, s) for row in session.rooms if (s := row.engine_state()) is not None]
    open_rooms = sorted(
        ((row, state) for row, state in readable if state.has_space),
        key=lambda pair: (len(pair[1].members), pair[0].number),
    )
    pid = participant.public_id
    if open_rooms:
        row, state = open_rooms[0]
        # Not connected yet: they become present when their screen connects.
        joined, effects = engine.join(state, pid, now, present=False)
        store.write_room(row, joined, effects, now)
    else:
        number = max((r.number for r in session.rooms), default=0) + 1
        settings = store.settings_for(session)
        state, _ = engine.open_room([pid], settings, now, absent=frozenset([pid]))
        row = store.add_room(session, number, state)
    participant.room_id = row.id
    return Changes(rooms={row.id})


def leave(caller: Caller) -> tuple[Changes, int, str | None]:
    """Take the caller out of the session at their own word; return the changes, who it was and
    the name they had (for the host to be told once; it is erased here).

    Their remaining turns go at once and the room never waits for them; their link stops
    working for them, as when the host removes someone.
    """
    if caller.participant_id is None or caller.public_id is None:
        raise Refused("not_participant", "Only someone taking part can leave.")
    name = db.session.scalar(select(Name.name).where(Name.participant_id == caller.participant_id))
    changes, participant_id = _take_out(caller.session_id, caller.public_id, left=True)
    return changes, participant_id, name


def remove_person(caller: Caller, member: str) -> tuple[Changes, int]:
    """Take someone out of the session at the host's word; return the changes and who it was.

    Their link stops working for them, their name is erased at once, and their room sees only
    that they left (and moves on if they had, or were next to have, the floor). Nobody else is
    told. They no longer count towards how many may join.
    """
    require_host(caller)
    if as_secret(member) is None:  # not an id the server gave out: nobody to look up
        raise Refused("stale", "That person is not in this session any more.")
    return _take_out(caller.session_id, member)


def _take_out(session_id: int, member: str, left: bool = False) -> tuple[Changes, int]:
    """Take someone out of a session that has not ended: removed, or (``left``) they left."""
    gone = Refused("stale", "That person is not in this session any more.")

    def write() -> tuple[Changes, int]:
        session = open_session(session_id)
        participant = db.session.scalar(
            select(Participant).where(
                Participant.session_id == session.id,
                Participant.public_id == member,
                Participant.removed_at.is_(None),
            )
        )
        if participant is None:
            raise gone
        now = clock_now()
        changes = Changes(sessions={session.id})
        if participant.room_id is not None:
            row = db.session.get(Room, participant.room_id)
            state = row.engine_state() if row is not None else None
            if row is not None and state is not None:
                after, effects = engine.remove(state, member, now)
                store.write_room(row, after, effects, now)
                changes.rooms.add(row.id)
        participant.removed_at, participant.present = stamp(now), False
        db.session.execute(delete(Name).where(Name.participant_id == participant.id))
        if left:
            participant.left_at = participant.removed_at
        participant.room_id = None
        store.bump_session(session)
        store.erased()
        return changes, participant.id

    return store.attempt(write, "Lots happened at once; please try again.")
