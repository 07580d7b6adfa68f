"""Many things at the same instant: the room cap holds and a turn advances exactly once."""

from __future__ import annotations

from sqlalchemy import select

from listening import engine, services
from listening.changes import Changes
from listening.extensions import db
from listening.models import Name, Participant, Room, Turn


def test_the_room_cap_holds_when_many_people_join_at_the_same_instant(app, world, all_at_once):
    world.create()
    world.host()
    world.join("Ada")
    world.join("Ben")
    assert world.send("host", "start")["ok"]

    results = all_at_once(22, lambda i: services.join(world.code, f"Late {i}")[0].id)

    assert all(isinstance(r, int) for r in results), results
    with app.app_context():
        rooms = db.session.scalars(select(Room)).all()
        members = [m["id"] for r in rooms for m in r.state["members"]]
        assert all(len(r.state["members"]) <= 8 for r in rooms)
        assert len(members) == len(set(members)) == 24
        for person in db.session.scalars(select(Participant)).all():
            room = db.session.get(Room, person.room_id)
            assert person.public_id in [m["id"] for m in room.state["members"]]


def test_many_finish_clicks_at_once_advance_the_turn_exactly_once(app, started, all_at_once):
    started.tick(5)
    with app.app_context():
        ada = db.session.scalar(select(Participant).join(Name).where(Name.name == "Ada"))
        caller = services.Caller(ada.session_id, ada.id)

    results = all_at_once(8, lambda i: services.finish_turn(caller, None))

    assert sum(isinstance(r, Changes) for r in results) == 1
    assert results.count("not_speaker") == 7
    with app.app_context():
        assert len(db.session.scalars(select(Turn)).all()) == 1


def test_a_finish_racing_the_ticker_advances_the_turn_exactly_once(app, started, all_at_once):
    started.tick(5)
    started.tick(60)  # grace: both the speaker and the ticker may end it
    started.clock.advance(10)
    with app.app_context():
        ada = db.session.scalar(select(Participant).join(Name).where(Name.name == "Ada"))
        caller = services.Caller(ada.session_id, ada.id)

    def work(i: int):
        if i % 2:
            return services.tick_due(started.clock.now)
        return services.finish_turn(caller, None)

    all_at_once(6, work)

    with app.app_context():
        turns = db.session.scalars(select(Turn)).all()
        room = engine.from_dict(db.session.scalars(select(Room)).one().state)
    assert len(turns) == 1 and len(room.outcomes) == 1
    assert room.phase == engine.Phase.SILENCE and room.current == started.ids["Ben"]
