"""The moves people make in a room: the speaker's finish and pass, the host's controls.

Each takes typed values the edge has already parsed; the engine decides whether the move is
allowed now, and :func:`rooms.change_room` writes it once.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from .. import engine
from ..changes import Changes
from ..engine import Refused
from ..extensions import db
from ..models import Participant, Room
from .identity import Caller, require_host
from .rooms import change_room
from .sessions import open_session


def finish_turn(caller: Caller, step: int | None) -> Changes:
    """End the caller's own turn early: they have said what they wanted to say."""
    room_id, me = _own_room(caller)
    return change_room(room_id, lambda room, now: engine.finish(room, me, now, step))


def pass_turn(caller: Caller, step: int | None) -> Changes:
    """Pass the caller's own turn: passing is always allowed to the speaker."""
    room_id, me = _own_room(caller)
    return change_room(room_id, lambda room, now: engine.pass_turn(room, me, now, step))


def pause(caller: Caller, room: int) -> Changes:
    """Stop the clock in one of the host's rooms."""
    return change_room(_hosts_room(caller, room), engine.pause)


def resume(caller: Caller, room: int) -> Changes:
    """Start the clock again in one of the host's rooms, with the time that was left."""
    return change_room(_hosts_room(caller, room), engine.resume)


def extend(caller: Caller, room: int) -> Changes:
    """Give the speaker in one of the host's rooms the configured extra time."""
    seconds = current_app.config["EXTEND_SECONDS"]
    return change_room(
        _hosts_room(caller, room), lambda state, now: engine.extend(state, seconds, now)
    )


def skip(caller: Caller, room: int, member: str, step: int) -> Changes:
    """Move past ``member`` in one of the host's rooms, as of the ``step`` the host saw."""
    return change_room(
        _hosts_room(caller, room), lambda state, now: engine.skip(state, member, now, step)
    )


def _own_room(caller: Caller) -> tuple[int, str]:
    """Return the caller's room id and public id, or refuse someone who is not in a room."""
    if caller.participant_id is None:
        raise Refused("not_participant", "Only someone taking part can speak.")
    open_session(caller.session_id)
    participant = db.session.get(Participant, caller.participant_id)
    if participant is None or participant.room_id is None:
        raise Refused("not_in_room", "You are not in a room yet.")
    return participant.room_id, participant.public_id


def _hosts_room(caller: Caller, number: int) -> int:
    """Return the id of the host's room with this number, or refuse."""
    require_host(caller)
    open_session(caller.session_id)
    room_id = None
    if 0 < number < 100_000:
        room_id = db.session.scalar(
            select(Room.id).where(Room.session_id == caller.session_id, Room.number == number)
        )
    if room_id is None:
        raise Refused("unknown_room", "There is no room with that number.")
    return room_id
