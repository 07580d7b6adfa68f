"""The application factory."""

import os
import time

from flask import Flask
from sqlalchemy import event

from .config import Config
from .extensions import db, migrate, socketio

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app: config, store, Socket.IO, pages and events."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object(Config)
    app.config["CLOCK"] = time.time
    if test_config:
        app.config.update(test_config)
    if not isinstance(app.config["ROOM_CAP"], int) or app.config["ROOM_CAP"] < 2:
        raise ValueError("LISTENING_ROOM_CAP must be a whole number of at least 2")
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = os.path.join(app.instance_path, "listening.sqlite")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})

    # Handlers must be declared before the first init_app so every app's server gets them.
    from .web import events, pages  # noqa: F401 - importing events declares its handlers

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    socketio.init_app(
        app,
        async_mode=app.config.get("ASYNC_MODE"),
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE"),
        cors_allowed_origins=app.config.get("CORS_ALLOWED_ORIGINS"),
        max_http_buffer_size=16_384,
    )
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)

    from . import cli

    app.register_blueprint(pages.bp)
    cli.init_app(app)
    return app


def _sqlite_pragmas(connection, _record) -> None:
    """Let readers and one writer work at once, and keep foreign keys honest."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode this stays safe against corruption and skips an fsync on every commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Erased names are overwritten on disk, not just unlinked.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
