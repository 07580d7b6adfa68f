"""A server whose clock is stepped (a resumed machine, a hand-set date) keeps every room's time
left: a step back does not freeze a room, and a step forward neither rushes it nor ends it."""

from __future__ import annotations

import pytest

from listening.ticker import ClockWatch, correct_clock, sweep_once


class Monotonic:
    """A monotonic clock that moves only when the test says."""

    def __init__(self):
        self.now = 5_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def watched(app, started):
    """Ada has the floor with 60 s to go; the ticker's watch has just looked at both clocks."""
    monotonic = Monotonic()
    started.tick(5)
    started.clock.advance(20)  # 40 s left
    return started, monotonic, ClockWatch(started.clock, monotonic)


def time_left(world) -> float:
    room = world.room("Ben")
    return room["deadline"] - world.clock.now


@pytest.mark.parametrize("step", [-3600, 13 * 3600], ids=["an hour back", "thirteen hours on"])
def test_a_stepped_clock_leaves_the_speaker_their_time(app, watched, step):
    world, monotonic, watch = watched
    assert round(time_left(world)) == 40
    world.clock.advance(step + 1)  # the wall clock is stepped while a second passes
    monotonic.now += 1
    assert round(correct_clock(app, watch)) == step
    assert round(time_left(world)) == 39
    world.tick()
    assert world.speaker("Ben") == "Ada", "nothing was rushed"
    assert sweep_once(app)
    assert world.lobby("Ben")["session"]["status"] == "running", "nobody's session was ended"
    world.clock.advance(40)
    monotonic.now += 40
    world.tick()
    assert world.room("Ben")["phase"] == "grace", "and the turn still ends on time"


def test_ordinary_ticks_are_not_mistaken_for_a_step(app, watched):
    world, monotonic, watch = watched
    for _ in range(10):
        world.clock.advance(0.2)
        monotonic.now += 0.2 + 0.05  # a busy process: a little jitter between the two
        assert correct_clock(app, watch) == 0.0
