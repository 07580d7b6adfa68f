"""The ticker moves every room on at its deadline, whatever happens to one of them."""

from __future__ import annotations

from sqlalchemy import select, update

from listening import engine
from listening.extensions import db
from listening.models import Name, Room


def test_one_broken_room_does_not_stop_the_others(app, rooms_of_two):
    world = rooms_of_two
    with app.app_context():
        db.session.execute(update(Room).where(Room.number == 1).values(state={"broken": True}))
        db.session.commit()
    world.tick(5)
    assert world.room("C")["phase"] == "speaking"
    with app.app_context():
        good = db.session.scalar(select(Room).where(Room.number == 2))
        assert engine.from_dict(good.state).speaker is not None


def break_room(app, number: int) -> None:
    """Leave a room's stored state unreadable, as a bad deploy or a disk fault might."""
    with app.app_context():
        db.session.execute(update(Room).where(Room.number == number).values(state={"x": 1}))
        db.session.commit()


def test_a_broken_room_neither_keeps_another_from_closing_nor_the_session_from_ending(app, world):
    app.config["ROOM_CAP"] = 2
    world.start(["A", "B", "C", "D"], rounds=1, silence_seconds=0)
    break_room(app, 2)
    assert world.send("A", "finish")["ok"]
    assert world.send("B", "finish")["ok"]
    assert world.room("A")["phase"] == "closed"
    assert world.send("host", "end")["ok"]
    assert world.lobby("A")["session"]["status"] == "ended"
    with app.app_context():
        assert db.session.scalars(select(Name.name)).all() == [], "every name erased"
