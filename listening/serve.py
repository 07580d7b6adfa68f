"""The server entry point: the only module that may import eventlet or gevent.

It patches the standard library for the chosen async mode *before* importing Flask, upgrades
the database, starts the one ticker and serves.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from typing import Any

MODES = ("eventlet", "gevent", "threading")


def _patch(mode: str) -> None:
    if mode == "eventlet":
        with warnings.catch_warnings():
            # Known and planned for: gevent and threading are kept working beside it.
            warnings.simplefilter("ignore")
            import eventlet

        eventlet.monkey_patch()
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()


def main(argv: list[str] | None = None) -> None:
    """Run listening on one process and print the URL to open."""
    parser = argparse.ArgumentParser(prog="python -m listening serve")
    parser.add_argument("--host", default=os.environ.get("LISTENING_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument(
        "--async-mode", choices=MODES, default=os.environ.get("LISTENING_ASYNC_MODE", "eventlet")
    )
    args = parser.parse_args(argv)
    _patch(args.async_mode)

    from flask_migrate import upgrade

    from . import services, ticker
    from .app import create_app
    from .extensions import socketio

    app = create_app({"ASYNC_MODE": args.async_mode})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        # One process owns every connection, so nobody is connected until they reconnect.
        services.forget_presence()
    ticker.start(app)
    shown = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    print(f"listening is running ({args.async_mode}): open http://{shown}:{args.port}/", flush=True)
    extra: dict[str, Any] = {}
    if args.async_mode == "threading":
        extra["allow_unsafe_werkzeug"] = True
    socketio.run(app, host=args.host, port=args.port, log_output=False, **extra)


if __name__ == "__main__":
    main(sys.argv[1:])
