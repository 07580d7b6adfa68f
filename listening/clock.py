"""The one clock: the app's injectable ``CLOCK``, so tests move time by hand."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from .extensions import socketio


def now() -> float:
    """Return the current time in seconds since the epoch, from the app's configured clock."""
    return current_app.config["CLOCK"]()


def stamp(seconds: float) -> datetime:
    """Return seconds since the epoch as the naive UTC datetime the store keeps."""
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def wait(seconds: float) -> None:
    """Wait without holding up anyone else, in whatever async mode the server runs."""
    socketio.sleep(seconds)  # type: ignore[arg-type]  # (the stubs say int; any number works)
