"""Changing one room: the compare-and-set every move and tick goes through."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, true

from .. import engine
from ..changes import Changes
from ..clock import now as clock_now
from ..engine import Refused
from ..extensions import db
from ..models import ListeningSession, Room, SessionStatus
from . import store
from .sessions import end_if_every_room_is_done

#: a move: (room, now) -> (room, effects), from the engine
Move = Callable[[engine.Room, float], tuple[engine.Room, list]]


def change_room(room_id: int, move: Move, now: float | None = None) -> Changes:
    """Apply ``move`` to the stored room with a compare-and-set; end the session if it is done."""

    def write() -> Changes:
        row = db.session.get(Room, room_id)
        assert row is not None
        at = clock_now() if now is None else now
        state = row.engine_state()
        if state is None:
            return _set_aside(row, move)
        new, effects = move(state, at)
        if new == state:
            return Changes()
        session_id = row.session_id
        store.write_room(row, new, effects, at)
        changes = Changes(rooms={room_id})
        if new.phase == engine.Phase.CLOSED:
            changes.add(end_if_every_room_is_done(session_id, at))
        return changes

    return store.attempt(write, "Lots happened at once; please try again.")


def _set_aside(row: Room, move: Move) -> Changes:
    """Stop the ticker retrying a room that cannot be read; refuse anyone's move in it."""
    if move is not engine.tick:
        raise Refused("server_error", "Something went wrong with this room on our side.")
    row.deadline = None
    return Changes()


#: (this share, how many shares): the ticker's part of the rooms, by room id (ticker.py)
Share = tuple[int, int]
EVERY_ROOM: Share = (0, 1)


def _in(share: Share):
    """Return the condition that a room is in this share of the rooms."""
    number, shares = share
    return true() if shares == 1 else (Room.id % shares) == number


def tick_due(now: float, share: Share = EVERY_ROOM) -> Changes:
    """Move on every room (of this share) whose deadline has passed, all in one transaction.

    If that fails for any reason but a store that cannot write (which would fail every room
    alike), each room is tried on its own, so one room's failure stops no other.
    """
    try:
        return store.attempt(lambda: _tick_all(now, share), "The ticker tries again next tick.")
    except Refused as refused:
        if refused.code == "unavailable":
            raise
    except Exception:
        db.session.rollback()
        current_app.logger.exception("could not move the due rooms on together; one by one")
    return _tick_one_by_one(now, share)


def _tick_all(now: float, share: Share) -> Changes:
    changes = Changes()
    for row in db.session.scalars(select(Room).where(Room.deadline <= now, _in(share))).all():
        state = row.engine_state()
        if state is None:
            _set_aside(row, engine.tick)
            continue
        new, effects = engine.tick(state, now)
        if new == state:
            continue
        room_id, session_id = row.id, row.session_id
        store.write_room(row, new, effects, now)  # expires the row: read nothing of it after
        changes.rooms.add(room_id)
        if new.phase == engine.Phase.CLOSED:
            changes.add(end_if_every_room_is_done(session_id, now))
    return changes


def next_deadline(share: Share = EVERY_ROOM) -> float | None:
    """Return the earliest deadline of any room (of this share), or None when none waits."""
    return db.session.scalar(select(func.min(Room.deadline)).where(_in(share)))


def _tick_one_by_one(now: float, share: Share) -> Changes:
    changes = Changes()
    due = db.session.scalars(select(Room.id).where(Room.deadline <= now, _in(share))).all()
    for room_id in due:
        try:
            changes.add(change_room(room_id, engine.tick, now=now))
        except Refused as refused:
            if refused.code == "unavailable":
                raise
            current_app.logger.error("room %s was not moved on: %s", room_id, refused.message)
        except Exception:
            db.session.rollback()
            current_app.logger.exception("could not move room %s on; trying next tick", room_id)
    return changes


def shift_times(seconds: float) -> Changes:
    """Keep every open room's time left, and every open session's age, across a clock step."""
    changes = Changes()
    open_rooms = db.session.scalars(select(Room.id).where(Room.closed_at.is_(None))).all()
    for room_id in open_rooms:
        changes.add(change_room(room_id, lambda room, _now: engine.shift(room, seconds)))
    store.attempt(lambda: _shift_sessions(seconds), "The clock is corrected on the next tick.")
    return changes


def _shift_sessions(seconds: float) -> None:
    step = timedelta(seconds=seconds)
    for session in db.session.scalars(
        select(ListeningSession).where(ListeningSession.status != SessionStatus.ENDED)
    ):
        session.created_at += step
        if session.started_at is not None:
            session.started_at += step
