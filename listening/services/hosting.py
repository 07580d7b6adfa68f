"""A host's own sessions: the list of them, a past one's settings to run again, and a
scheduled one as a calendar file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from .. import engine, schedules
from ..clock import stamp
from ..extensions import db
from ..models import ListeningSession, SessionCount, SessionStatus
from ..schedules import Repeat
from . import validation


@dataclass(frozen=True)
class Listed:
    """One session as its host's list shows it."""

    session: ListeningSession
    #: when it starts (UTC), if scheduled
    starts_at: datetime | None
    #: "Every Thursday at 18:00 (Europe/London), from 17 December 2026", or None
    when: str | None
    #: its counts, once it has ended
    counts: SessionCount | None


@dataclass(frozen=True)
class MySessions:
    """A host's sessions, grouped the way they think of them."""

    upcoming: list[Listed]
    running: list[Listed]
    past: list[Listed]


def my_sessions(account_id: int, now: float) -> MySessions:
    """Return this account's sessions: upcoming (soonest first), running, past (newest first)."""
    rows = db.session.scalars(
        select(ListeningSession)
        .where(ListeningSession.host_account_id == account_id)
        .order_by(ListeningSession.id.desc())
    ).all()
    counts = {
        c.session_id: c
        for c in db.session.scalars(
            select(SessionCount).where(SessionCount.session_id.in_([r.id for r in rows]))
        )
    }
    listed = [Listed(r, r.starts_at, describe(r), counts.get(r.id)) for r in rows]
    upcoming = [item for item in listed if item.session.status == SessionStatus.LOBBY]
    upcoming.sort(key=lambda item: item.starts_at or stamp(now))
    return MySessions(
        upcoming=upcoming,
        running=[item for item in listed if item.session.status == SessionStatus.RUNNING],
        past=[item for item in listed if item.session.status == SessionStatus.ENDED],
    )


def describe(session: ListeningSession) -> str | None:
    """Return when a scheduled session is, in its host's words and zone; None if unscheduled."""
    if session.starts_at is None or session.time_zone is None:
        return None
    return schedules.describe(
        wall_time(session), session.time_zone, session.repeat, session.repeat_ordinal
    )


def wall_time(session: ListeningSession) -> datetime:
    """Return a scheduled session's start on its host's clock, as they chose it."""
    assert session.starts_at is not None and session.time_zone is not None
    if session.starts_local is not None:
        return session.starts_local
    return schedules.to_local(session.starts_at, session.time_zone).replace(tzinfo=None)


def settings_of(session: ListeningSession) -> dict:
    """Return a session's settings as the create form's values, to run it again."""
    values = {name: getattr(session, name) for name in validation.SETTINGS}
    for name in engine.LIMITS:
        number = values[name]
        values[name] = int(number) if float(number).is_integer() else number
    for name in validation.LINE_LISTS:
        values[name] = "\n".join(values[name] or [])
    if session.time_zone is not None:
        values["time_zone"] = session.time_zone
        values["repeat"] = str(session.repeat)
    return values


def calendar_file(session: ListeningSession, url: str, now: float) -> bytes | None:
    """Return the session as an iCalendar file, or None if it is not scheduled."""
    if session.starts_at is None or session.time_zone is None:
        return None
    local = wall_time(session)
    settings = session.settings(8)
    minutes = max(1, round(engine.full_room_seconds(settings) / 60))
    return schedules.calendar_file(
        uid=f"{session.series or session.code}@listening",
        title=session.title,
        url=url,
        first_local=local,
        zone_name=session.time_zone,
        repeat=session.repeat if session.repeat is not None else Repeat.ONCE,
        minutes=minutes,
        stamp_utc=stamp(now),
        ordinal=session.repeat_ordinal,
    )
