"""Nothing anyone says is stored, and first names go when the session ends: from every file of
the store as it lies on disk, not after the test has helped it along. A name is shown only to
the person's room and the host."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import update

from listening.extensions import db
from listening.models import ListeningSession, SessionStatus
from listening.ticker import sweep_once

NAMES = (b"Ada", b"Ben", b"Cleo", b"Dev")


def on_disk(tmp_path: Path) -> bytes:
    """Return every byte of the store's files as they are now: database, log and index."""
    files = sorted(tmp_path.glob("listening.sqlite*"))
    assert any(f.name == "listening.sqlite-wal" for f in files), "the log is scanned too"
    return b"".join(f.read_bytes() for f in files)


def count(tmp_path: Path, sql: str) -> int:
    """Count with a separate reader that only reads (no checkpoint: that would help)."""
    uri = f"file:{tmp_path / 'listening.sqlite'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as con:
        return con.execute(sql).fetchone()[0]


def test_names_are_gone_from_every_file_when_the_host_ends_leaving_counts_and_timings(
    started, tmp_path
):
    started.tick(5)
    started.send("Ada", "finish")
    assert all(name in on_disk(tmp_path) for name in NAMES), "the scan can see names"
    started.send("host", "end")
    stored = on_disk(tmp_path)
    assert [name for name in NAMES if name in stored] == []
    assert count(tmp_path, "SELECT count(*) FROM participants WHERE name IS NULL") == 4
    assert count(tmp_path, "SELECT count(*) FROM turns") == 1


def test_names_are_gone_when_the_last_room_closes_by_itself(world, tmp_path):
    world.start(["Ada", "Ben"], rounds=1, silence_seconds=0)
    assert world.send("Ada", "finish")["ok"]
    assert world.send("Ben", "finish")["ok"]
    assert world.lobby("Ada")["session"]["status"] == "ended"
    stored = on_disk(tmp_path)
    assert b"Ada" not in stored and b"Ben" not in stored


def test_the_sweep_erases_names_an_ended_session_still_has(app, world, tmp_path):
    world.start(["Ada", "Ben"])
    with app.app_context():  # as an end that failed half-way, before ending was one step
        db.session.execute(update(ListeningSession).values(status=SessionStatus.ENDED))
        db.session.commit()
    assert b"Ada" in on_disk(tmp_path)
    assert sweep_once(app)
    assert b"Ada" not in on_disk(tmp_path) and b"Ben" not in on_disk(tmp_path)


def test_participants_are_sent_counts_and_only_their_own_rooms_names(app, world):
    app.config["ROOM_CAP"] = 2
    world.create()
    world.host()
    for name in ("Ada", "Ben", "Cleo", "Dev"):
        world.join(name)
    lobby = world.lobby("Ada")
    assert lobby["here"] == {"joined": 4, "connected": 4, "sound_ready": 0}
    assert "people" not in lobby and "Ben" not in str(lobby)
    world.send("host", "start")
    seen = str([e["args"] for e in world.sockets["Ada"].get_received()])
    assert "Ben" in seen, "Ada's room is Ada and Ben"
    assert "Cleo" not in seen and "Dev" not in seen
    assert {p["name"] for p in world.console()["people"]} == {"Ada", "Ben", "Cleo", "Dev"}


def test_a_session_is_deleted_after_ninety_days_and_only_its_counts_are_kept(
    app, started, clock, tmp_path
):
    started.tick(5)
    started.send("Ada", "pass")
    started.send("host", "end")
    clock.advance(89 * 86400)
    assert sweep_once(app)
    assert started.http.get(f"/s/{started.code}").status_code == 200, "kept for 90 days"
    clock.advance(2 * 86400)
    assert sweep_once(app)
    assert started.http.get(f"/s/{started.code}").status_code == 404
    for table in ("sessions", "participants", "rooms", "turns"):
        assert count(tmp_path, f"SELECT count(*) FROM {table}") == 0, table
    uri = f"file:{tmp_path / 'listening.sqlite'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as con:
        kept = con.execute("SELECT people, rooms, spoke, passed FROM session_counts").fetchall()
    assert kept == [(4, 1, 0, 1)]
    assert started.code.encode() not in on_disk(tmp_path)
