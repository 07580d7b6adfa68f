"""One server process per SQLite database: SQLite is the embedded, one-process default.

A server on SQLite holds the store alone: when it starts it forgets every other process's
screens at once (they ended before it started), rather than waiting for their heartbeats to
run out. So it takes an exclusive lock on the store before migrating or touching presence,
and a second one refuses to start with a sentence saying why. Several processes share a
PostgreSQL database instead (``services.processes``).
"""

from __future__ import annotations

import fcntl
import os

from flask import Flask
from sqlalchemy.engine import make_url

#: the open lock file, kept for the life of the process (closing it would release the lock)
_held: list = []


class StoreInUse(Exception):
    """Another server process already holds this database."""


def hold_the_store(app: Flask) -> bool:
    """Take this process's exclusive hold on its SQLite database, or raise StoreInUse; return
    whether this process now holds the store alone (always so for SQLite).

    The hold is an advisory lock on a file beside the database; the operating system drops it
    when the process ends, however it ends. Other databases are not held here: the path to
    several processes on PostgreSQL shares presence through the store instead.
    """
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return False
    path = os.path.abspath(url.database) + ".lock"
    handle = open(path, "a")  # held open on purpose, for the life of the process
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise StoreInUse(
            f"another listening server is already running on {url.database}. Stop it first, "
            "or give this one its own DATABASE_URL."
        ) from None
    _held.append(handle)
    return True
