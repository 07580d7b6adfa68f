"""The server entry point: the only module that may import eventlet or gevent.

It patches the standard library for the chosen async mode *before* importing Flask, takes the
store for this process alone, upgrades the database, starts the one ticker and serves with
explicit limits: how many connections in all and from one address, and how long one may idle.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import warnings
from collections import Counter
from typing import Any

MODES = ("eventlet", "gevent", "threading")
#: connections the kernel may queue before the server accepts them: a whole session's screens
#: arriving at once (the kernel caps it at net.core.somaxconn)
BACKLOG = 4096
#: addresses only this machine can reach: serving there needs no configured secret
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _patch(mode: str) -> None:
    """Patch the standard library for green threads, then the database driver to match."""
    if mode == "eventlet":
        with warnings.catch_warnings():
            # Known and planned for: gevent and threading are kept working beside it.
            warnings.simplefilter("ignore")
            import eventlet

        eventlet.monkey_patch()
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    patch_driver(mode)


def patch_driver(mode: str) -> None:
    """Make psycopg2 wait cooperatively under green threads: its C code would otherwise block
    every screen of the process while PostgreSQL answers one."""
    if mode == "eventlet":
        import psycogreen.eventlet

        psycogreen.eventlet.patch_psycopg()
    elif mode == "gevent":
        import psycogreen.gevent

        psycogreen.gevent.patch_psycopg()


def start_beside(app, alone: bool, tick: bool = True) -> str | None:
    """Start what runs beside a serving app: say this process is alive (and, ``alone`` on its
    store, forget every other), then its heartbeat and its ticker. Return the first-run setup
    link's token, if no coordinator exists yet."""
    from . import services, ticker
    from .clock import now
    from .realtime.publish import publish
    from .web.events import start_heartbeat

    with app.app_context():
        services.processes.beat(now(), set)
        if alone:
            # The only process on this store: nobody is connected until they reconnect. With
            # several, the ticker's holder forgets a process once it stops beating.
            publish(services.processes.forget_others())
        setup = services.accounts.setup_link()
    start_heartbeat(app)
    if tick:
        ticker.start(app)
    return setup


def main(argv: list[str] | None = None) -> None:
    """Run listening on one process and print the URL to open."""
    parser = argparse.ArgumentParser(prog="python -m listening serve")
    parser.add_argument("--host", default=os.environ.get("LISTENING_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument(
        "--async-mode", choices=MODES, default=os.environ.get("LISTENING_ASYNC_MODE", "eventlet")
    )
    parser.add_argument(
        "--no-ticker",
        action="store_true",
        help="leave moving rooms on to other processes (`listening ticker`, or other servers)",
    )
    args = parser.parse_args(argv)
    if not os.environ.get("SECRET_KEY") and args.host not in LOOPBACK:
        sys.exit(
            f"listening: set SECRET_KEY (a long random value) before serving on {args.host}; "
            "without it the server listens only on this machine (127.0.0.1)."
        )
    _patch(args.async_mode)

    from .app import create_app
    from .single import StoreInUse, hold_the_store

    settings: dict[str, Any] = {"ASYNC_MODE": args.async_mode, "SCHEMA_TOOLS": False}
    if args.no_ticker:
        settings["RUN_TICKER"] = False
    app = create_app(settings)
    try:
        alone = hold_the_store(app)
    except StoreInUse as error:
        sys.exit(f"listening: {error}")
    # Before listening: a client must never reach a port that cannot answer yet.
    _upgrade()
    listener = _listen(args) if args.async_mode == "eventlet" else None
    setup = start_beside(app, alone)
    _raise_file_limit(app.config["MAX_CONNECTIONS"])
    _tune_garbage_collector()
    shown = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    print(f"listening is running ({args.async_mode}): open http://{shown}:{args.port}/", flush=True)
    if setup is not None:
        base = (app.config["PUBLIC_URL"] or f"http://{shown}:{args.port}").rstrip("/")
        print(
            f"First run: create the first coordinator at {base}/setup/{setup} "
            "(the link works once, for a day; a new one is printed at each start until then).",
            flush=True,
        )
    with stepping_down(app):
        if listener is not None:
            _serve_eventlet(app, listener)
        else:
            _serve_other(app, args)


@contextlib.contextmanager
def stepping_down(app):
    """Stop politely on SIGTERM (a restart, an upgrade): give up the ticker's lease on the way
    out, so another process takes it at once rather than when it runs out. The screens are left
    to reconnect elsewhere, and this process to be given up when its beats stop, so nobody is
    marked away for a restart they do not notice."""
    import signal

    def stop(_signal, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        from . import services

        with app.app_context():
            try:
                for number in range(app.config["TICKER_SHARES"]):
                    services.processes.let_go(services.processes.share_lease(number))
            except Exception:
                app.logger.warning("could not give up the ticker's lease; it runs out by itself")


def _upgrade() -> None:
    """Upgrade the database in a child process: the server never loads Alembic (~11 MB)."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", "listening", "upgrade"], check=False)
    if done.returncode != 0:
        sys.exit("listening: could not bring the database up to date (see above).")


def _listen(args):
    """Bind the port for eventlet, alone: no SO_REUSEPORT, so a second server cannot share it."""
    import eventlet

    try:
        return eventlet.listen((args.host, args.port), reuse_port=False, backlog=BACKLOG)
    except OSError as error:
        sys.exit(f"listening: cannot listen on {args.host}:{args.port}: {error.strerror}")


def _serve_eventlet(app, listener) -> None:
    import eventlet
    import eventlet.wsgi

    class AddressPool(eventlet.GreenPool):
        """A pool of connections that holds at most ``per_address`` from any one address."""

        def __init__(self, size: int, per_address: int):
            super().__init__(size)
            self.per_address = per_address
            self.open: Counter[str] = Counter()

        def spawn(self, function, connection, *rest):
            address = connection[0][0]
            if self.open[address] >= self.per_address:
                # The server loop closes the connection as soon as this returns.
                return super().spawn(lambda _connection: None, connection)
            self.open[address] += 1
            thread = super().spawn(function, connection, *rest)
            thread.link(self._closed, address)
            return thread

        def _closed(self, _thread, address) -> None:
            self.open[address] -= 1
            if self.open[address] <= 0:
                del self.open[address]

    class LeanProtocol(eventlet.wsgi.HttpProtocol):
        """Smaller buffers for each connection: a screen's socket keeps them for hours.

        eventlet's defaults (8 kB to read, 16 kB to write) were 24 kB of every screen's memory;
        a request's headers and the 101 reply that opens a WebSocket fit in 4 kB, and larger
        writes (the scripts) go past a buffer anyway. Frames never pass through these.
        """

        rbufsize = 4096
        wbufsize = 4096

    config = app.config
    # Behind a proxy every connection comes from the proxy's address: the cap per address would
    # cap the whole site, so the proxy limits per client instead (docs/nginx-listening.conf).
    per_address = config["CONNECTIONS_PER_ADDRESS"]
    if config["TRUSTED_PROXIES"]:
        per_address = config["MAX_CONNECTIONS"]
    eventlet.wsgi.server(
        listener,
        app,
        protocol=LeanProtocol,
        custom_pool=AddressPool(config["MAX_CONNECTIONS"], per_address),
        socket_timeout=config["IDLE_SECONDS"],
        keepalive=config["IDLE_SECONDS"],
        log_output=False,
        debug=False,  # never send a traceback to a client
    )


def _serve_other(app, args) -> None:
    from .extensions import socketio

    extra: dict[str, Any] = {}
    if args.async_mode == "threading":
        extra["allow_unsafe_werkzeug"] = True
    else:
        from gevent.pool import Pool

        extra["spawn"] = Pool(app.config["MAX_CONNECTIONS"])
        extra["backlog"] = BACKLOG
    socketio.run(app, host=args.host, port=args.port, log_output=False, **extra)


#: allocations between young collections (CPython's default is 700)
GC_YOUNG = 10_000


def _tune_garbage_collector() -> None:
    """Keep Python's full collections rare and short: they stop every screen at once.

    Measured at 2,000 screens with the defaults, a full collection ran every ~10 s and took
    ~250 ms, and every room due in that moment was late by as much (docs/performance.md).
    What was loaded at startup is set aside (``gc.freeze``) so no collection walks it again,
    and young collections run less often, so short-lived objects (a snapshot in flight to
    eight screens) die young instead of being promoted to the old generation.
    """
    import gc

    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG, middle, old)


def _raise_file_limit(connections: int) -> None:
    """Let the process hold as many sockets as it may accept, up to the system's hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 256  # the database, the log, and some room
    if soft < wanted:
        limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))


def ticker_main(argv: list[str] | None = None) -> None:
    """Run only the ticker: move rooms on, forget silent processes and sweep, for servers
    started with ``--no-ticker`` (or beside them: a lease lets one ticker work at a time)."""
    parser = argparse.ArgumentParser(prog="python -m listening ticker")
    parser.parse_args(argv)
    from . import ticker
    from .app import create_app

    app = create_app({"ASYNC_MODE": "threading", "SCHEMA_TOOLS": False})
    _upgrade()
    # It beats like a server (holding no screens), so it counts when shares are handed out.
    start_beside(app, alone=False, tick=False)
    print("listening ticker is running", flush=True)
    with stepping_down(app):
        ticker.run(app)


if __name__ == "__main__":
    main(sys.argv[1:])
