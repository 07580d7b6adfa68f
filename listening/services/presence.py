"""Who is connected: the lobby shows it, and rooms wait for or pass over people who are not."""

from __future__ import annotations

from sqlalchemy import select, update

from .. import engine
from ..changes import Changes
from ..extensions import db
from ..models import Participant, Room
from . import store
from .rooms import change_room


def set_present(participant_id: int, present: bool) -> Changes:
    """Record that a participant's last screen went away, or their first came back.

    In the lobby this compare-and-sets the session, so it cannot slip past a Start that is
    forming rooms from who is connected.
    """

    def write() -> tuple[Participant | None, Changes]:
        participant = db.session.get(Participant, participant_id)
        if participant is None or participant.present == present:
            return participant, Changes()
        participant.present = present
        store.bump_session(participant.session)
        return participant, Changes(sessions={participant.session_id})

    participant, changes = store.attempt(write, "Lots happened at once; please reconnect.")
    if participant is not None and participant.room_id is not None:
        public_id = participant.public_id
        changes.add(
            change_room(
                participant.room_id,
                lambda room, now: engine.set_presence(room, public_id, present, now),
            )
        )
    return changes


def forget_presence() -> None:
    """Mark everyone as not connected: called once when a single server process starts."""
    db.session.execute(update(Participant).values(present=False))
    db.session.commit()
    for room_id in db.session.scalars(select(Room.id).where(Room.closed_at.is_(None))).all():
        change_room(room_id, _everyone_absent)


def _everyone_absent(room: engine.Room, now: float) -> tuple[engine.Room, list]:
    effects: list = []
    for member in room.members:
        room, more = engine.set_presence(room, member.id, False, now)
        effects += more
    return room, effects
