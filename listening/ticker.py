"""The one background task that moves rooms on when their deadlines pass.

Deadlines are data in the store, so the ticker remembers nothing: it asks which rooms are due,
applies the engine's ``tick`` with a compare-and-set, and publishes.  Every process may run
it; a lease in the store (``services.processes``) lets one at a time do the work (or each
share of the rooms, with ``TICKER_SHARES``), and another takes over within ``LEASE_SECONDS``
and a third when the holder dies. Should two ever overlap, a room still
advances once, whoever gets there first.  The holder also forgets processes that stopped
beating, so their screens stop counting as connected. It uses the write layer and the
realtime path, and nothing of the web layer.

When the store fails (full, read-only, gone) the ticker slows down rather than spinning, and
says so in the log once a minute rather than every tick.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask

from . import services, wake
from .changes import Changes
from .clock import now as clock_now
from .extensions import db, socketio
from .realtime.publish import publish
from .services.rooms import EVERY_ROOM, Share

#: how often the sweep runs (stale sessions, leftover names, retention), in seconds
SWEEP_EVERY = 60.0
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


class ClockWatch:
    """Notices when the wall clock is stepped (a resumed machine, a hand-set date).

    Both clocks move together between ticks unless the wall one is stepped; the difference is
    the step. Deadlines are wall-clock times, so without this a clock set back an hour froze
    every room for an hour, and one set forward ended every session at once.
    """

    #: a difference smaller than this is the ordinary jitter of a busy process, not a step
    THRESHOLD = 2.0

    def __init__(self, wall: Callable[[], float], monotonic: Callable[[], float]):
        self.wall, self.monotonic = wall, monotonic
        self.last = (wall(), monotonic())

    def step(self) -> float:
        """Return how far the wall clock was stepped since the last look (0 if it was not)."""
        now = (self.wall(), self.monotonic())
        jump = (now[0] - self.last[0]) - (now[1] - self.last[1])
        self.last = now
        return jump if abs(jump) >= self.THRESHOLD else 0.0


def correct_clock(app: Flask, watch: ClockWatch) -> float:
    """Keep every room's time left across a step of the wall clock; return the step."""
    jump = watch.step()
    if jump:
        app.logger.warning("the clock was stepped by %.1f s; keeping every room's time", jump)
        _step(
            app, lambda _now: services.shift_times(jump), "could not correct the clock", QuietLog()
        )
    return jump


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


def tick_once(app: Flask, log: QuietLog | None = None, share: Share = EVERY_ROOM) -> bool:
    """Move on every room (of this share) that is due now, and send the new snapshots; say if
    it worked."""
    return _step(
        app, lambda now: services.tick_due(now, share), "ticker step failed", log or QuietLog()
    )


def sweep_once(app: Flask, log: QuietLog | None = None) -> bool:
    """End sessions left open too long and delete those past keeping; say if it worked."""
    hours, days = app.config["STALE_AFTER_HOURS"], app.config["KEEP_DAYS"]
    return _step(
        app,
        lambda now: services.sweep(now, hours, days),
        "the sweep failed",
        log or QuietLog(),
    )


def nap(app: Flask, pace: Pace, share: Share = EVERY_ROOM) -> float:
    """Return how long the ticker may sleep: until the earliest deadline, at most a while.

    While the store is failing, the backoff's wait instead (it cannot say when anything is due).
    """
    longest = app.config["TICK_SECONDS"]
    if pace.wait > pace.interval:
        return pace.wait
    with app.app_context():
        try:
            earliest = services.next_deadline(share)
        except Exception:
            db.session.rollback()
            return pace.wait
        finally:
            db.session.remove()
    if earliest is None:
        return longest
    return min(longest, max(0.0, earliest - app.config["CLOCK"]()))


def reap_once(app: Flask, log: QuietLog | None = None) -> bool:
    """Forget processes that stopped beating, marking away whoever had a screen only there."""
    timeout = app.config["PROCESS_TIMEOUT_SECONDS"]
    return _step(
        app,
        lambda now: services.processes.reap(now, timeout),
        "could not forget silent processes",
        log or QuietLog(),
    )


class Leader:
    """Whether this process holds the ticker's lease (for one share of the rooms): asked for,
    and renewed, a third of the way through it, so a holder that stops renewing is replaced
    within ``LEASE_SECONDS`` and a third."""

    def __init__(self, app: Flask, share: Share = EVERY_ROOM):
        self.app, self.log, self.share = app, QuietLog(), share
        self.seconds = app.config["LEASE_SECONDS"]
        self.holds, self.asked = False, -float("inf")

    def leads(self) -> bool:
        """Return whether this process may tick now, renewing the lease when it is due."""
        monotonic = self.app.config["MONOTONIC"]
        if monotonic() - self.asked < self.seconds / 3:
            return self.holds
        with self.app.app_context():
            try:
                number, shares = self.share
                alive = 2 * self.app.config["HEARTBEAT_SECONDS"]
                holds = services.processes.lead_share(
                    number, shares, clock_now(), self.seconds, alive
                )
            except Exception:
                db.session.rollback()
                self.log.failed(self.app, "could not ask for the ticker's lease")
                holds = False  # unsure is not leading: the lease runs out, someone takes it
            finally:
                db.session.remove()
        if holds != self.holds:
            doing = "now runs" if holds else "left"
            self.app.logger.info("this process %s the ticker (share %d of %d)", doing, *self.share)
        self.holds, self.asked = holds, monotonic()
        return holds


class ReapPace:
    """When the holder of the lease next gives silent processes up.

    Every heartbeat while the store works. But after this process (re)gains the lease, and after
    a step of its own failed against the store, it waits a whole process timeout first: beats
    the others could not write meanwhile are not silence, and giving them up would mark their
    people away for nothing.
    """

    def __init__(self, app: Flask):
        self.monotonic = app.config["MONOTONIC"]
        self.every = app.config["HEARTBEAT_SECONDS"]
        self.patience = app.config["PROCESS_TIMEOUT_SECONDS"]
        self.next = self.monotonic()

    def due(self) -> bool:
        return self.monotonic() >= self.next

    def ran(self, worked: bool) -> None:
        self.next = self.monotonic() + (self.every if worked else self.patience)

    def wait_a_timeout(self) -> None:
        self.next = self.monotonic() + self.patience


def run(app: Flask) -> None:
    """Run the ticker: one loop per share of the rooms (``TICKER_SHARES``, one by default),
    each working only while this process holds that share's lease."""
    shares = app.config["TICKER_SHARES"]
    for number in range(1, shares):
        socketio.start_background_task(_run_share, app, (number, shares))
    _run_share(app, (0, shares))


def _run_share(app: Flask, share: Share) -> None:
    """While this process holds the share's lease: sleep until its earliest deadline (or, for
    the first share, until a write here sets a nearer one), then move its due rooms on. The
    first share's holder also notices a stepped clock, gives up silent processes, and sweeps
    once a minute. Otherwise ask for the lease again now and then."""
    first = share[0] == 0
    pace = Pace(app.config["TICK_SECONDS"])
    ticks, sweeps, reaps = QuietLog(), QuietLog(), QuietLog()
    watch = ClockWatch(app.config["CLOCK"], app.config["MONOTONIC"])
    alarm = wake.alarm(app) if first else None
    monotonic = app.config["MONOTONIC"]
    leader, reaping = Leader(app, share), ReapPace(app)
    next_sweep = monotonic()
    while True:
        if not leader.leads():
            socketio.sleep(leader.seconds / 3)
            watch.step()  # whatever the clock did meanwhile is not this process's to correct
            reaping.wait_a_timeout()
            continue
        if first and monotonic() >= next_sweep:
            sweep_once(app, sweeps)
            next_sweep = monotonic() + SWEEP_EVERY
        if first and reaping.due():
            reaping.ran(reap_once(app, reaps))
        wait = min(nap(app, pace, share), leader.seconds / 3)
        if alarm is not None:
            alarm.sleep(wait, app.config["CLOCK"]())
            correct_clock(app, watch)
        else:
            socketio.sleep(wait)
        worked = tick_once(app, ticks, share)
        pace.after(worked)
        if not worked:
            reaping.wait_a_timeout()


def start(app: Flask) -> None:
    """Start the ticker as a background task in whatever async mode the server runs."""
    if app.config["RUN_TICKER"]:
        socketio.start_background_task(run, app)
