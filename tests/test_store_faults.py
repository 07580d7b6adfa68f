"""When the store fails (full, read-only, held by another program) people get a calm answer,
monitors get the truth, the ticker slows down, and no log line carries a name."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

import pytest
import requests
from flask import has_app_context
from sqlalchemy import event

from listening.extensions import db
from listening.rehearsal import create_session
from listening.ticker import Pace, QuietLog, tick_once

from .conftest import with_csrf
from .live import Server


class Fault:
    """Make every new database connection read-only or full, until lifted."""

    def __init__(self, app, pragma_for):
        self.app, self.pragma_for = app, pragma_for

    def _on_connect(self, connection, _record):
        cursor = connection.cursor()
        cursor.execute(self.pragma_for(cursor))
        cursor.close()

    def __enter__(self):
        with self.app.app_context():
            event.listen(db.engine, "connect", self._on_connect)
        self._reconnect()
        return self

    def __exit__(self, *_):
        with self.app.app_context():
            event.remove(db.engine, "connect", self._on_connect)
        self._reconnect()

    def _reconnect(self):
        """Drop every open connection, so the next request opens one with the fault (or not).

        pytest-flask keeps an app context open for each test, and the test client's requests
        share its database session, so that session lets go of its connection too.
        """
        if has_app_context():
            db.session.remove()
        with self.app.app_context():
            db.engine.dispose()


def read_only(app) -> Fault:
    return Fault(app, lambda _cursor: "PRAGMA query_only = ON")


class Full:
    """Make every write fail as SQLite does when the disk is full, until lifted."""

    def __init__(self, app):
        self.app = app

    def _refuse(self, _conn, _cursor, statement, *_):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            raise sqlite3.OperationalError("database or disk is full")

    def __enter__(self):
        with self.app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._refuse)
        return self

    def __exit__(self, *_):
        with self.app.app_context():
            event.remove(db.engine, "before_cursor_execute", self._refuse)


def full(app) -> Full:
    return Full(app)


@pytest.mark.parametrize("fault", [read_only, full], ids=["read-only", "full"])
def test_a_store_that_cannot_write_gets_a_calm_503_and_health_says_why(app, world, form, fault):
    world.create()
    form = with_csrf(world.http, form)
    with fault(app):
        created = world.http.post(
            "/api/sessions", json={"title": "Later", "prompts": ["x" * 200] * 5}
        )
        assert created.status_code == 503 and created.json["error"] == "unavailable"
        assert created.headers["Retry-After"] == "30"
        page = world.http.post("/sessions", data=form)
        assert page.status_code == 503 and "try again in a minute" in page.get_data(as_text=True)
        joined = world.http.post(f"/api/sessions/{world.code}/join", json={"name": "Zelda"})
        assert joined.status_code == 503
        health = world.http.get("/healthz")
        expected = "read-only" if fault is read_only else "full"
        assert health.status_code == 503 and health.json == {"ok": False, "store": expected}
    world.join("Ada")
    assert world.http.get("/healthz").json == {"ok": True, "store": "ok"}


def test_a_move_while_the_store_is_read_only_gets_unavailable_not_a_server_error(app, started):
    started.tick(5)
    with read_only(app):
        reply = started.send("Ada", "finish")
    assert reply["ok"] is False and reply["error"] == "unavailable"
    assert started.send("Ada", "finish")["ok"]


def test_no_log_line_carries_a_name_when_the_store_fails(app, world, caplog):
    world.create()
    with caplog.at_level(logging.DEBUG), read_only(app):
        world.http.post(f"/api/sessions/{world.code}/join", json={"name": "Zelda"})
        world.http.post("/api/sessions", json={"title": "Zelda's space"})
    assert caplog.records, "the failure was logged"
    assert "Zelda" not in caplog.text


def test_while_the_store_fails_the_ticker_slows_down_and_logs_once(app, started, caplog):
    started.tick(5)
    started.clock.advance(60)  # Ada's time is up: her room is due
    log = QuietLog()
    with caplog.at_level(logging.ERROR), read_only(app):
        outcomes = [tick_once(app, log) for _ in range(50)]
    assert outcomes == [False] * 50
    assert len([r for r in caplog.records if r.exc_info]) == 1
    assert tick_once(app, log), "the ticker carries on once the store is back"
    assert started.room("Ben")["phase"] == "grace"


def test_the_ticker_waits_longer_after_each_failure_and_its_interval_once_it_works():
    pace = Pace(0.2, longest=5)
    assert [pace.after(False) for _ in range(7)] == [0.4, 0.8, 1.6, 3.2, 5, 5, 5]
    assert pace.after(True) == 0.2


@pytest.mark.live
def test_while_another_program_holds_the_database_the_server_still_answers(tmp_path):
    server = Server(tmp_path).start()
    try:
        session = create_session(server.url, server.host(), title="Held")
        holder = sqlite3.connect(server.db_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another program takes the write lock
        joined: list = []

        def join():
            url = f"{server.url}/api/sessions/{session['code']}/join"
            joined.append(requests.post(url, json={"name": "Ada"}, timeout=30))

        joining = threading.Thread(target=join)
        joining.start()
        answered = []
        for _ in range(6):  # for three seconds while the lock is held
            began = time.monotonic()
            answered.append(requests.get(f"{server.url}/healthz", timeout=5).ok)
            answered.append(time.monotonic() - began < 1.0)
            time.sleep(0.5)
        assert not joined, "the join waits for the lock"
        holder.execute("ROLLBACK")
        holder.close()
        joining.join(timeout=30)
        assert all(answered), "health checks were answered at once while the join waited"
        assert joined and joined[0].status_code == 201
    finally:
        server.stop()
