"""Cases a hostile or unlucky client found: each must get a clear answer and lose nothing."""

from __future__ import annotations

from sqlalchemy import select, update

from listening import engine, services
from listening.extensions import db, socketio
from listening.models import Participant, Room, Session

from .test_concurrency import _all_at_once


def test_someone_not_connected_at_start_is_waited_for_not_given_the_floor(world):
    world.create(silence_seconds=0)
    world.host()
    world.join("Ann", connect=False)
    world.join("Bob")
    world.join("Cat")
    world.send("host", "start")
    room = world.room("Bob")
    assert room["phase"] == "waiting" and world.name_of(room["current"]) == "Ann"


def test_a_latecomer_is_present_only_once_their_screen_connects(world):
    world.create()
    world.host()
    world.join("Ann")
    world.join("Bob")
    world.send("host", "start")
    world.join("Late", connect=False)
    members = {m["name"]: m["present"] for m in world.console()["rooms"][0]["members"]}
    assert members["Late"] is False
    world.connect("Late")
    members = {m["name"]: m["present"] for m in world.room("Late")["members"]}
    assert members["Late"] is True


def test_presence_racing_start_never_leaves_a_connected_person_marked_absent(app, world):
    world.create()
    world.host()
    for n in range(16):
        world.join(f"P{n}", connect=False)
    with app.app_context():
        people = db.session.scalars(select(Participant)).all()
        ids = [p.id for p in people]
        host = services.Caller(people[0].session_id, is_host=True)

    def work(i: int):
        return services.start(host) if i == 0 else services.set_present(ids[i - 1], True)

    _all_at_once(app, 17, work)
    with app.app_context():
        present = {p.public_id: p.present for p in db.session.scalars(select(Participant))}
        for room in db.session.scalars(select(Room)):
            for member in room.state["members"]:
                assert member["present"] == present[member["id"]], member


def test_ending_while_people_join_leaves_no_room_running(app, world):
    world.create()
    world.host()
    world.join("Ann")
    world.join("Bob")
    world.send("host", "start")
    with app.app_context():
        host = services.Caller(db.session.scalar(select(Session.id)), is_host=True)

    def work(i: int):
        return services.end_session(host) if i == 0 else services.join(world.code, f"L{i}")

    results = _all_at_once(app, 25, work)
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
        assert db.session.scalar(select(Session.status)) == "ended"
        assert db.session.scalar(select(Participant.name)) is None


def test_a_session_has_a_limit_on_how_many_people_join(app, world):
    app.config["MAX_PEOPLE"] = 3
    world.create()
    for name in ("A", "B", "C"):
        world.join(name, connect=False)
    reply = world.http.post(f"/api/sessions/{world.code}/join", json={"name": "D"})
    assert reply.status_code == 409 and reply.json["error"] == "full"


def test_secrets_that_are_not_plain_text_are_refused_not_half_connected(world):
    world.create()
    for auth in (
        {"session": world.code, "host_key": "\ud800"},
        {"session": "\ud800"},
        {"session": world.code, "token": "\udfff"},
        {"session": world.code, "host_key": "é" * 24},
    ):
        assert not socketio.test_client(world.app, auth=auth).is_connected()


def test_absurd_numbers_get_a_clear_answer(started, client):
    assert started.send("host", "pause", {"room": 2**70})["error"] == "unknown_room"
    assert started.send("host", "pause", {"room": -1})["error"] == "unknown_room"
    reply = started.http.post("/api/sessions", json={"title": "x", "turn_seconds": 10**400})
    assert reply.status_code == 400 and "turn_seconds" in reply.json["fields"]
    form = started.http.post("/sessions", data={"title": "x", "turn_seconds": "9" * 400})
    assert form.status_code == 400 and "Choose a whole number" in form.get_data(as_text=True)


def test_names_with_joiners_are_welcome_and_names_differing_by_case_are_numbered(world):
    world.create()
    joined = [
        world.join(name, connect=False)["participant"]["name"]
        for name in ("مهر\u200cانگیز", "👩\u200d👩\u200d👧", "Sam", "sam")
    ]
    assert joined == ["مهر\u200cانگیز", "👩\u200d👩\u200d👧", "Sam", "sam 2"]


def test_after_the_end_moves_say_the_session_has_ended(started):
    started.tick(5)
    started.send("host", "end")
    assert started.send("Ada", "finish")["error"] == "ended"
    assert started.send("host", "start")["error"] == "ended"
    assert started.send("host", "pause", {"room": 1})["error"] == "ended"


def test_one_broken_room_does_not_stop_the_others(app, world):
    app.config["ROOM_CAP"] = 2
    world.create()
    world.host()
    for name in ("A", "B", "C", "D"):
        world.join(name)
    world.send("host", "start")
    with app.app_context():
        db.session.execute(update(Room).where(Room.number == 1).values(state={"broken": True}))
        db.session.commit()
    world.tick(5)
    assert world.room("C")["phase"] == "speaking"
    with app.app_context():
        good = db.session.scalar(select(Room).where(Room.number == 2))
        assert engine.from_dict(good.state).speaker is not None
