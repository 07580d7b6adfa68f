"""The ticker's alarm: it sleeps until the earliest deadline, and a write that sets a nearer
one wakes it early. Process-local, like the ticker it wakes; the deadlines themselves are
data in the store, so a missed wake-up only delays a room until the ticker's next look.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from .extensions import socketio


@dataclass
class Alarm:
    """When the ticker means to look next, and the event that wakes it sooner."""

    event: Any
    #: seconds since the epoch (the app's clock); infinity while nobody is sleeping
    wake_at: float = math.inf

    def sleep(self, seconds: float, now: float) -> None:
        """Sleep until ``now + seconds`` or until woken, in whatever async mode the server runs."""
        self.wake_at = now + seconds
        self.event.wait(seconds)
        self.event.clear()
        self.wake_at = math.inf


def alarm(app: Flask | None = None) -> Alarm:
    """Return this app's alarm, made on first use."""
    extensions = (app or current_app).extensions
    if "listening.alarm" not in extensions:
        extensions["listening.alarm"] = Alarm(socketio.server.eio.create_event())  # type: ignore[attr-defined]
    return extensions["listening.alarm"]


def deadline_set(deadline: float | None) -> None:
    """Wake the ticker if a write just committed a deadline sooner than it meant to look."""
    if deadline is not None:
        ringing = alarm()
        if deadline < ringing.wake_at:
            ringing.event.set()
