"""The ticker moves every room on at its deadline, whatever happens to one of them."""

from __future__ import annotations

from sqlalchemy import select, update

from listening import engine
from listening.extensions import db
from listening.models import Room


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
