"""Who is connected: the lobby shows it, and rooms wait for or pass over people who are not."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, delete, exists, or_, select, update

from .. import engine
from ..changes import Changes
from ..clock import now as clock_now
from ..extensions import db
from ..models import ListeningSession, Participant, Screen, ServerProcess, SessionStatus
from . import store
from .rooms import change_room


def set_present(participant_id: int, present: bool) -> Changes:
    """Record that a participant's first screen came back, or their last went away."""
    return set_presence([participant_id], present)


def set_absent(participant_ids: list[int]) -> Changes:
    """Record that these participants' last screens have gone, all at once."""
    return set_presence(participant_ids, False)


def set_presence(participant_ids: list[int], present: bool) -> Changes:
    """Record that these participants are connected, or not, in one write.

    Plain UPDATEs, no objects loaded: this runs for every screen that connects or drops. The
    sessions' versions go up with it, so a Start forming rooms from who is connected loses its
    compare-and-set and looks again, rather than slipping past this change. When a network cut
    drops a whole session's screens together, each room changes once however many of its
    members left (one by one, 2,050 screens kept the server busy for seconds).
    """
    people, sessions = store.table(Participant), store.table(ListeningSession)
    screens = store.table(Screen)

    def write() -> tuple[list, Changes]:
        values: dict = {"present": present}
        which: ColumnElement[bool] = people.c.id.in_(participant_ids)
        # Their rows first, locked in one order (PostgreSQL; SQLite has one writer anyway): a
        # screen arriving on one process and the last going on another then take turns, and the
        # second sees what the first wrote. Unlocked, a connect that found the person already
        # present could commit its screen while a disconnect elsewhere, reading before it, marked
        # them away for good.
        db.session.execute(
            select(people.c.id).where(which).order_by(people.c.id).with_for_update()
        ).all()
        if present:
            # This process holds a screen of each (made known first, should it be new).
            db.session.execute(
                store.insert_missing(ServerProcess, [{"id": store.me(), "beat_at": clock_now()}])
            )
            db.session.execute(
                store.insert_missing(
                    Screen,
                    [{"process_id": store.me(), "participant_id": p} for p in participant_ids],
                )
            )
            # Connected while the rooms run (they have one): they take part. Coming back to
            # the closing screen after the end does not count.
            running = (
                select(sessions.c.id)
                .where(
                    sessions.c.id == people.c.session_id,
                    sessions.c.status == SessionStatus.RUNNING.value,
                )
                .exists()
            )
            values["took_part"] = or_(
                people.c.took_part, and_(people.c.room_id.is_not(None), running)
            )
        else:
            # This process holds none of theirs now; they are away once no process holds one.
            db.session.execute(
                delete(screens).where(
                    screens.c.process_id == store.me(),
                    screens.c.participant_id.in_(participant_ids),
                )
            )
            which = which & ~exists().where(screens.c.participant_id == people.c.id)
        changed = db.session.execute(
            update(people)
            .where(which, people.c.present != present)
            .values(**values)
            .returning(people.c.session_id, people.c.room_id, people.c.public_id)
        ).all()
        touched = sorted({row.session_id for row in changed})
        if touched:
            db.session.execute(
                update(sessions)
                .where(sessions.c.id.in_(touched))
                .values(version=sessions.c.version + 1)
            )
        return [tuple(row) for row in changed], Changes(sessions=set(touched))

    changed, changes = store.attempt(write, "Lots happened at once; the room catches up.")
    by_room: dict[int, list[str]] = {}
    for _session_id, room_id, public_id in changed:
        if room_id is not None:
            by_room.setdefault(room_id, []).append(public_id)
    for room_id, members in sorted(by_room.items()):
        changes.add(change_room(room_id, _members_set(members, present)))
    return changes


def _members_set(members: list[str], present: bool):
    """Return a room move that marks each of these members connected, or not."""

    def move(room: engine.Room, now: float) -> tuple[engine.Room, list]:
        effects: list = []
        for member in members:
            room, more = engine.set_presence(room, member, present, now)
            effects += more
        return room, effects

    return move
