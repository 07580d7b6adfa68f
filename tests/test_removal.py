"""The host can take someone out: they cannot come back with their link, their name goes at
once, the room moves on without them, and nobody but the host is told."""

from __future__ import annotations

from sqlalchemy import select

from listening.extensions import db, socketio
from listening.models import Name


def test_the_host_removes_a_speaker_and_the_room_moves_on_as_if_they_had_left(started):
    started.tick(5)
    assert started.speaker("Ben") == "Ada"
    assert started.send("host", "remove", {"member": started.ids["Ada"]})["ok"]
    room = started.room("Ben")
    assert started.ids["Ada"] not in [m["id"] for m in room["members"]]
    assert room["phase"] == "silence" and started.name_of(room["current"]) == "Ben"
    assert room["outcomes"] == [], "the room is not told why"
    assert "Ada" not in [p["name"] for p in started.console()["people"]]
    assert not started.sockets["Ada"].is_connected(), "their screen is let go"


def test_someone_removed_cannot_come_back_with_their_link(started):
    started.send("host", "remove", {"member": started.ids["Dev"]})
    auth = {"session": started.code, "token": started.tokens["Dev"]}
    assert not socketio.test_client(started.app, auth=auth).is_connected()


def test_a_removed_name_is_erased_at_once_and_frees_a_place(app, world):
    app.config["MAX_PEOPLE"] = 2
    world.create()
    world.host()
    world.join("Ada")
    world.join("Troll")
    full = world.http.post(f"/api/sessions/{world.code}/join", json={"name": "Ben"})
    assert full.status_code == 409
    assert world.send("host", "remove", {"member": world.ids["Troll"]})["ok"]
    with app.app_context():
        names = db.session.scalars(select(Name.name)).all()
    assert names == ["Ada"], "the removed name is erased at once"
    assert world.lobby("Ada")["here"] == {"joined": 1, "connected": 1, "sound_ready": 0}
    assert world.join("Ben")["participant"]["name"] == "Ben"


def test_only_the_host_can_remove_and_must_say_who(started):
    assert started.send("Ben", "remove", {"member": started.ids["Ada"]})["error"] == "not_host"
    assert started.send("host", "remove", {"member": 7})["error"] == "bad_request"
    assert started.send("host", "remove", {"member": "p-nobody"})["error"] == "stale"
    started.send("host", "remove", {"member": started.ids["Cleo"]})
    again = started.send("host", "remove", {"member": started.ids["Cleo"]})
    assert again["error"] == "stale"


def test_someone_removed_in_the_lobby_is_not_put_in_a_room_and_does_not_count(world):
    world.create()
    world.host()
    for name in ("Ada", "Ben", "Cleo"):
        world.join(name)
    world.send("host", "remove", {"member": world.ids["Cleo"]})
    assert world.console()["rooms_plan"] == [2]
    assert world.send("host", "start")["ok"]
    assert [m["id"] for m in world.room("Ada")["members"]] == [world.ids["Ada"], world.ids["Ben"]]
    alone = world.send("host", "remove", {"member": world.ids["Ben"]})
    assert alone["ok"]


def test_a_lone_person_left_after_removals_cannot_be_started(world):
    world.create()
    world.host()
    world.join("Ada")
    world.join("Ben")
    world.send("host", "remove", {"member": world.ids["Ben"]})
    assert world.send("host", "start")["error"] == "too_few"


def test_someone_who_leaves_is_not_waited_for_and_the_host_is_told_once(started):
    started.tick(5)
    assert started.speaker() == "Ada"
    started.read("host")
    assert started.send("Ben", "leave") == {"ok": True}
    told = [e["args"][0] for e in started.sockets["host"].get_received() if e["name"] == "left"]
    assert told == [{"name": "Ben"}]
    assert started.send("Ada", "finish")["ok"]
    started.tick(5)  # the silence, then the next: Cleo, not Ben
    assert started.speaker("Ada") == "Cleo"
    members = [m["id"] for m in started.room("Ada")["members"]]
    assert started.ids["Ben"] not in members
    assert started.send("Ben", "finish")["ok"] is False
    assert started.lobby("Ada")["here"]["joined"] == 3


def test_the_host_cannot_leave_as_a_participant_they_are_not(started):
    assert started.send("host", "leave")["error"] == "not_participant"


def test_someone_who_left_still_counts_as_having_taken_part_and_a_removed_one_does_not(
    app, started
):
    from sqlalchemy import select

    from listening.extensions import db
    from listening.models import SessionCount

    started.send("Ben", "leave")
    started.send("host", "remove", {"member": started.ids["Cleo"]})
    started.send("host", "end")
    with app.app_context():
        count = db.session.scalar(select(SessionCount))
        assert (count.people, count.took_part) == (3, 3), "Ada, Ben (left) and Dev"
