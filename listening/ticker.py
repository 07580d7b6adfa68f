"""The one background task that moves rooms on when their deadlines pass.

Deadlines are data in the store, so the ticker remembers nothing: it asks which rooms are due,
applies the engine's ``tick`` with a compare-and-set, and publishes.  Running it in several
processes is safe; a room advances once whoever gets there first.
"""

from __future__ import annotations

import itertools

from flask import Flask

from . import services
from .extensions import db, socketio
from .web.emit import publish


def tick_once(app: Flask) -> None:
    """Move on every room that is due now, and send the new snapshots."""
    with app.app_context():
        try:
            publish(services.tick_due(services.clock()))
        except Exception:
            db.session.rollback()
            app.logger.exception("ticker step failed; trying again next tick")
        finally:
            db.session.remove()


def sweep_once(app: Flask) -> None:
    """End sessions left open too long, so nobody's name is kept for long."""
    with app.app_context():
        try:
            now = services.clock()
            publish(services.end_stale_sessions(now, app.config["STALE_AFTER_HOURS"]))
        except Exception:
            db.session.rollback()
            app.logger.exception("sweep of stale sessions failed; trying again later")
        finally:
            db.session.remove()


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
