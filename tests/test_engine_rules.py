"""The format's rules, checked against random sessions.

A Hypothesis state machine drives one room with random moves at random times (ticks, finishes
and passes by anyone, people dropping off and coming back, latecomers, and every host move) and
checks after every step what must always hold: one speaker at a time, chosen from people who
were there; everyone gets one turn a round; rounds go up and end; refused moves change nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace

import pytest
from hypothesis import Phase as Stage
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from listening.engine import (
    CATCH_UP_SLACK,
    Outcome,
    Phase,
    Refused,
    Room,
    RoomClosed,
    RoundBegan,
    Settings,
    TurnBegan,
    TurnEnded,
    allowed,
    close,
    due,
    extend,
    finish,
    from_dict,
    join,
    open_room,
    pass_turn,
    pause,
    remove,
    resume,
    set_presence,
    skip,
    tick,
    to_dict,
)

NOW = 1_000_000.0
RUNNING = (Phase.SILENCE, Phase.WAITING, Phase.SPEAKING, Phase.GRACE)
ON_THE_FLOOR = (Phase.SPEAKING, Phase.GRACE)
CODES = {"not_speaker", "paused", "not_paused", "closed", "not_started", "no_turn", "stale", "full"}
IDS = [f"p{i}" for i in range(12)]
EPS = 1e-6

# The ranges a host may choose (see engine.LIMITS), with small values that stress the clock.
session_settings = st.builds(
    Settings,
    turn_seconds=st.sampled_from([30, 45, 120, 300]),
    rounds=st.integers(1, 4),
    silence_seconds=st.sampled_from([0, 0.5, 5, 30]),
    grace_seconds=st.sampled_from([0, 0.5, 15, 60]),
    away_wait_seconds=st.sampled_from([0, 3, 10]),
    room_cap=st.integers(2, 8),
)
gaps = st.one_of(
    st.sampled_from([0, 0.25, 0.5, 1, 1.5, 5, 10, 15, 30, 120, 3600]),
    st.floats(0, 200, allow_nan=False, allow_infinity=False),
)


def accepts(move, *args) -> bool:
    """Return whether the engine makes this move rather than refusing it."""
    try:
        move(*args)
    except Refused:
        return False
    return True


@dataclass
class RoundLog:
    """What the effects said about one round."""

    number: int
    #: who has been present, without a break, since the round began or they joined
    throughout: set[str]
    began: Counter = field(default_factory=Counter)
    ended: dict[str, list[Outcome]] = field(default_factory=dict)


class RoomMachine(RuleBasedStateMachine):
    """One room, moved at random; the invariants are the format's rules."""

    @initialize(
        settings=session_settings,
        size=st.integers(1, 8),
        absent=st.lists(st.booleans(), min_size=8, max_size=8),
    )
    def open(self, settings, size, absent):
        self.now = NOW
        self.room: Room | None = None
        self.log: RoundLog | None = None
        self.open_turn: TurnBegan | None = None
        self.turns = 0
        self.highest_round = 0
        self.removed: set[str] = set()
        size = min(size, settings.room_cap)
        self.apply(lambda _room, now: open_room(IDS[:size], settings, now), "open", refuse=False)
        # As the services do: people who have no screen connected yet are marked absent.
        for i in range(size):
            if absent[i]:
                self.presence_at(IDS[i], False)

    # Helpers.

    def apply(self, move, name: str, refuse: bool | None = None, **facts) -> bool:
        """Apply one move; check its effects, or that a refusal changed nothing.

        ``refuse`` says whether the format requires the move to be refused (None: no opinion).
        """
        before = self.room
        snapshot = to_dict(before) if before is not None else None
        try:
            room, effects = move(before, self.now)
        except Refused as refusal:
            assert refusal.code in CODES, refusal.code
            assert refusal.message
            assert refuse is not False, f"{name} was refused ({refusal.code}) but is allowed"
            if before is not None:
                assert to_dict(before) == snapshot
            return False
        assert refuse is not True, f"{name} should have been refused: {before}"
        self.room = room
        if name == "remove" and self.log is not None:
            # Gone before the effects: removing the last one still to speak ends the round.
            self.log.throughout.discard(facts["who"])
        self.check_effects(before, room, effects, name)
        if name in ("absent", "remove") and self.log is not None:
            self.log.throughout.discard(facts["who"])
        if name == "join" and self.log is not None and room.phase in RUNNING:
            self.log.throughout.add(facts["who"])
        return True

    def presence_at(self, who: str, present: bool) -> None:
        room = self.room
        passed_over = (
            present
            and room is not None
            and room.phase in RUNNING
            and (who, Outcome.AWAY) in room.outcomes
        )
        self.apply(
            lambda r, now: set_presence(r, who, present, now),
            "present" if present else "absent",
            refuse=False,
            who=who,
        )
        member = self.room.member(who)
        assert member is None or (member.present == present), member
        if passed_over:
            # Back before the round ended: they speak at the end of it.
            assert self.room.queue[-1] == who, self.room
            assert (who, Outcome.AWAY) not in self.room.outcomes

    def pick(self, index: int) -> str:
        return self.room.members[index % len(self.room.members)].id if self.room.members else "x"

    def check_effects(self, before: Room | None, room: Room, effects: list, name: str) -> None:
        for effect in effects:
            assert self.now - CATCH_UP_SLACK - EPS <= effect.at <= self.now + EPS, (effect, name)
            if isinstance(effect, RoundBegan):
                assert effect.round == self.highest_round + 1, effect
                self.highest_round = effect.round
                if self.log is not None:
                    self.round_complete(self.log, room)
                self.log = RoundLog(effect.round, {m.id for m in room.members if m.present})
            elif isinstance(effect, TurnBegan):
                assert self.open_turn is None, ("two speakers", self.open_turn, effect)
                assert effect.round == self.log.number
                member = room.member(effect.member)
                assert member is not None and member.present, ("absent speaker", effect)
                earlier = self.log.ended.get(effect.member, [])
                assert all(o == Outcome.AWAY for o in earlier), ("second turn", effect, earlier)
                self.log.began[effect.member] += 1
                assert self.log.began[effect.member] == 1, ("two turns in a round", effect)
                self.open_turn = effect
                self.turns += 1
            elif isinstance(effect, TurnEnded):
                assert effect.round == self.log.number
                if effect.began is None:
                    assert effect.outcome in (Outcome.AWAY, Outcome.SKIPPED), effect
                    assert self.open_turn is None, (self.open_turn, effect)
                else:
                    assert self.open_turn is not None, ("a turn ended that never began", effect)
                    assert self.open_turn.member == effect.member, (
                        "wrong turn",
                        self.open_turn,
                        effect,
                    )
                    assert self.open_turn.at == effect.began, (
                        "wrong start",
                        self.open_turn,
                        effect,
                    )
                    assert effect.at >= effect.began
                    self.open_turn = None
                earlier = self.log.ended.setdefault(effect.member, [])
                assert all(o == Outcome.AWAY for o in earlier), ("two outcomes", effect, earlier)
                earlier.append(effect.outcome)
            elif isinstance(effect, RoomClosed):
                assert room.phase == Phase.CLOSED
                if name not in ("close", "remove"):  # the host may end a round part way
                    assert room.round == room.settings.rounds
                    self.round_complete(self.log, room)
            else:  # pragma: no cover
                raise AssertionError(f"unknown effect {effect!r}")
        if before is not None and before.phase == Phase.CLOSED:
            # Only who is connected may still change once a room has closed.
            assert effects == [], effects
            assert replace(room, members=before.members) == before, "a closed room changed"

    def round_complete(self, log: RoundLog, room: Room) -> None:
        """Check a finished round: one outcome each, and a turn for everyone who stayed."""
        for member in room.members:
            outcomes = log.ended.get(member.id)
            assert outcomes, (f"{member.id} had no turn in round {log.number}", log)
        for who in log.throughout:
            final = log.ended[who][-1]
            assert final != Outcome.AWAY, (f"{who} was here all round but passed over", log)
            if final in (Outcome.SPOKE, Outcome.PASSED):
                assert log.began[who] == 1, (who, log)

    # Time.

    @rule(gap=gaps)
    def tick(self, gap):
        self.now += gap
        self.apply(lambda r, now: tick(r, now), "tick", refuse=False)
        assert not due(self.room, self.now), "tick left a transition due"

    @rule(gap=gaps)
    def tick_to_deadline(self, gap):
        """Tick when the ticker would: at (or a little after) the deadline."""
        if self.room.deadline is not None:
            self.now = max(self.now, self.room.deadline + min(gap, 2))
        self.apply(lambda r, now: tick(r, now), "tick", refuse=False)
        assert not due(self.room, self.now), "tick left a transition due"

    # The speaker's moves, tried by anyone.

    @rule(index=st.integers(0, 11), passing=st.booleans())
    def finish_or_pass(self, index, passing):
        who = self.pick(index)
        allowed = self.room.speaker == who and not self.room.paused
        move = pass_turn if passing else finish
        self.apply(lambda r, now: move(r, who, now), "finish", refuse=not allowed)

    @rule(passing=st.booleans())
    def speaker_finishes(self, passing):
        who = self.room.speaker or "nobody"
        allowed = self.room.speaker is not None and not self.room.paused
        move = pass_turn if passing else finish
        self.apply(lambda r, now: move(r, who, now), "finish", refuse=not allowed)

    # Presence and latecomers.

    @rule(index=st.integers(0, 11), present=st.booleans())
    def presence(self, index, present):
        self.presence_at(self.pick(index), present)

    @rule(index=st.integers(0, 11))
    def someone_comes_back(self, index):
        """Someone not connected comes back: the one being waited for, if anyone."""
        room = self.room
        gone = [m.id for m in room.members if not m.present]
        if room.phase == Phase.WAITING:
            gone.insert(0, room.current)
        if gone:
            self.presence_at(gone[index % len(gone) if index > 5 else 0], True)

    @rule()
    def the_next_speaker_drops_off(self):
        if self.room.current is not None:
            self.presence_at(self.room.current, False)

    @rule()
    def latecomer(self):
        # Someone removed never comes back as themselves: they would join as someone new.
        fresh = [i for i in IDS if self.room.member(i) is None and i not in self.removed]
        if not fresh:
            return
        who = fresh[0]
        room = self.room
        full = room.phase == Phase.CLOSED or len(room.members) >= room.settings.room_cap
        if self.apply(lambda r, now: join(r, who, now), "join", refuse=full, who=who):
            if room.phase in RUNNING:
                assert self.room.queue == room.queue + (who,), "a latecomer speaks last"

    @rule(index=st.integers(0, 11))
    def join_again(self, index):
        if not self.room.members:
            return
        who = self.pick(index)
        before = self.room
        self.apply(lambda r, now: join(r, who, now), "join_again", refuse=False, who=who)
        assert self.room == before, "joining twice changed the room"

    # The host.

    def running(self) -> bool:
        return self.room.phase in RUNNING

    @rule()
    def pause(self):
        refuse = not self.running() or self.room.paused
        self.apply(lambda r, now: pause(r, now), "pause", refuse=refuse)

    @rule()
    def resume(self):
        refuse = not self.running() or not self.room.paused
        self.apply(lambda r, now: resume(r, now), "resume", refuse=refuse)

    @rule(seconds=st.sampled_from([30, 60]))
    def extend(self, seconds):
        refuse = self.room.phase not in ON_THE_FLOOR
        before = self.room
        if self.apply(lambda r, now: extend(r, seconds, now), "extend", refuse=refuse):
            assert self.room.phase == Phase.SPEAKING
            assert self.room.speaker == before.speaker
            if before.paused:
                assert self.room.paused_left >= seconds
            else:
                assert self.room.deadline >= self.now + seconds - EPS

    @rule()
    def skip_current(self):
        who = self.room.current or "nobody"
        refuse = not self.running()
        before = self.room
        if self.apply(lambda r, now: skip(r, who, now), "skip", refuse=refuse):
            assert self.room.paused == (before.paused and self.room.phase != Phase.CLOSED)

    @rule(index=st.integers(0, 11))
    def skip_anyone(self, index):
        who = self.pick(index)
        refuse = not self.running() or self.room.current != who
        self.apply(lambda r, now: skip(r, who, now), "skip", refuse=refuse)

    @rule(index=st.integers(0, 11), chance=st.integers(0, 3))
    def remove_someone(self, index, chance):
        """The host removes someone now and then: they leave the room and its order."""
        if chance:
            return
        who = self.pick(index)
        before = self.room
        self.apply(lambda r, now: remove(r, who, now), "remove", refuse=False, who=who)
        if before.phase == Phase.CLOSED:
            assert self.room == before, "a closed room keeps its members"
            return
        self.removed.add(who)
        assert self.room.member(who) is None
        assert who not in self.room.queue and who not in [m for m, _ in self.room.outcomes]
        if before.phase in RUNNING and before.current != who:
            assert self.room.current == before.current, "removing someone else moves nobody on"

    @rule(chance=st.integers(0, 9))
    def close(self, chance):
        """The host ends the session, now and then (so most runs go on)."""
        if chance == 0:
            self.apply(lambda r, now: close(r, now), "close", refuse=False)

    # What always holds.

    @invariant()
    def the_room_is_consistent(self):
        room = self.room
        s = room.settings
        ids = [m.id for m in room.members]
        assert len(set(ids)) == len(ids) <= s.room_cap
        assert len(set(room.queue)) == len(room.queue), room.queue
        assert set(room.queue) <= set(ids), room.queue
        spoken = [m for m, _ in room.outcomes]
        assert len(set(spoken)) == len(spoken), ("two outcomes in a round", room.outcomes)
        assert set(spoken) <= set(ids)
        assert not set(spoken) & set(room.queue), room
        for m in room.members:
            assert not (m.away and m.present), m
        if room.phase == Phase.GATHERING:
            assert room.round == 0 and room.queue == () and len(room.members) < 2, room
        if room.phase in RUNNING:
            assert 1 <= room.round <= s.rounds
            assert room.queue, room
            assert set(spoken) | set(room.queue) == set(ids), "someone has no place in the round"
        assert room.round <= s.rounds
        assert room.round == self.highest_round  # rounds only go up, one at a time

    @invariant()
    def one_speaker_who_was_there(self):
        room = self.room
        if room.phase in ON_THE_FLOOR:
            assert room.speaker == room.queue[0]
            assert room.turn_began is not None
        else:
            assert room.speaker is None
            assert room.turn_began is None
        speaking = self.open_turn.member if self.open_turn else None
        assert speaking == room.speaker, (self.open_turn, room)
        assert room.turn == self.turns
        if room.phase == Phase.WAITING:
            waited_for = room.member(room.current)
            assert not waited_for.away, "someone already marked away is passed over at once"
            assert room.paused or not waited_for.present, "waiting for someone who is here"

    @invariant()
    def the_clock(self):
        room = self.room
        timeless = room.phase in (Phase.GATHERING, Phase.CLOSED)
        assert (room.deadline is None) == (room.paused or timeless), room
        if room.paused:
            assert room.phase in RUNNING and room.paused_left >= 0
        if timeless:
            assert room.paused_left is None

    @invariant()
    def screens_are_offered_exactly_the_moves_the_engine_accepts(self):
        room, now = self.room, self.now
        offer = allowed(room)
        for who in [m.id for m in room.members] + ["stranger"]:
            assert accepts(finish, room, who, now) == (offer.finish == who), who
            assert accepts(pass_turn, room, who, now) == (offer.finish == who), who
            assert accepts(skip, room, who, now) == (offer.skip == who), who
        assert accepts(pause, room, now) == offer.pause
        assert accepts(resume, room, now) == offer.resume
        assert accepts(extend, room, 30, now) == offer.extend

    @invariant()
    def stored_form_round_trips(self):
        data = json.loads(json.dumps(to_dict(self.room)))
        assert from_dict(data) == self.room


#: generate and shrink, but skip the slow "explain" stage so a failure is reported quickly
STAGES = [Stage.explicit, Stage.reuse, Stage.generate, Stage.target, Stage.shrink]
RoomMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=60, deadline=None, phases=STAGES
)
test_room_rules = RoomMachine.TestCase


# Everyone present, nothing but the ticker: the session runs its full course.


@settings(max_examples=200, deadline=None, phases=STAGES)
@given(
    size=st.integers(2, 8),
    settings_=session_settings,
    lateness=st.lists(st.floats(0, 4, allow_nan=False), min_size=1, max_size=10),
)
def test_with_everyone_present_only_ticks_close_the_room_after_every_turn(
    size, settings_, lateness
):
    size = min(size, settings_.room_cap)
    ids = IDS[:size]
    room, effects = open_room(ids, settings_, NOW)
    now, step = NOW, 0
    while room.phase != Phase.CLOSED:
        assert step < 10 * size * settings_.rounds + 10, "the room never closed"
        late = lateness[step % len(lateness)]
        step += 1
        early = room.deadline - 0.25
        if early >= now:
            assert tick(room, early) == (room, []), "an early tick changed the room"
        now = max(now, room.deadline + late)
        room, more = tick(room, now)
        effects += more

    turns = [e for e in effects if isinstance(e, TurnBegan)]
    ends = [e for e in effects if isinstance(e, TurnEnded)]
    assert len(turns) == settings_.rounds * size == room.turn
    assert all(e.outcome == Outcome.SPOKE for e in ends)
    for r in range(1, settings_.rounds + 1):
        order = [e.member for e in turns if e.round == r]
        shift = (r - 1) % size
        assert order == ids[shift:] + ids[:shift], (r, order)

    phase = settings_.silence_seconds + settings_.turn_seconds + settings_.grace_seconds
    exact = NOW + settings_.rounds * size * phase
    closed_at = effects[-1].at
    assert isinstance(effects[-1], RoomClosed)
    worst = max(0.0, max(lateness) - CATCH_UP_SLACK)
    assert exact - EPS <= closed_at <= exact + 3 * len(turns) * worst + EPS
    if max(lateness) <= CATCH_UP_SLACK:
        assert closed_at == pytest.approx(exact)
    for began, ended in zip(turns, ends, strict=True):
        assert ended.member == began.member
        length = ended.at - began.at
        # Nobody's turn is cut short by a late ticker, and none runs much over.
        assert length >= settings_.turn_seconds + settings_.grace_seconds - EPS
        assert length <= settings_.turn_seconds + settings_.grace_seconds + 2 * worst + EPS
