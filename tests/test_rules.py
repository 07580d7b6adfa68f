"""The format's rules, enforced by the server whatever a client sends (listen, don't fix)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from listening.extensions import db, socketio
from listening.models import Turn

pytestmark = pytest.mark.both_stores


def test_the_first_speaker_is_told_they_are_next_then_gets_the_floor(started):
    room = started.room("Ada")
    assert room["phase"] == "silence" and started.name_of(room["current"]) == "Ada"
    started.tick(5)
    assert started.speaker("Ben") == "Ada"
    assert started.room("Ben")["deadline"] == started.clock.now + 60


def test_a_listener_cannot_finish_or_pass_the_speakers_turn(started):
    started.tick(5)
    for move in ("finish", "pass"):
        reply = started.send("Ben", move)
        assert reply == {
            "ok": False,
            "error": "not_speaker",
            "message": "Only the person speaking can finish or pass their turn.",
        }
    assert started.speaker() == "Ada"


def test_the_host_alone_may_start_pause_resume_extend_skip_and_end(world):
    world.create()
    world.host()
    world.join("Ada")
    world.join("Ben")
    for event, payload in [
        ("start", {}),
        ("pause", {"room": 1}),
        ("resume", {"room": 1}),
        ("extend", {"room": 1}),
        ("skip", {"room": 1, "member": world.ids["Ada"], "step": 0}),
        ("end", {}),
    ]:
        reply = world.send("Ada", event, payload)
        assert reply["ok"] is False and reply["error"] == "not_host", event
    assert world.lobby("Ada")["session"]["status"] == "lobby"


def test_finishing_twice_moves_the_turn_on_once(started):
    started.tick(5)
    assert started.send("Ada", "finish")["ok"]
    second = started.send("Ada", "finish")
    assert second["error"] == "not_speaker"
    room = started.room("Ben")
    assert room["outcomes"] == [{"id": started.ids["Ada"], "outcome": "spoke"}]
    assert started.name_of(room["current"]) == "Ben" and room["phase"] == "silence"


def test_a_finish_racing_the_timer_moves_the_turn_on_once(started):
    started.tick(5)
    started.clock.advance(60 + 10)  # the grace has run out too: the ticker is due
    assert started.send("Ada", "finish")["ok"]
    started.tick(0)
    room = started.room("Ben")
    assert [o["id"] for o in room["outcomes"]] == [started.ids["Ada"]]
    with started.db():
        assert len(db.session.scalars(select(Turn)).all()) == 1


def test_at_zero_the_speaker_gets_a_grace_then_the_turn_moves_on(started):
    started.tick(5)
    started.tick(60)
    room = started.room("Ada")
    assert room["phase"] == "grace" and started.name_of(room["current"]) == "Ada"
    assert started.send("Ada", "finish")["ok"], "the speaker may still finish in the grace"
    started.tick(5)
    assert started.speaker() == "Ben"
    started.tick(60)
    started.tick(10)
    assert started.room("Ada")["phase"] == "silence"
    assert started.name_of(started.room("Ada")["current"]) == "Cleo"


def test_passing_is_allowed_and_shows_as_passed(started):
    started.tick(5)
    assert started.send("Ada", "pass")["ok"]
    assert started.room("Dev")["outcomes"] == [{"id": started.ids["Ada"], "outcome": "passed"}]


def test_pause_freezes_the_clock_and_nobody_can_finish_until_resumed(started):
    started.tick(5)
    started.tick(20)
    assert started.send("host", "pause", {"room": 1})["ok"]
    started.tick(600)
    room = started.room("Ben")
    assert room["paused"] and room["paused_left"] == 40 and room["deadline"] is None
    assert started.send("Ada", "finish")["error"] == "paused"
    assert started.send("host", "resume", {"room": 1})["ok"]
    assert started.room("Ben")["deadline"] == started.clock.now + 40
    assert started.speaker() == "Ada"


def test_extend_gives_thirty_seconds_more(started):
    started.tick(5)
    deadline = started.room("Ada")["deadline"]
    assert started.send("host", "extend", {"room": 1})["ok"]
    assert started.room("Ada")["deadline"] == deadline + 30


def test_skip_names_who_it_skips_so_a_second_click_skips_nobody_else(started):
    started.tick(5)
    ada, step = started.ids["Ada"], started.room("Ada")["step"]
    assert started.send("host", "skip", {"room": 1, "member": ada, "step": step})["ok"]
    again = started.send("host", "skip", {"room": 1, "member": ada, "step": step})
    assert again["error"] == "stale"
    room = started.room("Ben")
    assert room["outcomes"] == [{"id": ada, "outcome": "skipped"}]
    assert started.name_of(room["current"]) == "Ben"


def test_end_closes_every_room_and_everyone_sees_the_closing_screen(started):
    started.tick(5)
    assert started.send("host", "end")["ok"]
    for name in ("Ada", "Ben", "Cleo", "Dev"):
        assert started.room(name)["phase"] == "closed"
    assert started.lobby("Ben")["session"]["status"] == "ended"
    assert started.send("host", "end")["error"] == "ended"


def test_the_order_rotates_so_someone_different_opens_each_round(started):
    openers = []
    for _ in range(2):
        room = started.room("Ada")
        openers.append(started.name_of(room["current"]))
        for _ in range(4):
            started.tick(5)
            assert started.send(started.speaker(), "finish")["ok"]
    assert openers == ["Ada", "Ben"]
    assert started.room("Ada")["phase"] == "closed"


def test_a_whole_session_gives_everyone_one_turn_a_round_and_ends(started):
    spoken = []
    while started.room("Ada")["phase"] != "closed":
        started.tick(5)
        started.tick(60)
        started.tick(10)
        spoken.append(started.room("Ada")["outcomes"][-1:])
    with started.db():
        turns = db.session.scalars(select(Turn)).all()
    assert len(turns) == 8
    assert sorted((t.round, t.participant_id) for t in turns) == sorted(
        (r, p) for r in (1, 2) for p in range(1, 5)
    )
    assert all(t.outcome == "spoke" and t.began_at < t.ended_at for t in turns)
    assert started.lobby("Ada")["session"]["status"] == "ended"


def test_malformed_events_get_a_clear_refusal_and_change_nothing(started):
    started.tick(5)
    before = started.room("Ada")
    cases = [
        ("host", "pause", "room one"),
        ("host", "pause", ["room", 1]),
        ("host", "pause", {"room": "1"}),
        ("host", "pause", {"room": True}),
        ("host", "pause", {"room": 99}),
        ("host", "skip", {"room": 1}),
        ("host", "skip", {"room": 1, "member": {"id": "x"}, "step": 0}),
        ("host", "skip", {"room": 1, "member": "p" + "0" * 10_000, "step": 0}),
        ("Ada", "finish", 12),
    ]
    errors = [started.send(who, event, payload)["error"] for who, event, payload in cases]
    assert errors == ["bad_request"] * 4 + ["unknown_room", "bad_request", "bad_request"] + [
        "stale",
        "bad_request",
    ]
    assert started.room("Ada") == before


def test_start_needs_two_people_and_happens_once(world):
    world.create()
    world.host()
    world.join("Ada")
    assert world.send("host", "start")["error"] == "too_few"
    world.join("Ben")
    assert world.send("host", "start")["ok"]
    assert world.send("host", "start")["error"] == "started"


def test_a_host_who_takes_part_has_both_views_and_speaks_like_anyone_else(world):
    world.create(silence_seconds=5)
    world.host()
    world.join("Hana", connect=False)
    world.join("Ben")
    auth = {"session": world.code, "host_key": world.host_key, "token": world.tokens["Hana"]}
    world.sockets["Hana"] = socketio.test_client(world.app, auth=auth)
    assert world.send("Hana", "start")["ok"]
    world.tick(5)
    assert world.speaker("Hana") == "Hana"
    assert world.send("Hana", "extend", {"room": 1})["ok"]
    assert world.send("Hana", "finish")["ok"]
    assert [r["number"] for r in world.console()["rooms"]] == [1]
    assert world.room("Ben")["outcomes"][0]["id"] == world.ids["Hana"]


def test_events_the_protocol_does_not_have_change_nothing(started):
    started.tick(5)
    before = started.room("Ben")
    for event in ("chat", "react", "raise_hand", "reply"):
        started.sockets["Ben"].emit(event, {"text": "I know how you feel"})
    assert started.room("Ben") == before
    assert started.send("Ben", "clock")["ok"]


def test_a_late_second_finish_naming_an_old_step_cannot_end_the_next_turn(world):
    world.create(silence_seconds=0)
    world.host()
    world.join("Ada")
    world.join("Ben")
    world.send("host", "start")
    assert world.send("Ada", "finish", {"step": world.room("Ada")["step"]})["ok"]
    seen = world.room("Ben")["step"]
    assert world.send("Ben", "finish", {"step": seen})["ok"]
    assert world.speaker("Ben") == "Ben", "Ben closes round 1 and opens round 2"
    late = world.send("Ben", "finish", {"step": seen})
    assert late["ok"], "the echo of a press already taken is not an error to show"
    assert world.speaker("Ben") == "Ben" and world.room("Ben")["round"] == 2
    assert world.send("Ben", "finish", {"step": "one"})["error"] == "bad_request"


def test_a_press_made_in_time_that_reaches_the_server_after_the_turn_ended_is_not_refused(
    started,
):
    started.tick(5)
    seen = started.room("Ada")["step"]  # Ada presses "I've finished" with 1 s to go ...
    started.tick(60)
    started.tick(10)  # ... and the server, busy, reaches it after her time and grace ran out
    assert started.room("Ben")["current"] == started.ids["Ben"]
    assert started.send("Ada", "finish", {"step": seen}) == {"ok": True}
    assert started.room("Ben")["current"] == started.ids["Ben"], "and Ben's turn is untouched"
