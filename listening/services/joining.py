"""Joining a session by first name, in the lobby or as a latecomer to a running session."""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import select

from .. import engine
from ..changes import Changes
from ..clock import now as clock_now
from ..clock import stamp
from ..engine import Refused
from ..extensions import db
from ..models import ListeningSession, Participant, SessionStatus
from . import store
from .identity import digest, find_session, new_secret
from .names import distinct as distinct_name
from .sessions import open_session


def join(code: str, name: str) -> tuple[Participant, str, Changes]:
    """Add someone by a cleaned first name; return them, their token and what changed."""
    session_id = find_session(code).id
    token = new_secret()

    def write() -> tuple[Participant, Changes]:
        session = open_session(session_id, "This session has ended. Thank you for coming.")
        taken = db.session.scalars(
            select(Participant.name).where(Participant.session_id == session_id)
        ).all()
        if len(taken) >= current_app.config["MAX_PEOPLE"]:
            raise Refused("full", "This session is full. Ask the host about another one.")
        now = clock_now()
        participant = Participant(
            session_id=session_id,
            # 56 random bits: a clash is rare, and one that happens is simply tried again.
            public_id="p" + secrets.token_hex(7),
            token_hash=digest(token),
            name=distinct_name(taken, name),
            joined_at=stamp(now),
        )
        db.session.add(participant)
        running = session.status == SessionStatus.RUNNING
        # The cap and "not ended" hold because every join compare-and-sets the session.
        store.bump_session(session)
        db.session.flush()
        changes = Changes(sessions={session_id})
        if running:
            changes.add(_place_latecomer(session, participant, now))
        return participant, changes

    participant, changes = store.attempt(
        write, "Lots of people are joining at once; please try again."
    )
    return participant, token, changes


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
