"""Nothing anyone says is stored, and first names go when the session ends: from every file of
the store as it lies on disk, not after the test has helped it along. A name is shown only to
the person's room and the host."""

from __future__ import annotations

import functools
import sqlite3

import pytest
from sqlalchemy import update

from listening.extensions import db
from listening.models import ListeningSession, SessionStatus
from listening.ticker import sweep_once

#: names found nowhere in a new store's files (a new PostgreSQL cluster's catalogs hold "Ada")
NAMES = (b"Ottoline", b"Wilbert", b"Fenella", b"Barnaby")

pytestmark = pytest.mark.both_stores


@pytest.fixture
def on_disk(store, database_url, tmp_path, request):
    """Return a function that reads every byte of the store's files as they are now.

    SQLite: the database, its write-ahead log and index. PostgreSQL: the database's folder,
    the cluster's shared files and its whole write-ahead log, read from disk without asking the
    server anything first.
    """
    if store == "sqlite":

        def read() -> bytes:
            files = sorted(tmp_path.glob("listening.sqlite*"))
            assert any(f.name == "listening.sqlite-wal" for f in files), "the log is scanned too"
            return b"".join(f.read_bytes() for f in files)

        return read
    cluster = request.getfixturevalue("postgres")
    return functools.partial(cluster.files_of, database_url.rsplit("/", 1)[1])


@pytest.fixture
def count(store, database_url, tmp_path, request):
    """Return a function that counts rows with a separate reader that only reads (no
    checkpoint, no vacuum: those would help)."""
    if store == "sqlite":

        def sqlite_count(sql: str) -> int:
            uri = f"file:{tmp_path / 'listening.sqlite'}?mode=ro"
            with sqlite3.connect(uri, uri=True) as con:
                return con.execute(sql).fetchone()[0]

        return sqlite_count
    cluster = request.getfixturevalue("postgres")
    name = database_url.rsplit("/", 1)[1]
    return lambda sql: int(cluster.sql(sql, name))


@pytest.fixture
def written(store, request):
    """Return a function that makes the store write what it holds in memory to its files.

    PostgreSQL keeps the names table (UNLOGGED) in memory and writes it to its file only when
    it shuts down cleanly (or a busy server evicts the page): the tests restart the server, as
    an upgrade would, so the names are on disk before they are erased, and the scan must find
    them gone from the file, not merely never written; and again after, so nothing left in
    memory could be written later either. SQLite writes every commit to its files at once, so
    there is nothing to do (and a checkpoint there would fold its log, which would help).
    """
    if store == "sqlite":
        return lambda: None
    cluster = request.getfixturevalue("postgres")

    def restart() -> None:
        cluster.stop()
        cluster.start()

    return restart


@pytest.fixture
def started(world, on_disk):
    """Four people with names no new store holds, in one room, just started."""
    assert [name for name in NAMES if name in on_disk()] == [], "a clean start"
    world.start([n.decode() for n in NAMES], turn_seconds=60, rounds=2, grace_seconds=10)
    return world


def test_names_are_gone_from_every_file_when_the_host_ends_leaving_counts_and_timings(
    started, on_disk, count, written
):
    started.tick(5)
    started.send("Ottoline", "finish")
    written()
    assert all(name in on_disk() for name in NAMES), "the scan can see names"
    started.send("host", "end")
    assert [name for name in NAMES if name in on_disk()] == []
    written()
    assert [name for name in NAMES if name in on_disk()] == []
    assert count("SELECT count(*) FROM names") == 0
    assert count("SELECT count(*) FROM participants") == 4
    assert count("SELECT count(*) FROM turns") == 1


def test_names_are_gone_when_the_last_room_closes_by_itself(world, on_disk, written):
    world.start(["Ottoline", "Wilbert"], rounds=1, silence_seconds=0)
    written()
    assert b"Ottoline" in on_disk() and b"Wilbert" in on_disk()
    assert world.send("Ottoline", "finish")["ok"]
    assert world.send("Wilbert", "finish")["ok"]
    assert world.lobby("Ottoline")["session"]["status"] == "ended"
    written()
    stored = on_disk()
    assert b"Ottoline" not in stored and b"Wilbert" not in stored


def test_a_removed_persons_name_is_gone_from_every_file_at_once(started, on_disk, written):
    written()
    assert b"Fenella" in on_disk()
    assert started.send("host", "remove", {"member": started.ids["Fenella"]})["ok"]
    assert b"Fenella" not in on_disk()
    written()
    assert b"Fenella" not in on_disk() and b"Barnaby" in on_disk(), "only Fenella's name went"


def test_the_sweep_erases_names_an_ended_session_still_has(app, world, on_disk, written):
    world.start(["Ottoline", "Wilbert"])
    with app.app_context():  # as an end that failed half-way, before ending was one step
        db.session.execute(update(ListeningSession).values(status=SessionStatus.ENDED))
        db.session.commit()
    written()
    assert b"Ottoline" in on_disk()
    assert sweep_once(app)
    written()
    assert b"Ottoline" not in on_disk() and b"Wilbert" not in on_disk()


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
    app, started, clock, on_disk, count, store
):
    started.tick(5)
    started.send("Ottoline", "pass")
    started.send("host", "end")
    clock.advance(89 * 86400)
    assert sweep_once(app)
    assert started.http.get(f"/s/{started.code}").status_code == 200, "kept for 90 days"
    clock.advance(2 * 86400)
    assert sweep_once(app)
    assert started.http.get(f"/s/{started.code}").status_code == 404
    for table in ("sessions", "participants", "rooms", "turns", "names"):
        assert count(f"SELECT count(*) FROM {table}") == 0, table
    kept = count("SELECT count(*) FROM session_counts WHERE people = 4 AND passed = 1")
    assert kept == 1
    if store == "sqlite":
        # SQLite overwrites what it deletes (secure_delete) and empties its log. PostgreSQL's
        # log keeps a deleted session's code and times until it recycles the segment; names
        # never reach it (docs/security.md).
        assert started.code.encode() not in on_disk()


def test_every_sweep_leaves_the_store_compacted_even_with_its_own_reads_open(
    app, world, store, database_url, tmp_path, request
):
    """The sweep reads before it compacts; its own open read must not block the compaction
    (it did: PostgreSQL's rewrite then waited on its own process and gave up every minute)."""
    world.start(["Ottoline", "Wilbert"])
    if store == "sqlite":
        assert (tmp_path / "listening.sqlite-wal").stat().st_size > 0
        assert sweep_once(app)
        assert (tmp_path / "listening.sqlite-wal").stat().st_size == 0, "the log was emptied"
        return
    cluster = request.getfixturevalue("postgres")
    name = database_url.rsplit("/", 1)[1]
    before = cluster.sql("SELECT pg_relation_filenode('names')", name)
    assert sweep_once(app)
    assert cluster.sql("SELECT pg_relation_filenode('names')", name) != before, "rewritten"
