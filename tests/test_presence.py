"""Coming and going: reloads, dropped networks, latecomers, full rooms and forged secrets."""

from __future__ import annotations

from sqlalchemy import select

from listening import services
from listening.extensions import db, socketio
from listening.models import Name, Participant, Room
from listening.realtime.publish import publish


def test_a_reload_returns_to_the_same_room_place_and_time(started):
    started.tick(5)
    before = started.room("Ben")
    started.sockets["Ben"].disconnect()
    started.clock.advance(20)
    started.connect("Ben")
    after = started.room("Ben")
    assert after["number"] == before["number"] and after["queue"] == before["queue"]
    assert after["deadline"] == before["deadline"], "the same deadline, so the same time left"
    assert started.speaker("Ben") == "Ada"


def test_a_speaker_who_is_away_is_waited_for_then_passed_over(started):
    started.sockets["Ada"].disconnect()
    started.tick(5)
    room = started.room("Ben")
    assert room["phase"] == "waiting" and started.name_of(room["current"]) == "Ada"
    started.tick(10)
    room = started.room("Ben")
    assert room["outcomes"] == [{"id": started.ids["Ada"], "outcome": "away"}]
    assert started.name_of(room["current"]) == "Ben"


def test_someone_passed_over_who_comes_back_speaks_at_the_end_of_the_round(started):
    started.sockets["Ada"].disconnect()
    started.tick(5)
    started.tick(10)
    started.connect("Ada")
    room = started.room("Ada")
    assert [started.name_of(i) for i in room["queue"]] == ["Ben", "Cleo", "Dev", "Ada"]
    assert room["outcomes"] == []


def test_a_speaker_being_waited_for_gets_the_floor_the_moment_they_return(started):
    started.sockets["Ada"].disconnect()
    started.tick(5)
    started.tick(3)
    started.connect("Ada")
    assert started.speaker("Ada") == "Ada"
    assert started.room("Ada")["deadline"] == started.clock.now + 60


def test_two_screens_for_one_person_keep_them_present_until_both_go(started):
    started.sockets["Ada 2"] = socketio.test_client(
        started.app, auth={"session": started.code, "token": started.tokens["Ada"]}
    )
    started.sockets["Ada"].disconnect()
    started.tick(5)
    assert started.speaker("Ben") == "Ada"


def test_the_lobby_shows_who_has_arrived_and_who_is_connected(world):
    world.create()
    world.host()
    world.join("Ada")
    world.join("Ben", connect=False)
    people = {p["name"]: p["present"] for p in world.console()["people"]}
    assert people == {"Ada": True, "Ben": False}


def test_a_latecomer_joins_the_room_with_most_space_and_speaks_at_the_end_of_the_round(
    world,
):
    world.create()
    world.host()
    for name in ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9"]:
        world.join(name)
    world.send("host", "start")
    rooms = world.console()["rooms"]
    assert [len(r["members"]) for r in rooms] == [5, 4]
    world.join("Late")
    late = world.room("Late")
    assert late["number"] == 2
    assert world.name_of(late["queue"][-1]) == "Late"
    assert {p["name"]: p["room"] for p in world.console()["people"]}["Late"] == 2


def test_rooms_are_balanced_and_never_exceed_the_cap(app, world):
    app.config["ROOM_CAP"] = 8
    world.create()
    world.host()
    for n in range(13):
        world.join(f"P{n}", connect=False)
    world.send("host", "start")
    assert [len(r["members"]) for r in world.console()["rooms"]] == [7, 6]


def test_when_every_room_is_full_a_latecomer_opens_a_new_room_that_starts_with_a_second(
    rooms_of_two,
):
    world = rooms_of_two
    world.join("E")
    room = world.room("E")
    assert room["number"] == 3 and room["phase"] == "gathering"
    world.join("F")
    assert world.room("E")["phase"] == "silence"
    assert sorted(len(r["members"]) for r in world.console()["rooms"]) == [2, 2, 2]


def test_a_forged_host_key_or_unknown_token_cannot_connect(world):
    world.create()
    bad = [
        {"session": world.code, "host_key": "guess"},
        {"session": world.code, "host_key": 12345},
        {"session": world.code, "token": "not-a-token"},
        {"session": "nope", "host_key": world.host_key},
        {"session": world.code},
        {"token": "x"},
        "just a string",
        None,
    ]
    for auth in bad:
        client = socketio.test_client(world.app, auth=auth)
        assert not client.is_connected(), auth


def test_a_host_key_from_one_session_does_not_open_another(world):
    world.create()
    other_key = world.host_key
    world.create()
    client = socketio.test_client(world.app, auth={"session": world.code, "host_key": other_key})
    assert not client.is_connected()


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


def test_presence_racing_start_never_leaves_a_connected_person_marked_absent(
    app, world, all_at_once
):
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

    all_at_once(17, work)
    with app.app_context():
        present = {p.public_id: p.present for p in db.session.scalars(select(Participant))}
        for room in db.session.scalars(select(Room)):
            for member in room.state["members"]:
                assert member["present"] == present[member["id"]], member


def _id_of(name: str) -> int:
    return db.session.scalar(select(Name.participant_id).where(Name.name == name))


def test_a_whole_room_dropping_at_once_is_one_change_to_the_room(started):
    before = started.room("Ada")
    with started.db():
        publish(services.set_absent([_id_of(n) for n in ("Ada", "Ben", "Cleo")]))
    started.read("Dev")
    after = started.room("Dev")
    assert after["version"] == before["version"] + 1, "one write for three people leaving"
    away = {started.name_of(m["id"]) for m in after["members"] if not m["present"]}
    assert away == {"Ada", "Ben", "Cleo"}
    assert started.lobby("Dev")["here"]["connected"] == 1


def test_someone_whose_screen_comes_back_before_the_batch_stays_present(started):
    from listening.web.events import Connections, _mark_away

    with started.app.test_request_context():
        ada = _id_of("Ada")
        back = Connections(leaving={ada})
        back.screens[ada] = 1  # a new screen connected before the batch ran
        _mark_away(back, pause=False)
        assert db.session.get(Participant, ada).present is True
        assert back.leaving == set()
