"""The store's health as this process has seen it: whether its last write went through.

A write the store refuses for good (disk full, read-only, the database gone) is answered as
``unavailable`` (503, try again later) rather than a crash, and /healthz reports it until a
write works again.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from ..clock import now as clock_now
from ..engine import Refused
from ..extensions import db

#: what a person is told when the store cannot take writes at all
UNAVAILABLE = "We can't save anything just now. Please try again in a minute."


@dataclass
class StoreState:
    """What happened to the last write this process tried."""

    #: when writes started failing (None while they work)
    failing_since: float | None = None
    #: a few words for an operator: read-only, full, ...
    reason: str = ""


def state() -> StoreState:
    """Return this app's view of the store (one per process, kept with the app)."""
    return current_app.extensions.setdefault("listening.store", StoreState())


def wrote() -> None:
    """Note that a write went through."""
    seen = state()
    seen.failing_since, seen.reason = None, ""


#: PostgreSQL's codes for "try again": a deadlock broken, a serialization failure, a lock not had
RETRY_CODES = ("40P01", "40001", "55P03")


def locked(error: OperationalError) -> bool:
    """Return whether a database error means only that another writer holds the lock now (or,
    on PostgreSQL, broke a deadlock with this one): the write is simply tried again."""
    code = getattr(error.orig, "pgcode", None) or getattr(error.orig, "sqlstate", None)
    return code in RETRY_CODES or "is locked" in str(error.orig)


def unavailable(error: Exception) -> Refused:
    """Note that the store refused a write for good, and return the refusal to send."""
    reason, seen = problem(error), state()
    if seen.failing_since is None or reason != seen.reason:
        # Once per failure, not once per request: the log stays readable while it lasts.
        current_app.logger.error("the store cannot write: %s", reason)
    if seen.failing_since is None:
        seen.failing_since = clock_now()
    seen.reason = reason
    return Refused("unavailable", UNAVAILABLE)


def problem(error: Exception) -> str:
    """Return a few words an operator can act on for a database error (never its parameters)."""
    said = str(getattr(error, "orig", error)).lower()
    for words, meaning in (
        ("readonly", "read-only"),
        ("read-only", "read-only"),
        ("full", "full"),
        ("disk i/o", "disk error"),
        ("unable to open", "cannot open the database file"),
        ("connect", "cannot reach the database"),
    ):
        if words in said:
            return meaning
    return "database error"


def check() -> str | None:
    """Return what is wrong with the store now, or None: it reads, and its last write worked."""
    try:
        db.session.execute(text("SELECT 1"))
    except OperationalError as error:
        db.session.rollback()
        return problem(error)
    seen = state()
    return seen.reason if seen.failing_since is not None else None
