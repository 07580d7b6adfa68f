"""The application factory."""

import json
import os
import secrets
import time
from typing import Any

from flask import Flask
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Config
from .extensions import db, limiter, login_manager, socketio
from .web.guards import BoundedPolling, GuardedPacket, close_without_waiting, guard_messages

HERE = os.path.dirname(os.path.abspath(__file__))
MIGRATIONS = os.path.join(HERE, "migrations")
#: the largest Socket.IO message or long-polling body a client may send (events are small)
MESSAGE_LIMIT = 16_384


def _shipped(folder: str) -> str:
    """Return where templates/ or static/ is: in the package once installed, else beside it."""
    installed = os.path.join(HERE, folder)
    return installed if os.path.isdir(installed) else os.path.join(os.path.dirname(HERE), folder)


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: config, store, Socket.IO, pages and events."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=_shipped("templates"),
        static_folder=_shipped("static"),
    )
    app.config.from_object(Config)
    app.config["CLOCK"] = time.time
    app.config["MONOTONIC"] = time.monotonic
    #: this process among those sharing the store (services.processes)
    app.config["PROCESS_ID"] = secrets.token_hex(8)
    if test_config:
        app.config.update(test_config)
    if not isinstance(app.config["ROOM_CAP"], int) or app.config["ROOM_CAP"] < 2:
        raise ValueError("LISTENING_ROOM_CAP must be a whole number of at least 2")
    _check_ice_servers(app.config["ICE_SERVERS"])
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = os.path.join(app.instance_path, "listening.sqlite")
        # Read again here, not only when Config was imported: a command may set it later.
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            os.environ.get("DATABASE_URL") or f"sqlite:///{path}"
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    # Errors are logged without their parameters: those can be people's names.
    options.setdefault("hide_parameters", True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A restarted server (an upgrade, a failover) leaves the pool's connections dead:
        # each is checked before use, so the first request after is served, not failed.
        options.setdefault("pool_pre_ping", True)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Wait only briefly inside SQLite for another writer's lock: that wait blocks every
        # green thread at once. services.store waits longer, cooperatively, between tries.
        options.setdefault("connect_args", {"timeout": app.config["SQLITE_BUSY_SECONDS"]})

    # Socket.IO handlers must be declared before the first init_app so every app's server
    # gets them; importing the web package's events module declares them.
    from . import cli, web
    from .web import events, voice  # noqa: F401

    db.init_app(app)
    if app.config["SCHEMA_TOOLS"]:
        # Alembic (``flask db …``, upgrades) costs a serving process ~11 MB it never uses:
        # ``serve`` upgrades the database in a short-lived child process instead.
        from flask_migrate import Migrate

        Migrate(app, db, directory=MIGRATIONS)
    limiter.init_app(app)
    login_manager.init_app(app)
    realtime: dict[str, Any] = {
        "async_mode": app.config.get("ASYNC_MODE"),
        "message_queue": app.config.get("SOCKETIO_MESSAGE_QUEUE"),
        "cors_allowed_origins": app.config.get("CORS_ALLOWED_ORIGINS"),
        "max_http_buffer_size": MESSAGE_LIMIT,
        "serializer": GuardedPacket,
    }
    queue = app.config.get("SOCKETIO_MESSAGE_QUEUE") or ""
    if queue.startswith(("redis://", "rediss://", "unix://")):
        from .realtime.queue import ResyncingRedisManager
        from .web.events import resend_everything

        realtime["client_manager"] = ResyncingRedisManager(
            queue,
            lambda: resend_everything(app),
            channel="listening",
            # An unreachable Redis is noticed in seconds, not at the system's TCP timeout, so a
            # heartbeat or a tick that sends something never hangs on it for minutes.
            redis_options={
                "socket_connect_timeout": 2,
                "socket_keepalive": True,
                "health_check_interval": 15,
            },
        )
    socketio.init_app(app, **realtime)
    engine_io = socketio.server.eio  # type: ignore[attr-defined]  # (the stubs lack .server)
    close_without_waiting(engine_io)
    guard_messages(engine_io)
    app.wsgi_app = BoundedPolling(app.wsgi_app, "socket.io", MESSAGE_LIMIT)  # type: ignore[method-assign]
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)

    web.init_app(app)
    cli.init_app(app)
    return app


#: the PostgreSQL driver a URL without one gets (docs/performance.md: why psycopg2)
POSTGRES_DRIVER = "psycopg2"


def database_url(url: str) -> str:
    """Return the URL with this app's PostgreSQL driver when it names none.

    ``postgres://`` (as some hosts hand it out) and ``postgresql://`` both mean PostgreSQL;
    SQLAlchemy would otherwise pick a driver of its own choosing. A URL naming a driver
    (``postgresql+pg8000://``) is kept as it is.
    """
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return f"postgresql+{POSTGRES_DRIVER}://" + url[len(scheme) :]
    return url


def _check_ice_servers(setting: str) -> None:
    """Refuse to start with ICE servers that are not a JSON list of {"urls": …} objects."""
    if not setting:
        return
    try:
        servers = json.loads(setting)
    except ValueError:
        servers = None
    if not isinstance(servers, list) or not all(
        isinstance(s, dict) and isinstance(s.get("urls"), (str, list)) for s in servers
    ):
        raise ValueError(
            'LISTENING_ICE_SERVERS must be JSON like [{"urls": "stun:stun.example.org:3478"}]'
        )


def _instance_secret(folder: str) -> str:
    """Return this installation's own random secret, made once and readable by its owner only."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "secret_key")
    try:
        with open(path, encoding="ascii") as kept:
            return kept.read().strip()
    except FileNotFoundError:
        secret = secrets.token_urlsafe(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as kept:
            kept.write(secret)
        return secret


def _sqlite_pragmas(connection, _record) -> None:
    """Let readers and one writer work at once, and keep foreign keys honest."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode this stays safe against corruption and skips an fsync on every commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Erased names are overwritten on disk, not just unlinked.
    cursor.execute("PRAGMA secure_delete=ON")
    # After each checkpoint the write-ahead log shrinks back to this size (4 MB), not its peak.
    cursor.execute("PRAGMA journal_size_limit=4194304")
    cursor.close()
