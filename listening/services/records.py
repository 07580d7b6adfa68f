"""What is kept, and for how long: counts of every session as it ends, the rest for a while.

When a session ends its counts are written in the same transaction (people, rooms, turns by
how they ended: never names or words). After ``RETENTION_DAYS`` the session itself, its
participants, rooms and turns are deleted; the counts stay, for the coordinators' reports.
"""

from __future__ import annotations

import functools

from sqlalchemy import delete, func, select

from ..clock import stamp
from ..engine import Outcome
from ..extensions import db
from ..models import ListeningSession, Participant, Room, SessionCount, SessionStatus, Turn
from . import store


def count_session(session: ListeningSession, now: float) -> None:
    """Within the caller's transaction: write the counts of a session that is ending."""
    people = db.session.scalar(
        select(func.count())
        .select_from(Participant)
        .where(Participant.session_id == session.id, Participant.removed_at.is_(None))
    )
    turns = dict(
        db.session.execute(
            select(Turn.outcome, func.count())
            .join(Room, Turn.room_id == Room.id)
            .where(Room.session_id == session.id)
            .group_by(Turn.outcome)
        ).all()
    )
    db.session.add(
        SessionCount(
            created_at=session.created_at,
            started_at=session.started_at,
            ended_at=stamp(now),
            people=people or 0,
            rooms=len(session.rooms),
            spoke=turns.get(Outcome.SPOKE, 0),
            passed=turns.get(Outcome.PASSED, 0),
            away=turns.get(Outcome.AWAY, 0),
            skipped=turns.get(Outcome.SKIPPED, 0),
        )
    )


def forget_old_sessions(now: float, days: float) -> int:
    """Delete ended sessions created more than ``days`` ago, keeping their counts; say how many."""
    cutoff = stamp(now - days * 86400)
    old = db.session.scalars(
        select(ListeningSession.id).where(
            ListeningSession.status == SessionStatus.ENDED, ListeningSession.created_at < cutoff
        )
    ).all()
    for session_id in old:
        store.attempt(functools.partial(_delete, session_id), "The sweep tries again later.")
    return len(old)


def _delete(session_id: int) -> None:
    rooms = select(Room.id).where(Room.session_id == session_id).scalar_subquery()
    db.session.execute(delete(Turn).where(Turn.room_id.in_(rooms)))
    db.session.execute(
        delete(Participant)
        .where(Participant.session_id == session_id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(delete(Room).where(Room.session_id == session_id))
    db.session.execute(delete(ListeningSession).where(ListeningSession.id == session_id))
    store.erased()
