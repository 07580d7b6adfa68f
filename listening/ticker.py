"""The one background task that moves rooms on when their deadlines pass.

Deadlines are data in the store, so the ticker remembers nothing: it asks which rooms are due,
applies the engine's ``tick`` with a compare-and-set, and publishes.  Running it in several
processes is safe; a room advances once whoever gets there first.  It uses the write layer and
the realtime path, and nothing of the web layer.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from flask import Flask

from . import services
from .changes import Changes
from .clock import now as clock_now
from .extensions import db, socketio
from .realtime.publish import publish


def _step(app: Flask, work: Callable[[float], Changes], failed: str) -> None:
    """Run one step of background work at the current time and publish what it changed."""
    with app.app_context():
        try:
            publish(work(clock_now()))
        except Exception:
            db.session.rollback()
            app.logger.exception(failed)
        finally:
            db.session.remove()


def tick_once(app: Flask) -> None:
    """Move on every room that is due now, and send the new snapshots."""
    _step(app, services.tick_due, "ticker step failed; trying again next tick")


def sweep_once(app: Flask) -> None:
    """End sessions left open too long, so nobody's name is kept for long."""
    hours = app.config["STALE_AFTER_HOURS"]
    _step(
        app,
        lambda now: services.end_stale_sessions(now, hours),
        "sweep of stale sessions failed; trying again later",
    )


def run(app: Flask) -> None:
    """Tick forever at the configured interval, and sweep stale sessions now and then."""
    interval = app.config["TICK_SECONDS"]
    ticks_per_sweep = max(1, int(60 / interval))
    for count in itertools.count():
        if count % ticks_per_sweep == 0:
            sweep_once(app)
        socketio.sleep(interval)
        tick_once(app)


def start(app: Flask) -> None:
    """Start the ticker as a background task in whatever async mode the server runs."""
    if app.config["RUN_TICKER"]:
        socketio.start_background_task(run, app)
