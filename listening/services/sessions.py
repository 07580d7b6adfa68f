"""A session's life: created by a host, started into rooms, and ended with every name erased."""

from __future__ import annotations

import functools
import logging
import secrets

from sqlalchemy import delete, func, select

from .. import engine, schedules
from ..changes import Changes
from ..clock import now as clock_now
from ..clock import stamp
from ..engine import Refused
from ..extensions import db
from ..models import Account, ListeningSession, Name, Participant, SessionStatus
from ..schedules import Repeat
from . import store
from .identity import Caller, digest, new_secret, require_host, require_owner
from .records import count_session, forget_old_sessions
from .validation import SETTINGS, NewSession

log = logging.getLogger(__name__)


def create_session(
    settings: NewSession, host_account_id: int | None = None
) -> tuple[ListeningSession, str]:
    """Create a session for a host and return it with the host key, shown only this once."""
    host_key = new_secret()

    def write() -> ListeningSession:
        code = secrets.token_urlsafe(6)
        session = ListeningSession(
            code=code,
            host_key_hash=digest(host_key),
            created_at=stamp(clock_now()),
            host_account_id=host_account_id,
            **settings.as_columns(),
        )
        if settings.schedule is not None and settings.schedule.repeat != Repeat.ONCE:
            session.series = code
        db.session.add(session)
        db.session.flush()  # a 48-bit code that collided trips the unique constraint here
        return session

    return store.attempt(write, "Please try again."), host_key


def _schedule_next(ended: ListeningSession, now: float) -> None:
    """Within the caller's transaction: add the next session of a repeating series.

    Its start keeps the series' wall time in the host's zone, so a daylight-saving change
    moves it in UTC, not on the host's clock. One whose time has already passed (a session
    ended long after it began) is skipped to the next one to come. A series whose host has
    been disabled stops. Nothing here may stop a session from ending (and its names from
    being erased): a schedule that cannot be worked out is logged and goes no further.
    """
    if ended.repeat == Repeat.ONCE or ended.starts_at is None or ended.time_zone is None:
        return
    host = db.session.get(Account, ended.host_account_id) if ended.host_account_id else None
    if host is None or host.disabled_at is not None:
        return
    local = ended.starts_local or schedules.to_local(ended.starts_at, ended.time_zone).replace(
        tzinfo=None
    )
    # After this one's start too: a session ended before its time is not held again then.
    after = max(stamp(now), ended.starts_at)
    try:
        following = schedules.next_after(
            local, ended.time_zone, ended.repeat, after, ordinal=ended.repeat_ordinal
        )
        starts = schedules.to_utc(following, ended.time_zone) if following else None
    except (ValueError, OverflowError, LookupError):
        log.exception("could not work out the next session of series %s", ended.series)
        return
    if following is None or starts is None:
        return
    # The same settings, host and rhythm; a new code and a start of its own.
    columns = {name: getattr(ended, name) for name in SETTINGS}
    db.session.add(
        ListeningSession(
            code=secrets.token_urlsafe(6),
            # The series' host key carries on, so a co-host's link keeps working (the console
            # of an ended session leads to the series' next one).
            host_key_hash=ended.host_key_hash,
            created_at=stamp(now),
            host_account_id=ended.host_account_id,
            series=ended.series or ended.code,
            starts_at=starts,
            starts_local=following,
            time_zone=ended.time_zone,
            repeat=ended.repeat,
            repeat_ordinal=ended.repeat_ordinal,
            **columns,
        )
    )


def stop_repeating(session: ListeningSession, account_id: int) -> None:
    """Make a series' upcoming session its last: it is held, and no other follows."""

    def write() -> None:
        row = db.session.get(ListeningSession, session.id)
        if row is None:
            raise Refused("unknown_session", "We can't find that session. Check the link.")
        require_owner(row, account_id)
        if row.status == SessionStatus.ENDED:
            raise Refused("ended", "This session has ended; the series has no session to stop.")
        row.repeat = Repeat.ONCE

    store.attempt(write, "Lots happened at once; please try again.")


def open_session(
    session_id: int, ended: str = "This session has ended. Thank you for taking part."
) -> ListeningSession:
    """Return the session, or refuse with the sentence ``ended`` if it has ended.

    Its row is locked until the write commits (PostgreSQL; SQLite has one writer anyway): every
    write that reads it goes on to compare-and-set it, so two hundred people joining at once take
    turns rather than all but one losing the race, trying again, and giving up as "busy".
    """
    session = db.session.get(ListeningSession, session_id, with_for_update=True)
    if session is None or session.status == SessionStatus.ENDED:
        raise Refused("ended", ended)
    return session


def start(caller: Caller) -> Changes:
    """Form balanced rooms from everyone in the lobby and start them."""
    require_host(caller)

    def write() -> Changes:
        session = open_session(caller.session_id, "This session has ended.")
        if session.status != SessionStatus.LOBBY:
            raise Refused("started", "This session has already started.")
        people = [p for p in session.participants if p.removed_at is None]
        if len(people) < 2:
            raise Refused("too_few", "At least two people are needed to listen to each other.")
        now = clock_now()
        # Presence and joins bump the version too, so what was read is what starts.
        store.bump_session(session, status=SessionStatus.RUNNING, started_at=stamp(now))
        return Changes(sessions={session.id}, rooms=_form_rooms(session, people, now))

    return store.attempt(write, "Lots happened at once; press Start again.")


def _form_rooms(session: ListeningSession, people: list[Participant], now: float) -> set[int]:
    by_public = {p.public_id: p for p in people}
    absent = frozenset(p.public_id for p in people if not p.present)
    settings = store.settings_for(session)
    room_ids = set()
    for number, ids in enumerate(engine.group(list(by_public), settings.room_cap), 1):
        state, _ = engine.open_room(ids, settings, now, absent=absent)
        row = store.add_room(session, number, state)
        room_ids.add(row.id)
        for pid in ids:
            by_public[pid].room_id = row.id
            # Here as the rooms form: they take part. Others do once they connect.
            by_public[pid].took_part = by_public[pid].present
    return room_ids


def end_session(caller: Caller) -> Changes:
    """Close every room and the session, and erase everyone's names, all at once."""
    require_host(caller)

    def write() -> Changes:
        session = open_session(caller.session_id, "This session has already ended.")
        return close_session(session, clock_now())

    return store.attempt(write, "Lots happened at once; please try again.")


def sweep(now: float, stale_hours: float, keep_days: float) -> Changes:
    """End sessions left open too long, erase leftover names, delete sessions past keeping."""
    changes = end_stale_sessions(now, stale_hours)
    if forget_old_sessions(now, keep_days):
        store.checkpoint()
    return changes


def end_stale_sessions(now: float, hours: float) -> Changes:
    """End sessions left open for longer than ``hours``, so no name is kept for long.

    Also erase any name an ended session still has (an end that failed half-way before ending
    became one transaction), and fold the store's log so no erased name stays in it.
    """
    cutoff = stamp(now - hours * 3600)
    # A scheduled session is stale that long after its start, not after it was made.
    since = func.coalesce(ListeningSession.starts_at, ListeningSession.created_at)
    stale = db.session.scalars(
        select(ListeningSession.id).where(
            ListeningSession.status != SessionStatus.ENDED, since < cutoff
        )
    ).all()
    changes = Changes()
    for session_id in stale:
        end = functools.partial(_end_if_open, session_id, now)
        changes.add(store.attempt(end, "Lots happened at once; the sweep tries again later."))
    named = db.session.scalars(
        select(Name.session_id)
        .join(ListeningSession)
        .where(ListeningSession.status == SessionStatus.ENDED)
        .distinct()
    ).all()
    for session_id in named:
        store.attempt(functools.partial(_erase_names, session_id), "The sweep tries again later.")
    store.checkpoint()
    return changes


def _end_if_open(session_id: int, now: float) -> Changes:
    session = db.session.get(ListeningSession, session_id)
    if session is None or session.status == SessionStatus.ENDED:
        return Changes()
    return close_session(session, now)


def end_if_every_room_is_done(session_id: int, now: float) -> Changes:
    """Within the caller's transaction: end the session once no room has anyone left to hear.

    Rooms still gathering (a latecomer alone) do not hold the session open once the others
    have closed; they close with it.
    """
    session = db.session.get(ListeningSession, session_id)
    if session is None or session.status == SessionStatus.ENDED:
        return Changes()
    states = [row.engine_state() for row in session.rooms]
    phases = [state.phase if state else None for state in states]
    closed = [p for p in phases if p == engine.Phase.CLOSED]
    if not closed or any(p not in (engine.Phase.CLOSED, engine.Phase.GATHERING) for p in phases):
        return Changes()
    return close_session(session, now)


def close_session(session: ListeningSession, now: float) -> Changes:
    """Within the caller's transaction: mark the session ended, close its rooms, erase names.

    The session's compare-and-set comes first, so a join racing this one loses and sees the
    session ended; names go in the same transaction, so none outlives a failure half-way.
    """
    store.bump_session(session, status=SessionStatus.ENDED, ended_at=stamp(now))
    changes = Changes(sessions={session.id})
    for row in session.rooms:
        state = row.engine_state()
        if state is None:
            continue  # unreadable: it cannot run, and it must not keep names alive
        closed, effects = engine.close(state, now)
        if closed != state:
            store.write_room(row, closed, effects, now)
            changes.rooms.add(row.id)
    _erase_names(session.id)
    count_session(session, now)
    _schedule_next(session, now)
    return changes


def _erase_names(session_id: int) -> None:
    db.session.execute(delete(Name).where(Name.session_id == session_id))
    store.erased()
