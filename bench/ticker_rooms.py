"""Measure what one room transition costs the server, with hundreds of rooms in one process.

Creates a session of ROOMS x 8 people on a fresh SQLite file, starts it, and then moves the
clock so that every room is due at once: first from the silence to the first speaker, then from
speaking to grace. Each step is one call of the ticker (``tick_once``: compare-and-set writes
plus building and emitting every snapshot). Sockets are not connected, so this is the server's
own cost per transition; bench/live_rooms.py measures delivery to real clients.

Usage: .venv/bin/python bench/ticker_rooms.py [--rooms 300]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402

from listening import services  # noqa: E402
from listening.app import create_app  # noqa: E402
from listening.services import NewSession  # noqa: E402
from listening.ticker import tick_once  # noqa: E402


class Clock:
    """A clock the benchmark moves by hand."""

    now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def main() -> None:
    """Fill, start, and time the ticker over every room at once."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=300)
    args = parser.parse_args()
    clock = Clock()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
                "CLOCK": clock,
                "RUN_TICKER": False,
                "MAX_PEOPLE": args.rooms * 8,
            }
        )
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            settings = NewSession("Bench", ["How are you?"], 120, 3, 5, 15)
            session, key = services.create_session(settings)
            code = session.code
            began = time.perf_counter()
            for n in range(args.rooms * 8):
                services.join(code, f"P{n}")
            joined = time.perf_counter() - began
            caller = services.Caller(session.id, is_host=True)
            began = time.perf_counter()
            services.start(caller)
            started = time.perf_counter() - began
        rows = []
        for label, seconds in (("silence -> speaking", 5), ("speaking -> grace", 120)):
            clock.now += seconds
            began = time.perf_counter()
            tick_once(app)
            took = time.perf_counter() - began
            rows.append((label, took))
    print(f"rooms: {args.rooms}, people: {args.rooms * 8}")
    print(f"joins: {1000 * joined / (args.rooms * 8):.2f} ms each")
    print(f"start (forming {args.rooms} rooms): {1000 * started:.0f} ms")
    print("| transition, every room due at once | whole tick | per room |")
    print("|---|---|---|")
    for label, took in rows:
        print(f"| {label} | {1000 * took:.0f} ms | {1000 * took / args.rooms:.2f} ms |")


if __name__ == "__main__":
    main()
