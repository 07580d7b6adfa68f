"""The listening format, rule by rule, as the engine enforces it.

Every test uses explicit times from a fixed ``NOW``: the engine never reads a clock, so neither
do these tests.  Default settings: a 2:00 turn, 3 rounds, 5 s of silence, 15 s of grace, and a
10 s wait for someone who is not connected.
"""

from __future__ import annotations

import json

import pytest

from listening.engine import (
    CATCH_UP_SLACK,
    Member,
    Outcome,
    Phase,
    Refused,
    Room,
    RoomClosed,
    RoundBegan,
    Settings,
    TurnBegan,
    TurnEnded,
    close,
    due,
    extend,
    finish,
    from_dict,
    group,
    join,
    open_room,
    pass_turn,
    pause,
    remove,
    resume,
    room_sizes,
    set_presence,
    skip,
    tick,
    to_dict,
)

NOW = 1_000_000.0
SETTINGS = Settings()
SILENCE = SETTINGS.silence_seconds
TURN = SETTINGS.turn_seconds
GRACE = SETTINGS.grace_seconds
AWAY_WAIT = SETTINGS.away_wait_seconds


def opened(ids: str = "abc", settings: Settings = SETTINGS, now: float = NOW) -> Room:
    """Return a room just opened at ``now`` with one member per letter of ``ids``."""
    room, _ = open_room(list(ids), settings, now)
    return room


def speaking(ids: str = "abc") -> Room:
    """Return a room whose first member has just been given the floor at NOW + SILENCE."""
    room, _ = tick(opened(ids), NOW + SILENCE)
    assert room.speaker == ids[0]
    return room


def refused(code: str, move, *args) -> Refused:
    """Assert that the move is refused with this code, and return the refusal."""
    with pytest.raises(Refused) as caught:
        move(*args)
    assert caught.value.code == code, caught.value
    assert caught.value.message
    return caught.value


def speakers(effects: list) -> list[str]:
    return [e.member for e in effects if isinstance(e, TurnBegan)]


def run_with_finishes(room: Room, now: float) -> tuple[Room, list, float]:
    """Let each speaker finish as soon as they have the floor until the room closes."""
    effects = []
    for _ in range(200):
        if room.phase == Phase.CLOSED:
            break
        if room.speaker is not None:
            room, more = finish(room, room.speaker, now)
        else:
            now = room.deadline
            room, more = tick(room, now)
        effects += more
    assert room.phase == Phase.CLOSED
    return room, effects, now


# Opening a room and giving the floor.


def test_a_room_of_two_or_more_opens_round_one_in_silence():
    room, effects = open_room(["a", "b", "c"], SETTINGS, NOW)
    assert room.phase == Phase.SILENCE
    assert room.round == 1
    assert room.queue == ("a", "b", "c")
    assert room.current == "a"  # told they are next
    assert room.speaker is None  # but nobody has the floor yet
    assert room.deadline == NOW + SILENCE
    assert effects == [RoundBegan(1, NOW)]


def test_the_first_speaker_gets_the_floor_after_the_silence():
    room = opened()
    early, effects = tick(room, NOW + SILENCE - 0.1)
    assert (early, effects) == (room, [])
    assert not due(room, NOW + SILENCE - 0.1)
    assert due(room, NOW + SILENCE)

    room, effects = tick(room, NOW + SILENCE)
    assert room.phase == Phase.SPEAKING
    assert room.speaker == "a"
    assert room.turn == 1
    assert room.turn_began == NOW + SILENCE
    assert room.deadline == NOW + SILENCE + TURN
    assert effects == [TurnBegan("a", 1, NOW + SILENCE)]


def test_with_no_silence_the_first_speaker_has_the_floor_at_once():
    room, effects = open_room(["a", "b"], Settings(silence_seconds=0), NOW)
    assert room.speaker == "a"
    assert effects == [RoundBegan(1, NOW), TurnBegan("a", 1, NOW)]


def test_with_no_silence_a_gathering_room_gives_the_floor_when_a_second_person_joins():
    room, _ = open_room(["a"], Settings(silence_seconds=0), NOW)
    room, effects = join(room, "b", NOW + 10)
    assert room.speaker == "a"
    assert effects == [RoundBegan(1, NOW + 10), TurnBegan("a", 1, NOW + 10)]


def test_with_no_silence_each_turn_follows_the_last_at_once():
    room = opened("abc", Settings(silence_seconds=0))
    room, effects = finish(room, "a", NOW + 30)
    assert room.speaker == "b"
    assert room.deadline == NOW + 30 + TURN
    assert effects == [
        TurnEnded("a", 1, Outcome.SPOKE, NOW + 30, NOW),
        TurnBegan("b", 1, NOW + 30),
    ]


def test_with_no_silence_someone_already_away_is_passed_over_with_no_turn_recorded():
    # a has the floor; b was passed over in an earlier round and is still away.
    room = Room(
        settings=Settings(silence_seconds=0),
        members=(Member("a"), Member("b", present=False, away=True), Member("c")),
        phase=Phase.SPEAKING,
        round=2,
        queue=("a", "b", "c"),
        turn=4,
        deadline=NOW + TURN,
        turn_began=NOW,
    )
    room, effects = finish(room, "a", NOW + 30)
    assert effects == [
        TurnEnded("a", 2, Outcome.SPOKE, NOW + 30, NOW),
        TurnEnded("b", 2, Outcome.AWAY, NOW + 30, None),  # b never had the floor
        TurnBegan("c", 2, NOW + 30),
    ]
    assert room.speaker == "c"


# Only the speaker finishes or passes their own turn.


def test_the_speaker_can_finish_early_and_the_next_person_is_told_they_are_next():
    room = speaking()
    room, effects = finish(room, "a", NOW + 60)
    assert room.phase == Phase.SILENCE
    assert room.speaker is None
    assert room.current == "b"
    assert room.queue == ("b", "c")
    assert room.outcomes == (("a", Outcome.SPOKE),)
    assert room.deadline == NOW + 60 + SILENCE
    assert effects == [TurnEnded("a", 1, Outcome.SPOKE, NOW + 60, NOW + SILENCE)]


def test_the_speaker_can_pass():
    room = speaking()
    room, effects = pass_turn(room, "a", NOW + 6)
    assert room.outcomes == (("a", Outcome.PASSED),)
    assert room.current == "b"
    assert effects == [TurnEnded("a", 1, Outcome.PASSED, NOW + 6, NOW + SILENCE)]


def test_only_the_speaker_can_finish_their_turn():
    room = speaking()
    refused("not_speaker", finish, room, "b", NOW + 10)
    refused("not_speaker", finish, room, "nobody", NOW + 10)


def test_a_listener_cannot_pass_someone_elses_turn():
    room = speaking()
    refused("not_speaker", pass_turn, room, "c", NOW + 10)


def test_the_next_speaker_cannot_finish_or_pass_during_the_silence():
    room = opened()
    refused("not_speaker", finish, room, "a", NOW + 1)
    refused("not_speaker", pass_turn, room, "a", NOW + 1)


def test_finish_twice_advances_once():
    room = speaking()
    once, _ = finish(room, "a", NOW + 30)
    refused("not_speaker", finish, once, "a", NOW + 30.2)
    assert once.queue == ("b", "c")
    assert once.outcomes == (("a", Outcome.SPOKE),)


def test_nobody_can_finish_in_a_gathering_or_closed_room():
    refused("not_speaker", finish, opened("a"), "a", NOW)
    closed_room, _ = close(speaking(), NOW + 10)
    refused("not_speaker", finish, closed_room, "a", NOW + 11)


# The clock: 0:00, grace, and moving on.


def test_at_zero_the_turn_goes_to_grace_then_moves_on():
    room = speaking()
    end = NOW + SILENCE + TURN
    room, effects = tick(room, end)
    assert room.phase == Phase.GRACE
    assert room.speaker == "a"  # still their floor
    assert room.deadline == end + GRACE
    assert effects == []

    room, effects = tick(room, end + GRACE)
    assert room.phase == Phase.SILENCE
    assert room.current == "b"
    assert room.outcomes == (("a", Outcome.SPOKE),)
    assert effects == [TurnEnded("a", 1, Outcome.SPOKE, end + GRACE, NOW + SILENCE)]


def test_the_speaker_can_finish_during_grace():
    room, _ = tick(speaking(), NOW + SILENCE + TURN)
    room, effects = finish(room, "a", NOW + SILENCE + TURN + 3)
    assert room.current == "b"
    assert [type(e) for e in effects] == [TurnEnded]


def test_a_late_ticker_within_the_slack_keeps_the_exact_schedule():
    room = opened()
    late = NOW + SILENCE + CATCH_UP_SLACK / 2
    room, effects = tick(room, late)
    assert effects == [TurnBegan("a", 1, NOW + SILENCE)]
    assert room.deadline == NOW + SILENCE + TURN


def test_one_tick_applies_every_transition_that_is_due():
    # With no grace, the end of the turn, the silence and the next turn follow in one tick.
    settings = Settings(silence_seconds=1, grace_seconds=0, turn_seconds=60)
    room, _ = tick(opened("ab", settings), NOW + 1)
    room, effects = tick(room, NOW + 1 + 60 + 1)
    assert room.speaker == "b"
    assert effects == [
        TurnEnded("a", 1, Outcome.SPOKE, NOW + 61, NOW + 1),
        TurnBegan("b", 1, NOW + 62),
    ]


def test_a_tick_after_a_long_outage_starts_the_next_phase_from_now():
    """Nobody's turn is swallowed: after an hour away, the next speaker gets a full turn."""
    outage_over = NOW + 3600
    room, effects = tick(opened(), outage_over)
    assert room.speaker == "a"
    assert effects == [TurnBegan("a", 1, pytest.approx(outage_over, abs=CATCH_UP_SLACK))]
    assert room.deadline >= outage_over + TURN - CATCH_UP_SLACK
    assert room.queue == ("a", "b", "c")  # only one transition, not an hour's worth


def test_a_tick_after_a_long_outage_mid_turn_still_gives_the_speaker_their_grace():
    room = speaking()
    outage_over = NOW + 3600
    room, effects = tick(room, outage_over)
    assert room.phase == Phase.GRACE
    assert room.speaker == "a"
    assert effects == []
    assert room.deadline >= outage_over + GRACE - CATCH_UP_SLACK


# Rounds and the order of speaking.


def test_the_order_rotates_so_someone_different_opens_each_round():
    room, effects, _ = run_with_finishes(opened("abcd"), NOW)
    rounds = [e for e in effects if isinstance(e, RoundBegan)]
    assert [r.round for r in rounds] == [2, 3]
    assert speakers(effects) == list("abcd" + "bcda" + "cdab")


def test_the_room_closes_after_the_last_round():
    room, effects, now = run_with_finishes(opened("ab"), NOW)
    assert room.phase == Phase.CLOSED
    assert room.round == SETTINGS.rounds
    assert room.turn == 2 * SETTINGS.rounds
    assert room.deadline is None
    assert effects[-1] == RoomClosed(now)
    assert room.has_space is False
    refused("closed", join, room, "z", now)
    refused("closed", pause, room, now)
    assert tick(room, now + 10_000) == (room, [])


def test_a_room_of_default_settings_runs_for_the_expected_time_with_only_ticks():
    room = opened("abcdefgh")
    now, turns = NOW, []
    while room.phase != Phase.CLOSED:
        now = room.deadline
        room, effects = tick(room, now)
        turns += speakers(effects)
    assert len(turns) == 8 * 3
    assert now == NOW + 8 * 3 * (SILENCE + TURN + GRACE)


# Someone who is not connected when their turn comes.


def away_b() -> Room:
    """Return a room where b was not connected and has just been passed over."""
    room = speaking()
    room, _ = set_presence(room, "b", False, NOW + 20)
    room, _ = finish(room, "a", NOW + 30)
    room, effects = tick(room, NOW + 30 + SILENCE)
    assert room.phase == Phase.WAITING
    assert room.current == "b"
    assert room.speaker is None
    assert room.deadline == NOW + 30 + SILENCE + AWAY_WAIT
    assert effects == []
    room, effects = tick(room, NOW + 30 + SILENCE + AWAY_WAIT)
    assert effects == [TurnEnded("b", 1, Outcome.AWAY, NOW + 30 + SILENCE + AWAY_WAIT, None)]
    return room


def test_a_speaker_who_is_away_is_waited_for_then_passed_over():
    room = away_b()
    assert room.member("b") == Member("b", present=False, away=True)
    assert room.outcomes == (("a", Outcome.SPOKE), ("b", Outcome.AWAY))
    assert room.queue == ("c",)
    assert room.phase == Phase.SILENCE


def test_an_away_speaker_who_comes_back_speaks_at_the_end_of_the_round():
    room = away_b()
    room, effects = set_presence(room, "b", True, NOW + 50)
    assert effects == []
    assert room.member("b") == Member("b", present=True, away=False)
    assert room.queue == ("c", "b")
    assert room.outcomes == (("a", Outcome.SPOKE),)
    room, effects, _ = run_with_finishes(room, NOW + 50)
    assert speakers(effects)[:2] == ["c", "b"]


def test_a_waited_for_speaker_who_comes_back_in_time_starts_at_once():
    room = speaking()
    room, _ = set_presence(room, "b", False, NOW + 20)
    room, _ = finish(room, "a", NOW + 30)
    room, _ = tick(room, NOW + 30 + SILENCE)
    assert room.phase == Phase.WAITING
    room, effects = set_presence(room, "b", True, NOW + 40)
    assert room.speaker == "b"
    assert room.deadline == NOW + 40 + TURN
    assert effects == [TurnBegan("b", 1, NOW + 40)]


def test_someone_already_marked_away_is_passed_over_at_once():
    room = away_b()
    room, _ = tick(room, room.deadline)  # c speaks
    room, _ = finish(room, "c", room.deadline)
    # Round 2 opens with b, who is still away: no second wait.
    assert room.round == 2
    assert room.current == "b"
    room, effects = tick(room, room.deadline)
    assert effects == [TurnEnded("b", 2, Outcome.AWAY, effects[0].at, None)]
    assert room.phase == Phase.SILENCE
    assert room.current == "c"


def test_someone_who_dropped_mid_turn_is_waited_for_not_passed_over_next_round():
    room = speaking()
    room, _ = set_presence(room, "a", False, NOW + 20)  # drops mid-turn, never passed over
    for who in "abcbc":  # the host skips through to a's turn in round 2
        room, _ = skip(room, who, NOW + 30)
    assert (room.round, room.current) == (2, "a")
    room, effects = tick(room, room.deadline)
    assert room.phase == Phase.WAITING
    assert effects == []


def test_a_speaker_whose_connection_drops_keeps_the_floor():
    room = speaking()
    dropped, effects = set_presence(room, "a", False, NOW + 20)
    assert effects == []
    assert dropped.speaker == "a"
    assert dropped.deadline == room.deadline
    assert dropped.member("a") == Member("a", present=False, away=False)


def test_presence_that_does_not_change_changes_nothing():
    room = speaking()
    assert set_presence(room, "a", True, NOW + 10) == (room, [])
    assert set_presence(room, "stranger", False, NOW + 10) == (room, [])


# The host: pause, resume, extend, skip, close.


def test_pause_freezes_the_time_left_and_resume_restores_it():
    room = speaking()
    room, effects = pause(room, NOW + SILENCE + 20)
    assert effects == []
    assert room.paused
    assert room.paused_left == TURN - 20
    assert room.deadline is None
    assert tick(room, NOW + 10_000) == (room, [])

    room, effects = resume(room, NOW + 500)
    assert effects == []
    assert not room.paused
    assert room.paused_left is None
    assert room.deadline == NOW + 500 + TURN - 20
    assert room.speaker == "a"


def test_nobody_can_finish_or_pass_while_paused():
    room, _ = pause(speaking(), NOW + 10)
    refused("paused", finish, room, "a", NOW + 11)
    refused("paused", pass_turn, room, "a", NOW + 11)
    refused("not_speaker", finish, room, "b", NOW + 11)


def test_pause_and_resume_are_refused_when_they_make_no_sense():
    room = speaking()
    refused("not_paused", resume, room, NOW + 10)
    paused, _ = pause(room, NOW + 10)
    refused("paused", pause, paused, NOW + 11)
    refused("not_started", pause, opened("a"), NOW)
    refused("not_started", resume, opened("a"), NOW)


def test_pause_during_the_silence_holds_the_next_speaker():
    room, _ = pause(opened(), NOW + 2)
    assert room.paused_left == SILENCE - 2
    room, effects = resume(room, NOW + 100)
    assert room.deadline == NOW + 100 + SILENCE - 2
    assert effects == []


def test_resume_gives_the_floor_to_a_waited_for_speaker_who_came_back_while_paused():
    room = speaking()
    room, _ = set_presence(room, "b", False, NOW + 20)
    room, _ = finish(room, "a", NOW + 30)
    room, _ = tick(room, NOW + 30 + SILENCE)
    assert room.phase == Phase.WAITING
    room, _ = pause(room, NOW + 36)
    room, effects = set_presence(room, "b", True, NOW + 37)
    assert room.phase == Phase.WAITING  # held by the pause
    assert effects == []
    room, effects = resume(room, NOW + 60)
    assert room.speaker == "b"
    assert room.deadline == NOW + 60 + TURN
    assert effects == [TurnBegan("b", 1, NOW + 60)]


def test_extend_adds_time_to_the_turn():
    room = speaking()
    room, effects = extend(room, 30, NOW + 50)
    assert effects == []
    assert room.deadline == NOW + SILENCE + TURN + 30
    assert room.phase == Phase.SPEAKING


def test_extend_during_grace_returns_the_floor():
    room, _ = tick(speaking(), NOW + SILENCE + TURN)
    assert room.phase == Phase.GRACE
    room, _ = extend(room, 30, NOW + SILENCE + TURN + 4)
    assert room.phase == Phase.SPEAKING
    assert room.speaker == "a"
    assert room.deadline == NOW + SILENCE + TURN + 4 + 30


def test_extend_while_paused_adds_to_the_time_left():
    room, _ = pause(speaking(), NOW + SILENCE + 100)
    room, _ = extend(room, 30, NOW + 200)
    assert room.paused_left == TURN - 100 + 30
    assert room.deadline is None

    grace, _ = tick(speaking(), NOW + SILENCE + TURN)
    grace, _ = pause(grace, NOW + SILENCE + TURN + 5)
    grace, _ = extend(grace, 30, NOW + 1000)
    assert grace.phase == Phase.SPEAKING
    assert grace.paused_left == 30


def test_extend_is_refused_when_nobody_is_speaking():
    refused("no_turn", extend, opened(), 30, NOW + 1)
    refused("not_started", extend, opened("a"), 30, NOW + 1)


def test_skip_names_who_it_skips_so_a_second_click_skips_nobody_else():
    room = speaking()
    once, effects = skip(room, "a", NOW + 40)
    assert effects == [TurnEnded("a", 1, Outcome.SKIPPED, NOW + 40, NOW + SILENCE)]
    assert once.current == "b"
    refused("stale", skip, once, "a", NOW + 40.3)
    assert once.outcomes == (("a", Outcome.SKIPPED),)


def test_a_double_click_on_skip_does_not_skip_the_same_person_in_the_next_round():
    room = speaking("ab")
    room, _ = finish(room, "a", NOW + 30)
    room, _ = tick(room, NOW + 30 + SILENCE)  # b speaks last in round 1
    seen = room.step
    room, _ = skip(room, "b", NOW + 40, seen)
    assert (room.round, room.current) == (2, "b")  # and opens round 2
    refused("stale", skip, room, "b", NOW + 40.3, seen)


def test_with_no_silence_a_double_click_on_finish_does_not_end_the_next_turn_too():
    room = opened("ab", Settings(silence_seconds=0))
    room, _ = finish(room, "a", NOW + 30)  # b speaks last in round 1
    seen = room.step
    room, _ = finish(room, "b", NOW + 60, seen)
    assert (room.round, room.speaker) == (2, "b")  # and opens round 2 at once
    # The second click is taken as the late echo of the first: it changes nothing.
    assert finish(room, "b", NOW + 60.3, seen) == (room, [])


def test_skip_can_move_past_the_next_speaker_before_their_turn():
    room, effects = skip(opened(), "a", NOW + 1)
    assert effects == [TurnEnded("a", 1, Outcome.SKIPPED, NOW + 1, None)]
    assert room.current == "b"
    refused("stale", skip, room, "c", NOW + 2)


def test_skip_while_paused_stays_paused():
    room, _ = pause(speaking(), NOW + 20)
    room, _ = skip(room, "a", NOW + 30)
    assert room.paused
    assert room.current == "b"
    assert room.deadline is None
    assert room.paused_left == SILENCE


def test_close_ends_mid_turn_and_records_the_turn():
    room = speaking()
    room, effects = close(room, NOW + 50)
    assert room.phase == Phase.CLOSED
    assert room.speaker is None
    assert room.deadline is None
    assert effects == [
        TurnEnded("a", 1, Outcome.SPOKE, NOW + 50, NOW + SILENCE),
        RoomClosed(NOW + 50),
    ]
    assert close(room, NOW + 60) == (room, [])


def test_close_while_paused_or_gathering():
    room, _ = pause(speaking(), NOW + 20)
    room, effects = close(room, NOW + 30)
    assert room.phase == Phase.CLOSED
    assert not room.paused
    assert [type(e) for e in effects] == [TurnEnded, RoomClosed]

    room, effects = close(opened("a"), NOW)
    assert room.phase == Phase.CLOSED
    assert effects == [RoomClosed(NOW)]


def test_the_host_moves_are_refused_once_closed():
    room, _ = close(speaking(), NOW + 50)
    for move, args in [
        (pause, ()),
        (resume, ()),
        (extend, (30,)),
        (skip, ("b",)),
    ]:
        refused("closed", move, room, *args, NOW + 60)


# Latecomers, room size, and gathering rooms.


def test_a_latecomer_speaks_at_the_end_of_the_current_round():
    room = speaking()
    room, effects = join(room, "d", NOW + 30)
    assert effects == []
    assert room.queue == ("a", "b", "c", "d")
    assert room.member("d") == Member("d")
    assert room.speaker == "a"  # nobody is interrupted
    room, effects, _ = run_with_finishes(room, NOW + 30)
    assert speakers(effects) == list("bcd" + "bcda" + "cdab")  # a already had the floor


def test_joining_twice_changes_nothing():
    room = speaking()
    assert join(room, "a", NOW + 1) == (room, [])


def test_a_room_will_not_take_a_ninth_person():
    room = opened("abcdefgh")
    assert not room.has_space
    refused("full", join, room, "i", NOW + 1)
    refused("full", open_room, list("abcdefghi"), SETTINGS, NOW)


def test_a_gathering_room_starts_when_a_second_person_joins():
    room, effects = open_room(["a"], SETTINGS, NOW)
    assert room.phase == Phase.GATHERING
    assert room.round == 0
    assert room.current is None
    assert room.deadline is None
    assert effects == []
    assert tick(room, NOW + 10_000) == (room, [])

    room, effects = join(room, "b", NOW + 100)
    assert room.phase == Phase.SILENCE
    assert room.round == 1
    assert room.queue == ("a", "b")
    assert room.deadline == NOW + 100 + SILENCE
    assert effects == [RoundBegan(1, NOW + 100)]


# Grouping people into rooms.


@pytest.mark.parametrize(
    ("people", "sizes"),
    [(0, []), (1, [1]), (8, [8]), (9, [5, 4]), (13, [7, 6]), (16, [8, 8]), (17, [6, 6, 5])],
)
def test_room_sizes_are_balanced(people, sizes):
    assert room_sizes(people, 8) == sizes


@pytest.mark.parametrize("people", range(1, 60))
def test_room_sizes_never_exceed_the_cap_and_differ_by_at_most_one(people):
    sizes = room_sizes(people, 8)
    assert sum(sizes) == people
    assert max(sizes) <= 8
    assert max(sizes) - min(sizes) <= 1
    assert len(sizes) == -(-people // 8)


def test_group_places_people_in_the_order_they_arrived():
    ids = [f"p{i}" for i in range(13)]
    assert group(ids, 8) == [ids[:7], ids[7:]]


# Storage form.


def room_in_state(state: str) -> Room:
    """Return a room in one of the states it can be stored in."""
    talking = speaking()
    if state == "gathering":
        return opened("a")
    if state == "silence":
        return opened()
    if state == "speaking":
        return talking
    if state == "paused":
        return pause(talking, NOW + 20)[0]
    if state == "grace":
        return tick(talking, NOW + SILENCE + TURN)[0]
    if state == "away":
        return away_b()
    if state == "back":
        return set_presence(away_b(), "b", True, NOW + 60)[0]
    if state == "waiting":
        room, _ = set_presence(talking, "b", False, NOW + 20)
        room, _ = finish(room, "a", NOW + 30)
        return tick(room, NOW + 30 + SILENCE)[0]
    if state == "closed":
        return close(talking, NOW + 50)[0]
    assert state == "custom"
    return opened("ab", Settings(turn_seconds=90.5, rounds=1, silence_seconds=0, room_cap=4))


STATES = ["gathering", "silence", "speaking", "paused", "grace", "away", "back", "waiting"]


@pytest.mark.parametrize("state", [*STATES, "closed", "custom"])
def test_to_dict_from_dict_round_trips_through_json(state):
    room = room_in_state(state)
    data = to_dict(room)
    text = json.dumps(data)
    again = from_dict(json.loads(text))
    assert again == room
    assert to_dict(again) == data
    assert isinstance(data["phase"], str)
    assert all(isinstance(o, str) for _, o in data["outcomes"])


# The host removes someone.


def test_removing_the_speaker_moves_the_room_on_and_leaves_no_trace_of_them_in_it():
    room, effects = remove(speaking(), "a", NOW + SILENCE + 10)
    assert [m.id for m in room.members] == ["b", "c"]
    assert room.phase == Phase.SILENCE and room.current == "b"
    assert room.outcomes == () and "a" not in room.queue
    assert [(e.member, e.outcome) for e in effects if isinstance(e, TurnEnded)] == [
        ("a", Outcome.SKIPPED)
    ]


def test_removing_someone_later_in_the_order_moves_nobody_on():
    before = speaking()
    room, effects = remove(before, "c", NOW + SILENCE + 10)
    assert room.speaker == "a" and room.deadline == before.deadline and room.queue == ("a", "b")
    assert effects == []


def test_removing_the_speaker_of_a_paused_room_keeps_it_paused():
    paused, _ = pause(speaking(), NOW + SILENCE + 10)
    room, _ = remove(paused, "a", NOW + SILENCE + 20)
    assert room.paused and room.current == "b" and room.deadline is None


# A press that arrives late.


def time_runs_out(room: Room) -> Room:
    """Return the room after its speaker's time and grace have run out, tick by tick."""
    room, _ = tick(room, NOW + SILENCE + TURN)
    room, _ = tick(room, NOW + SILENCE + TURN + GRACE)
    return room


def test_a_finish_pressed_in_time_but_arriving_after_the_turn_ended_is_taken_not_refused():
    room = speaking()
    seen = room.step
    moved = time_runs_out(room)  # while the press travelled
    later = NOW + SILENCE + TURN + GRACE
    assert moved.speaker != "a" and moved.current == "b"
    assert finish(moved, "a", later + 0.3, seen) == (moved, [])
    assert pass_turn(moved, "a", later + 0.3, seen) == (moved, [])


def test_a_late_press_from_someone_else_or_an_older_turn_is_still_refused():
    room = speaking()
    seen = room.step
    moved = time_runs_out(room)
    refused("stale", finish, moved, "b", NOW, seen)  # b was not the one whose turn ended
    refused("stale", finish, moved, "a", NOW, seen - 1)
