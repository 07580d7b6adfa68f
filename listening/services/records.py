"""What is kept, and for how long: counts of every session as it ends, the rest for a while.

When a session ends its counts are written in the same transaction (people, rooms, turns by
how they ended: never names or words). After ``RETENTION_DAYS`` the session itself, its
participants, rooms and turns are deleted; the counts stay, for the coordinators' reports.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from ..clock import now as clock_now
from ..clock import stamp
from ..engine import Outcome, Refused
from ..extensions import db
from ..models import (
    ListeningSession,
    Name,
    Participant,
    Room,
    SessionCount,
    SessionStatus,
    Turn,
)
from . import store
from .identity import Caller


def count_session(session: ListeningSession, now: float) -> None:
    """Within the caller's transaction: write the counts of a session that is ending."""
    # People who were not taken out by the host: those who left by their own choice count.
    counted = or_(Participant.removed_at.is_(None), Participant.left_at.is_not(None))
    people, took_part = db.session.execute(
        select(func.count(), func.count().filter(Participant.took_part))
        .select_from(Participant)
        .where(Participant.session_id == session.id, counted)
    ).one()
    held = db.session.execute(
        select(Turn.began_at, Turn.ended_at)
        .join(Room, Turn.room_id == Room.id)
        .where(Room.session_id == session.id, Turn.began_at.is_not(None))
    ).all()
    floor = sum(max((end - began).total_seconds(), 0.0) for began, end in held if began)
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
            session_id=session.id,
            host_account_id=session.host_account_id,
            created_at=session.created_at,
            started_at=session.started_at,
            ended_at=stamp(now),
            people=people or 0,
            took_part=took_part or 0,
            floor_minutes=round(floor / 60, 2),
            rooms=len(session.rooms),
            spoke=turns.get(Outcome.SPOKE, 0),
            passed=turns.get(Outcome.PASSED, 0),
            away=turns.get(Outcome.AWAY, 0),
            skipped=turns.get(Outcome.SKIPPED, 0),
        )
    )


def forget_old_sessions(now: float, days: float) -> int:
    """Delete sessions that ended more than ``days`` ago, keeping their counts; say how many.

    Counted from the end, not the creation: a session scheduled months ahead is kept as long
    after it is held as any other.
    """
    cutoff = stamp(now - days * 86400)
    ended = func.coalesce(ListeningSession.ended_at, ListeningSession.created_at)
    old = db.session.scalars(
        select(ListeningSession.id).where(
            ListeningSession.status == SessionStatus.ENDED, ended < cutoff
        )
    ).all()
    for session_id in old:
        store.attempt(functools.partial(_delete, session_id), "The sweep tries again later.")
    return len(old)


def _delete(session_id: int) -> None:
    rooms = select(Room.id).where(Room.session_id == session_id).scalar_subquery()
    db.session.execute(delete(Name).where(Name.session_id == session_id))
    db.session.execute(delete(Turn).where(Turn.room_id.in_(rooms)))
    db.session.execute(
        delete(Participant)
        .where(Participant.session_id == session_id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(delete(Room).where(Room.session_id == session_id))
    db.session.execute(delete(ListeningSession).where(ListeningSession.id == session_id))
    store.erased()


#: the answers to "Did you feel heard?", each with the column that counts it
HEARD_ANSWERS = {
    "yes": SessionCount.heard_yes,
    "somewhat": SessionCount.heard_somewhat,
    "not_really": SessionCount.heard_not_really,
}


def answer_heard(caller: Caller, answer: str) -> None:
    """Count one answer to "Did you feel heard?" from someone who took part, once each.

    Only the count goes up: nothing records who gave which answer, or when. The person's row
    keeps only that they have answered, so a second answer is refused.
    """
    if caller.participant_id is None:
        raise Refused("not_participant", "Only people who took part are asked.")
    column = HEARD_ANSWERS[answer]
    people = store.table(Participant)

    window = timedelta(seconds=current_app.config["HEARD_WINDOW_SECONDS"])

    def write() -> None:
        session = db.session.get(ListeningSession, caller.session_id)
        if session is None or session.status != SessionStatus.ENDED:
            raise Refused("not_ended", "You can answer once the session has ended.")
        if session.ended_at is None or stamp(clock_now()) > session.ended_at + window:
            raise Refused("too_late", "Answers to this question have closed. Thank you.")
        marked = db.session.execute(
            update(people)
            .where(
                people.c.id == caller.participant_id,
                people.c.took_part.is_(True),
                people.c.answered_heard.is_(False),
            )
            .values(answered_heard=True)
        )
        if marked.rowcount != 1:  # type: ignore[attr-defined]
            took_part = db.session.scalar(
                select(people.c.took_part).where(people.c.id == caller.participant_id)
            )
            if not took_part:
                raise Refused("not_in_room", "Only people who were in a room are asked.")
            raise Refused("answered", "You've already answered. Thank you.")
        db.session.execute(
            update(SessionCount)
            .where(SessionCount.session_id == session.id)
            .values({column: column + 1})
        )

    store.attempt(write, "Lots happened at once; please answer again.")
