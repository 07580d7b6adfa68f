"""The one background task that moves rooms on when their deadlines pass.

Deadlines are data in the store, so the ticker remembers nothing: it asks which rooms are due,
applies the engine's ``tick`` with a compare-and-set, and publishes.  Running it in several
processes is safe; a room advances once whoever gets there first.  It uses the write layer and
the realtime path, and nothing of the web layer.

When the store fails (full, read-only, gone) the ticker slows down rather than spinning, and
says so in the log once a minute rather than every tick.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from flask import Flask

from . import services
from .changes import Changes
from .clock import now as clock_now
from .extensions import db, socketio
from .realtime.publish import publish

#: the longest the ticker waits between tries while the store keeps failing (seconds)
LONGEST_WAIT = 5.0
#: how often a failure that keeps happening is logged again (seconds)
LOG_EVERY = 60.0


class Pace:
    """How long the ticker waits: its interval, doubling after each failure up to a limit."""

    def __init__(self, interval: float, longest: float = LONGEST_WAIT):
        self.interval, self.longest, self.wait = interval, longest, interval

    def after(self, worked: bool) -> float:
        """Return how long to wait after a step that worked, or did not."""
        self.wait = self.interval if worked else min(self.longest, self.wait * 2)
        return self.wait


class QuietLog:
    """Log a failure the first time, then at most once every ``every`` seconds, with a count."""

    def __init__(self, every: float = LOG_EVERY, monotonic: Callable[[], float] = time.monotonic):
        self.every, self.monotonic = every, monotonic
        self.last: float | None = None
        self.quiet = 0

    def failed(self, app: Flask, message: str) -> None:
        """Log this failure with its traceback, unless one was logged lately."""
        now = self.monotonic()
        if self.last is not None and now - self.last < self.every:
            self.quiet += 1
            return
        again = f" ({self.quiet} more times since the last report)" if self.quiet else ""
        app.logger.exception("%s%s", message, again)
        self.last, self.quiet = now, 0

    def worked(self) -> None:
        """Forget the failures: the next one is news again."""
        self.last, self.quiet = None, 0


def _step(app: Flask, work: Callable[[float], Changes], failed: str, log: QuietLog) -> bool:
    """Run one step of background work at the current time and publish what it changed."""
    with app.app_context():
        try:
            publish(work(clock_now()))
        except Exception:
            db.session.rollback()
            log.failed(app, failed)
            return False
        finally:
            db.session.remove()
    log.worked()
    return True


def tick_once(app: Flask, log: QuietLog | None = None) -> bool:
    """Move on every room that is due now, and send the new snapshots; say if it worked."""
    return _step(app, services.tick_due, "ticker step failed", log or QuietLog())


def sweep_once(app: Flask, log: QuietLog | None = None) -> bool:
    """End sessions left open too long and delete those past keeping; say if it worked."""
    hours, days = app.config["STALE_AFTER_HOURS"], app.config["KEEP_DAYS"]
    return _step(
        app,
        lambda now: services.sweep(now, hours, days),
        "the sweep failed",
        log or QuietLog(),
    )


def run(app: Flask) -> None:
    """Tick forever at the configured interval, and sweep stale sessions now and then."""
    pace = Pace(app.config["TICK_SECONDS"])
    ticks, sweeps = QuietLog(), QuietLog()
    ticks_per_sweep = max(1, int(60 / pace.interval))
    for count in itertools.count():
        if count % ticks_per_sweep == 0:
            sweep_once(app, sweeps)
        socketio.sleep(pace.wait)  # type: ignore[arg-type]  # (the stubs say int)
        pace.after(tick_once(app, ticks))


def start(app: Flask) -> None:
    """Start the ticker as a background task in whatever async mode the server runs."""
    if app.config["RUN_TICKER"]:
        socketio.start_background_task(run, app)
