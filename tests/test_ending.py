"""How a session ends: by the host, by itself when every room is done, or by the sweep; and
nothing can happen in it afterwards."""

from __future__ import annotations

from sqlalchemy import select

from listening import services
from listening.extensions import db
from listening.models import ListeningSession, Name, Room


def test_ending_while_people_join_leaves_no_room_running(app, world, all_at_once):
    world.create()
    world.host()
    world.join("Ann")
    world.join("Bob")
    world.send("host", "start")
    with app.app_context():
        host = services.Caller(db.session.scalar(select(ListeningSession.id)), is_host=True)

    def work(i: int):
        return services.end_session(host) if i == 0 else services.join(world.code, f"L{i}")

    results = all_at_once(25, work)
    assert results.count("ended") + sum(not isinstance(r, str) for r in results) == 25
    with app.app_context():
        phases = [r.state["phase"] for r in db.session.scalars(select(Room))]
    assert set(phases) == {"closed"}


def test_a_latecomer_left_alone_is_not_left_waiting_forever(app, world):
    app.config["ROOM_CAP"] = 2
    world.create(rounds=1, silence_seconds=0)
    world.host()
    world.join("Ann")
    world.join("Bob")
    world.send("host", "start")
    world.join("Late")
    assert world.room("Late")["phase"] == "gathering"
    for name in ("Ann", "Bob"):
        assert world.send(name, "finish")["ok"]
    assert world.room("Late")["phase"] == "closed"
    assert world.lobby("Late")["session"]["status"] == "ended"


def test_sessions_left_open_are_ended_and_their_names_erased(app, world, clock):
    world.create()
    world.join("Forgotten", connect=False)
    clock.advance(13 * 3600)
    with app.app_context():
        services.end_stale_sessions(clock(), hours=12)
        assert db.session.scalar(select(ListeningSession.status)) == "ended"
        assert db.session.scalar(select(Name.name)) is None


def test_after_the_end_moves_say_the_session_has_ended(started):
    started.tick(5)
    started.send("host", "end")
    assert started.send("Ada", "finish")["error"] == "ended"
    assert started.send("host", "start")["error"] == "ended"
    assert started.send("host", "pause", {"room": 1})["error"] == "ended"


def test_an_end_that_fails_part_way_leaves_nothing_half_done(app, started, monkeypatch):
    import listening.services.sessions as sessions

    def fail(*_):
        raise RuntimeError("the disk hiccupped")

    monkeypatch.setattr(sessions, "count_session", fail)
    assert started.send("host", "end")["error"] == "server_error"
    with app.app_context():
        assert db.session.scalar(select(ListeningSession.status)) == "running"
        assert len(db.session.scalars(select(Name.name)).all()) == 4, "no name erased"
        assert {r.state["phase"] for r in db.session.scalars(select(Room))} != {"closed"}
    monkeypatch.undo()
    assert started.send("host", "end")["ok"]
    with app.app_context():
        assert db.session.scalars(select(Name.name)).all() == []
