"""The store's one way to write: read, decide, compare-and-set, and start again if beaten.

Every change reads the versions it depends on, asks the engine what the format allows, and
writes with ``UPDATE … WHERE version = <what it read>``. Two clicks, two workers or the ticker
racing a click all read the same version; only the first write lands and the others run again
from a fresh read, where the engine usually refuses (the turn has moved on). :func:`attempt` is
the only retry loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from flask import current_app
from sqlalchemy import CursorResult, Insert, Table, Update, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from .. import engine
from ..clock import stamp, wait
from ..engine import Refused
from ..extensions import db
from ..models import ListeningSession, Participant, Room, Turn
from ..wake import deadline_set
from . import health

#: marks, in the database session, a write that erases personal data
ERASED = "listening.erased"
#: the earliest deadline a write has set, so the ticker can be woken once it is committed
DEADLINE = "listening.deadline"
#: how often a write that lost a race is tried again before giving up with "busy"
RETRIES = 20
#: how long, in all, a write waits (cooperatively) for another program's lock on the database
LOCK_PATIENCE_SECONDS = 10.0

T = TypeVar("T")


class Lost(Exception):
    """Another writer changed what this write read; the attempt starts again."""


def attempt(write: Callable[[], T], busy: str) -> T:
    """Run ``write`` in a transaction and commit it, again from a fresh read if it lost a race.

    ``write`` raises :class:`Lost` (or trips a unique constraint) when someone else wrote first;
    after :data:`RETRIES` such losses the caller is told ``busy`` with the sentence given. While
    another program holds the database's lock, the attempt waits without blocking the server,
    for up to :data:`LOCK_PATIENCE_SECONDS`. A store that cannot write at all (full, read-only,
    unreachable) is refused as ``unavailable``. Anything else ``write`` raises, a refusal
    included, rolls back and goes to the caller.
    """
    losses, waited = 0, 0.0
    while losses < RETRIES:
        db.session.expire_all()
        db.session.info.pop(ERASED, None)
        db.session.info.pop(DEADLINE, None)
        try:
            result = write()
            db.session.commit()
        except Lost:
            db.session.rollback()
            losses += 1
            continue
        except IntegrityError as error:
            db.session.rollback()
            if not _collided(error):
                raise
            losses += 1
            continue
        except OperationalError as error:
            db.session.rollback()
            if health.locked(error) and waited < LOCK_PATIENCE_SECONDS:
                pause = min(0.25, 0.01 * 2 ** min(losses + int(waited * 4), 5))
                wait(pause)
                waited += pause
                continue
            if health.locked(error):
                raise Refused("busy", busy) from error
            raise health.unavailable(error) from error
        except BaseException:
            db.session.rollback()
            raise
        health.wrote()
        if db.session.info.pop(ERASED, False):
            checkpoint()
        deadline_set(db.session.info.pop(DEADLINE, None))
        return result
    raise Refused("busy", busy)


def erased() -> None:
    """Note, within a write, that it erases personal data: the store is compacted after it."""
    db.session.info[ERASED] = True


def checkpoint() -> bool:
    """Leave no copy of an erased name in the store's files; return whether that worked.

    SQLite: fold the write-ahead log into the database and empty it. The log keeps earlier
    copies of every page written, names included, until a checkpoint; after one that truncates
    it (and with ``secure_delete``), an erased name has no copy left in any file. A reader
    still looking at an older snapshot can hold it back: the sweep tries again.

    PostgreSQL: names never reach its log (the table is UNLOGGED), but a deleted row stays in
    the table's file until the space is reused. ``VACUUM FULL`` writes the live names to a new
    file and empties the old one at once. The table holds only running sessions' names, so
    this takes milliseconds; it waits at most 200 ms for its lock (readers queue behind it
    meanwhile), and if it cannot have it the sweep tries again within a minute. A transaction
    that began before the erasure and is still open can keep a deleted row's copy alive through
    one rewrite; the sweep rewrites the table every minute, so the copy goes with the next
    rewrite after that transaction ends. (The table must be owned by the app's database role,
    as the migrations make it; otherwise PostgreSQL skips the rewrite with a warning.)
    """
    # End this database session's own transaction first: a read left open (the sweep's list of
    # sessions) holds locks that the rewrite or the checkpoint would otherwise wait on forever.
    db.session.commit()
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        # After the erasure has committed: whatever goes wrong here is the sweep's to retry,
        # never the erasing request's error.
        try:
            with db.engine.connect() as connection:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
                connection.exec_driver_sql("SET lock_timeout = '200ms'")
                try:
                    connection.exec_driver_sql("VACUUM FULL names")
                finally:
                    connection.exec_driver_sql("RESET lock_timeout")  # the pool reuses it
        except Exception:
            current_app.logger.warning("could not rewrite the names table; the sweep will")
            return False
        return True
    if dialect != "sqlite":
        return True
    with db.engine.connect() as connection:
        busy, _pages, _copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    return busy == 0


def _collided(error: IntegrityError) -> bool:
    """Return whether a write tripped a unique constraint: someone else took that row first.

    Any other integrity error (a CHECK, a foreign key) is a bug to report, not a race to retry.
    """
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code == "23505" or "UNIQUE constraint failed" in str(error.orig)


def bump_session(session: ListeningSession, **values) -> None:
    """Compare-and-set the session row (its version and any ``values``), or raise Lost."""
    sessions = table(ListeningSession)
    _compare_and_set(
        update(sessions)
        .where(sessions.c.id == session.id, sessions.c.version == session.version)
        .values(version=session.version + 1, **values)
    )
    db.session.expire(session)


def me() -> str:
    """Return this process's id among the processes sharing the store (made with the app)."""
    return current_app.config["PROCESS_ID"]


def insert_missing(model: type, rows: list[dict]) -> Insert:
    """Return an INSERT of these rows that skips any whose key is already there."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table(model)).values(rows).on_conflict_do_nothing()


def table(model: type) -> Table:
    """Return a model's table, for plain statements that skip the ORM's machinery."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def _compare_and_set(statement: Update, values: dict | None = None) -> None:
    """Run an UPDATE whose WHERE names the version read; raise Lost if it matched no row.

    The statements name tables, not mapped classes: a plain UPDATE skips the ORM's bulk-update
    machinery, which cost a third of each write. The caller expires what it changed.
    """
    result = db.session.execute(statement, values)
    if cast(CursorResult, result).rowcount != 1:
        raise Lost()


def settings_for(session: ListeningSession) -> engine.Settings:
    """Return the engine's settings for a session's rooms."""
    config = current_app.config
    return session.settings(config["ROOM_CAP"], config["AWAY_WAIT_SECONDS"])


def add_room(session: ListeningSession, number: int, state: engine.Room) -> Room:
    """Add a new room to the session and return its row (with an id)."""
    row = Room(
        session_id=session.id, number=number, state=engine.to_dict(state), deadline=state.deadline
    )
    db.session.add(row)
    db.session.flush()
    _note_deadline(state.deadline)
    return row


#: a room's compare-and-set, built once: its values are bound at each write
_ROOM_CAS = (
    update(table(Room))
    .where(table(Room).c.id == bindparam("b_id"))
    .where(table(Room).c.version == bindparam("b_version"))
    .values(
        state=bindparam("b_state"),
        version=bindparam("b_new_version"),
        deadline=bindparam("b_deadline"),
        closed_at=bindparam("b_closed_at"),
    )
)


def write_room(row: Room, state: engine.Room, effects: list, now: float) -> None:
    """Compare-and-set a room to ``state`` and record its effects, or raise Lost.

    The row is expired afterwards, so later reads in this transaction see what was written:
    read what you need of it (its id) before.
    """
    closed = state.phase == engine.Phase.CLOSED
    _compare_and_set(
        _ROOM_CAS,
        {
            "b_id": row.id,
            "b_version": row.version,
            "b_state": engine.to_dict(state),
            "b_new_version": row.version + 1,
            "b_deadline": state.deadline,
            "b_closed_at": stamp(now) if closed and row.closed_at is None else row.closed_at,
        },
    )
    _record(row.id, row.session_id, effects)
    _note_deadline(state.deadline)
    db.session.expire(row)


def _note_deadline(deadline: float | None) -> None:
    """Remember the earliest deadline this transaction sets, to wake the ticker after commit."""
    if deadline is not None:
        earliest = db.session.info.get(DEADLINE)
        db.session.info[DEADLINE] = deadline if earliest is None else min(deadline, earliest)


def _record(room_id: int, session_id: int, effects: list) -> None:
    """Write when turns happened and how they ended: never anything anyone said."""
    ended = [e for e in effects if isinstance(e, engine.TurnEnded)]
    if not ended:
        return
    query = select(Participant.public_id, Participant.id).where(
        Participant.session_id == session_id,
        Participant.public_id.in_({e.member for e in ended}),
    )
    ids = {public_id: pk for public_id, pk in db.session.execute(query)}
    db.session.execute(
        insert(table(Turn)),
        [
            {
                "room_id": room_id,
                "participant_id": ids[e.member],
                "round": e.round,
                "outcome": e.outcome,
                "began_at": stamp(e.began) if e.began is not None else None,
                "ended_at": stamp(e.at),
            }
            for e in ended
        ],
    )
