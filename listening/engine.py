"""The listening format as pure data and functions.

A room moves through rounds; in each round everyone present gets the floor once, in turn,
for a fixed time, with a short silence between turns.  Every function here takes the room
and the current time (``now``, seconds since the epoch, passed in by the caller) and returns
a new room plus the effects of the change.  Nothing here reads a clock, touches a database
or knows about the web: that is what makes the format testable to exhaustion.

Illegal moves raise :class:`Refused` with a code a client can act on and a sentence a person
can read; a refused move never changes the room.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from enum import StrEnum

#: When the ticker is late by more than this many seconds (for example after a restart), the
#: next phase starts from "now" rather than from the missed deadline, so nobody's turn is
#: swallowed while the server was away.
CATCH_UP_SLACK = 1.0


class Phase(StrEnum):
    """Where a room is in the format."""

    GATHERING = "gathering"  #: fewer than two people: waiting for someone to listen to
    SILENCE = "silence"  #: a pause between turns; the next speaker has been told
    WAITING = "waiting"  #: the next speaker is not connected; waiting for them briefly
    SPEAKING = "speaking"  #: one person has the floor
    GRACE = "grace"  #: time is up; a short grace before the turn moves on
    CLOSED = "closed"  #: every round is done, or the host ended the session


class Outcome(StrEnum):
    """How someone's turn in a round ended."""

    SPOKE = "spoke"
    PASSED = "passed"
    AWAY = "away"
    SKIPPED = "skipped"


class Refused(Exception):
    """A move the format does not allow; the room is unchanged."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


#: the practice's own prompts: how people are feeling, what they are thinking, what they hope for
DEFAULT_PROMPTS = (
    "How are you feeling, right now, as we begin?",
    "What are you thinking about at the moment?",
    "What are you hoping for?",
)

#: the range a host may choose for each of their settings (the defaults are Settings' own)
LIMITS = {
    "turn_seconds": (30, 300),
    "rounds": (1, 5),
    "silence_seconds": (0, 30),
    "grace_seconds": (0, 60),
}


@dataclass(frozen=True)
class Settings:
    """The shape of a session, chosen by the host."""

    turn_seconds: float = 120
    rounds: int = 3
    silence_seconds: float = 5
    grace_seconds: float = 15
    #: how long a room waits for a speaker who is not connected when their turn comes
    away_wait_seconds: float = 10
    #: how many people a room may hold
    room_cap: int = 8


@dataclass(frozen=True)
class Member:
    """One person in a room, by public id; names live outside the engine."""

    id: str
    present: bool = True
    #: passed over while away; cleared when they come back
    away: bool = False


@dataclass(frozen=True)
class Room:
    """The whole state of one room: small, and sent whole to every screen."""

    settings: Settings
    members: tuple[Member, ...] = ()
    phase: Phase = Phase.GATHERING
    round: int = 0
    #: who is still to speak this round, in order; queue[0] has, or is next to have, the floor
    queue: tuple[str, ...] = ()
    #: (member id, outcome) for each turn finished this round, in order
    outcomes: tuple[tuple[str, Outcome], ...] = ()
    #: counts every time someone is given the floor
    turn: int = 0
    #: counts every turn that has ended (spoke, passed, away or skipped); a client names the step
    #: it saw when it finishes, passes or skips, so a late second click is refused, not applied
    #: to the next person's turn
    step: int = 0
    #: when the current phase ends (seconds since the epoch); None when paused or timeless
    deadline: float | None = None
    #: seconds that were left in the phase when the host paused; None when running
    paused_left: float | None = None
    #: when the current speaker was given the floor
    turn_began: float | None = None
    #: whose turn ended last (the step before this one), so their own press arriving just after
    #: is known for what it is: late, not wrong
    last_ended: str | None = None

    @property
    def paused(self) -> bool:
        """Return whether the host has paused this room."""
        return self.paused_left is not None

    @property
    def current(self) -> str | None:
        """Return the id of who has, or is about to have, the floor."""
        if self.phase == Phase.CLOSED or not self.queue:
            return None
        return self.queue[0]

    @property
    def speaker(self) -> str | None:
        """Return the id of who has the floor right now, if anyone."""
        return self.current if self.phase in (Phase.SPEAKING, Phase.GRACE) else None

    def member(self, member_id: str | None) -> Member | None:
        """Return the member with this id, or None."""
        return next((m for m in self.members if m.id == member_id), None)

    def next_member(self) -> Member:
        """Return who has, or is next to have, the floor; only asked while a round runs."""
        member = self.member(self.current)
        assert member is not None, "a running round always has someone next"
        return member

    def running_deadline(self) -> float:
        """Return the deadline of a phase that has one (not gathering, closed or paused)."""
        assert self.deadline is not None, "a running, unpaused phase always has a deadline"
        return self.deadline

    @property
    def has_space(self) -> bool:
        """Return whether another person may join."""
        return self.phase != Phase.CLOSED and len(self.members) < self.settings.room_cap


@dataclass(frozen=True)
class Allowed:
    """Who may make which move in a room right now; the moves below enforce the same rules."""

    #: the member who may finish or pass: the speaker, unless the room is paused
    finish: str | None
    pause: bool
    resume: bool
    extend: bool
    #: the member the host may skip: whoever has, or is next to have, the floor
    skip: str | None


def allowed(room: Room) -> Allowed:
    """Return who may make which move now, so screens offer only what the server accepts."""
    running = room.phase not in (Phase.GATHERING, Phase.CLOSED)
    return Allowed(
        finish=None if room.paused else room.speaker,
        pause=running and not room.paused,
        resume=running and room.paused,
        extend=running and room.speaker is not None,
        skip=room.current if running else None,
    )


def full_room_seconds(settings: Settings) -> float:
    """Return how long a full room takes, from the start to the end of the last turn."""
    return settings.rounds * settings.room_cap * (settings.turn_seconds + settings.silence_seconds)


# Effects: what happened, for the services to record (timings, never words).


@dataclass(frozen=True)
class TurnBegan:
    member: str
    round: int
    at: float


@dataclass(frozen=True)
class TurnEnded:
    member: str
    round: int
    outcome: Outcome
    at: float
    began: float | None


@dataclass(frozen=True)
class RoundBegan:
    round: int
    at: float


@dataclass(frozen=True)
class RoomClosed:
    at: float


Effect = TurnBegan | TurnEnded | RoundBegan | RoomClosed


@dataclass
class _Change:
    """A room being changed, collecting effects; private to this module."""

    room: Room
    effects: list = field(default_factory=list)

    def done(self) -> tuple[Room, list]:
        return self.room, self.effects


# Opening, joining and presence.


def open_room(
    member_ids: list[str], settings: Settings, now: float, absent: frozenset[str] = frozenset()
) -> tuple[Room, list]:
    """Return a new room for these people, already in round 1 if two or more are here.

    ``absent`` names those not connected right now, so an absent first speaker is waited for
    rather than given the floor.
    """
    if len(member_ids) > settings.room_cap:
        raise Refused("full", "That is more people than a room may hold.")
    if len(set(member_ids)) != len(member_ids):
        raise Refused("bad_request", "Each person can be in a room only once.")
    members = tuple(Member(i, present=i not in absent) for i in member_ids)
    room = Room(settings=settings, members=members)
    change = _Change(room)
    if len(member_ids) >= 2:
        _begin_round(change, 1, now)
    return change.done()


def join(room: Room, member_id: str, now: float, present: bool = True) -> tuple[Room, list]:
    """Add a latecomer; they speak at the end of the current round."""
    if room.member(member_id):
        return room, []
    if room.phase == Phase.CLOSED:
        raise Refused("closed", "This room has finished.")
    if not room.has_space:
        raise Refused("full", "This room is full.")
    change = _Change(replace(room, members=room.members + (Member(member_id, present=present),)))
    if room.phase == Phase.GATHERING:
        if len(change.room.members) >= 2:
            _begin_round(change, 1, now)
    else:
        change.room = replace(change.room, queue=change.room.queue + (member_id,))
    return change.done()


def set_presence(room: Room, member_id: str, present: bool, now: float) -> tuple[Room, list]:
    """Record that someone's screen connected or went away.

    Someone passed over while away who comes back before the round ends is put at the end of
    this round's queue, so they still get their turn.  A speaker being waited for starts at once.
    """
    member = room.member(member_id)
    if member is None or member.present == present:
        return room, []
    members = tuple(
        replace(m, present=present, away=m.away and not present) if m.id == member_id else m
        for m in room.members
    )
    change = _Change(replace(room, members=members))
    if not present or room.phase == Phase.CLOSED:
        return change.done()
    r = change.room
    passed_over = (member_id, Outcome.AWAY) in r.outcomes and member_id not in r.queue
    if passed_over:
        outcomes = tuple(o for o in r.outcomes if o != (member_id, Outcome.AWAY))
        change.room = replace(r, outcomes=outcomes, queue=r.queue + (member_id,))
    if change.room.phase == Phase.WAITING and change.room.current == member_id and not r.paused:
        _give_floor(change, now)
    return change.done()


# The speaker's moves.


def finish(room: Room, member_id: str, now: float, step: int | None = None):
    """End the caller's own turn early: they have said what they wanted to say."""
    return _end_own_turn(room, member_id, Outcome.SPOKE, now, step)


def pass_turn(room: Room, member_id: str, now: float, step: int | None = None):
    """Let the caller pass their turn: passing is always allowed."""
    return _end_own_turn(room, member_id, Outcome.PASSED, now, step)


def _require_step(room: Room, step: int | None) -> None:
    if step is not None and step != room.step:
        raise Refused("stale", "That turn has already ended.")


def _end_own_turn(room: Room, member_id: str, outcome: Outcome, now: float, step: int | None):
    if step is not None and step == room.step - 1 and room.last_ended == member_id:
        # Pressed during their turn, arrived once it had already ended (time ran out while the
        # press was on its way): what they asked for has happened, so nothing is refused.
        return room, []
    _require_step(room, step)
    if room.speaker != member_id:
        raise Refused("not_speaker", "Only the person speaking can finish or pass their turn.")
    if room.paused:
        raise Refused("paused", "The host has paused the room; the turn resumes with them.")
    change = _Change(room)
    _end_turn(change, outcome, now)
    return change.done()


# The host's moves.


def pause(room: Room, now: float) -> tuple[Room, list]:
    """Stop the clock where it is."""
    _require_running(room)
    if room.paused:
        raise Refused("paused", "The room is already paused.")
    left = max(0.0, room.deadline - now) if room.deadline is not None else 0.0
    return replace(room, paused_left=left, deadline=None), []


def resume(room: Room, now: float) -> tuple[Room, list]:
    """Start the clock again with the time that was left."""
    _require_running(room)
    if not room.paused:
        raise Refused("not_paused", "The room is not paused.")
    change = _Change(replace(room, deadline=now + (room.paused_left or 0.0), paused_left=None))
    waited_for = change.room.member(change.room.current) if room.phase == Phase.WAITING else None
    if waited_for is not None and waited_for.present:
        _give_floor(change, now)
    return change.done()


def extend(room: Room, seconds: float, now: float) -> tuple[Room, list]:
    """Give the current speaker more time, even after their time ran out."""
    _require_running(room)
    if not seconds > 0:
        raise Refused("bad_request", "An extension must add some time.")
    if room.phase not in (Phase.SPEAKING, Phase.GRACE):
        raise Refused("no_turn", "Nobody is speaking, so there is no turn to extend.")
    if room.paused:
        left = (room.paused_left or 0.0) if room.phase == Phase.SPEAKING else 0.0
        return replace(room, phase=Phase.SPEAKING, paused_left=left + seconds), []
    if room.phase == Phase.GRACE:
        return replace(room, phase=Phase.SPEAKING, deadline=now + seconds), []
    return replace(room, deadline=room.running_deadline() + seconds), []


def skip(room: Room, member_id: str, now: float, step: int | None = None):
    """Move past someone who has gone, whether they have the floor or are next.

    The caller names who they mean to skip (and the step they saw), so a second click skips
    nobody else, not even the same person's turn in the next round.
    """
    _require_running(room)
    _require_step(room, step)
    if room.current != member_id:
        raise Refused("stale", "That person is not the current or next speaker any more.")
    change = _Change(room)
    _end_turn(change, Outcome.SKIPPED, now)
    _stay_paused(change, room, now)
    return change.done()


def remove(room: Room, member_id: str, now: float) -> tuple[Room, list]:
    """Take someone out of the room at the host's word; the others see only that they left.

    Their place in this round's order and what they did this round go with them. If they had,
    or were about to have, the floor, the room moves on to whoever is next, as after a skip.
    """
    if room.member(member_id) is None or room.phase == Phase.CLOSED:
        return room, []
    running = room.phase != Phase.GATHERING
    was_current = running and room.current == member_id
    change = _Change(room)
    if was_current and room.speaker == member_id:
        change.effects.append(
            TurnEnded(member_id, room.round, Outcome.SKIPPED, now, room.turn_began)
        )
    r = room
    change.room = replace(
        r,
        members=tuple(m for m in r.members if m.id != member_id),
        queue=tuple(q for q in r.queue if q != member_id),
        outcomes=tuple(o for o in r.outcomes if o[0] != member_id),
        step=r.step + 1 if was_current else r.step,
        turn_began=None if was_current else r.turn_began,
        last_ended=member_id if was_current else r.last_ended,
    )
    if not running:
        return change.done()
    if not change.room.members:
        _close(change, now)
    elif was_current:
        _after_turn(change, r.round, now)
        _stay_paused(change, room, now)
    return change.done()


def _stay_paused(change: _Change, before: Room, now: float) -> None:
    """Keep a paused room paused after moving on: the host resumes when the room is ready."""
    r = change.room
    if before.paused and r.phase != Phase.CLOSED:
        left = max(0.0, r.deadline - now) if r.deadline is not None else 0.0
        change.room = replace(r, paused_left=left, deadline=None)


def shift(room: Room, seconds: float) -> tuple[Room, list]:
    """Move the room's times by ``seconds``, after the server's clock was stepped by as much.

    Deadlines are wall-clock times; when that clock jumps, every room keeps its time left.
    """
    if room.deadline is None and room.turn_began is None:
        return room, []
    moved = replace(
        room,
        deadline=None if room.deadline is None else room.deadline + seconds,
        turn_began=None if room.turn_began is None else room.turn_began + seconds,
    )
    return moved, []


def close(room: Room, now: float) -> tuple[Room, list]:
    """End the room now, whatever it was doing."""
    if room.phase == Phase.CLOSED:
        return room, []
    change = _Change(room)
    if room.speaker is not None:
        change.effects.append(
            TurnEnded(room.speaker, room.round, Outcome.SPOKE, now, room.turn_began)
        )
    _close(change, now)
    return change.done()


def _require_running(room: Room) -> None:
    if room.phase == Phase.CLOSED:
        raise Refused("closed", "This room has finished.")
    if room.phase == Phase.GATHERING:
        raise Refused("not_started", "This room is still waiting for people.")


# Time.


def due(room: Room, now: float) -> bool:
    """Return whether the room has a deadline that has passed."""
    return room.deadline is not None and now >= room.deadline


def tick(room: Room, now: float) -> tuple[Room, list]:
    """Apply every transition whose deadline has passed by ``now``."""
    change = _Change(room)
    # Each step either moves the deadline forward or ends the room; bound it all the same.
    for _ in range(4 * (len(room.members) + 2) * (room.settings.rounds + 1)):
        r = change.room
        if not due(r, now):
            break
        at = max(r.running_deadline(), now - CATCH_UP_SLACK)
        if r.phase == Phase.SILENCE:
            _give_floor(change, at)
        elif r.phase == Phase.SPEAKING:
            change.room = replace(r, phase=Phase.GRACE, deadline=at + r.settings.grace_seconds)
        elif r.phase == Phase.GRACE:
            _end_turn(change, Outcome.SPOKE, at)
        elif r.phase == Phase.WAITING and r.next_member().present:
            _give_floor(change, at)
        elif r.phase == Phase.WAITING:
            change.room = replace(
                r,
                members=tuple(replace(m, away=True) if m.id == r.current else m for m in r.members),
            )
            _end_turn(change, Outcome.AWAY, at)
        else:  # pragma: no cover - gathering and closed rooms have no deadline
            change.room = replace(r, deadline=None)
    return change.done()


# Transitions shared by the moves above.


def _begin_round(change: _Change, number: int, at: float) -> None:
    r = change.room
    ids = [m.id for m in r.members]
    shift = (number - 1) % len(ids)
    change.room = replace(
        r, round=number, queue=tuple(ids[shift:] + ids[:shift]), outcomes=(), turn_began=None
    )
    change.effects.append(RoundBegan(number, at))
    _to_silence(change, at)


def _to_silence(change: _Change, at: float) -> None:
    r = change.room
    if r.settings.silence_seconds <= 0:
        _give_floor(change, at)
        return
    change.room = replace(
        r, phase=Phase.SILENCE, deadline=at + r.settings.silence_seconds, turn_began=None
    )


def _give_floor(change: _Change, at: float) -> None:
    """Start the next turn, wait for an absent speaker, or pass over one already away."""
    r = change.room
    member = r.next_member()
    if member.present:
        change.room = replace(
            r,
            phase=Phase.SPEAKING,
            turn=r.turn + 1,
            deadline=at + r.settings.turn_seconds,
            turn_began=at,
        )
        change.effects.append(TurnBegan(member.id, r.round, at))
    elif member.away:
        _end_turn(change, Outcome.AWAY, at)
    else:
        change.room = replace(
            r, phase=Phase.WAITING, deadline=at + r.settings.away_wait_seconds, turn_began=None
        )


def _end_turn(change: _Change, outcome: Outcome, at: float) -> None:
    r = change.room
    who = r.queue[0]
    began = r.turn_began if r.phase in (Phase.SPEAKING, Phase.GRACE) else None
    change.effects.append(TurnEnded(who, r.round, outcome, at, began))
    change.room = replace(
        r,
        queue=r.queue[1:],
        outcomes=r.outcomes + ((who, outcome),),
        turn_began=None,
        step=r.step + 1,
        last_ended=who,
    )
    _after_turn(change, r.round, at)


def _after_turn(change: _Change, round_number: int, at: float) -> None:
    """Move on after a turn: to the next person, the next round, or the end."""
    if change.room.queue:
        _to_silence(change, at)
    elif round_number < change.room.settings.rounds:
        _begin_round(change, round_number + 1, at)
    else:
        _close(change, at)


def _close(change: _Change, at: float) -> None:
    change.room = replace(
        change.room, phase=Phase.CLOSED, deadline=None, paused_left=None, turn_began=None
    )
    change.effects.append(RoomClosed(at))


# Grouping people into rooms.


def room_sizes(people: int, cap: int) -> list[int]:
    """Return balanced room sizes: 13 people with a cap of 8 make 7 and 6, not 8 and 5."""
    if cap < 1:
        raise ValueError("a room must hold at least one person")
    if people <= 0:
        return []
    rooms = -(-people // cap)
    base, extra = divmod(people, rooms)
    return [base + 1] * extra + [base] * (rooms - extra)


def group(member_ids: list[str], cap: int) -> list[list[str]]:
    """Split people, in arrival order, into balanced rooms."""
    groups, start = [], 0
    for size in room_sizes(len(member_ids), cap):
        groups.append(member_ids[start : start + size])
        start += size
    return groups


# Storage form: plain JSON-ready dicts, so the store and the snapshot never guess.


def to_dict(room: Room) -> dict:
    """Return the room as JSON-ready data.

    Written out field by field: ``dataclasses.asdict`` deep-copies recursively and was a fifth
    of the cost of every room transition.
    """
    data = _fields(room)
    data["settings"] = _fields(room.settings)
    data["members"] = [_fields(m) for m in room.members]
    data["queue"] = list(room.queue)
    data["outcomes"] = [[m, str(o)] for m, o in room.outcomes]
    data["phase"] = str(room.phase)
    return data


def _fields(instance: Room | Settings | Member) -> dict:
    """Return a dataclass's fields as a dict, one level deep."""
    return {f.name: getattr(instance, f.name) for f in fields(instance)}


def from_dict(data: dict) -> Room:
    """Return the room stored by :func:`to_dict`."""
    return Room(
        settings=Settings(**data["settings"]),
        members=tuple(Member(**m) for m in data["members"]),
        phase=Phase(data["phase"]),
        round=data["round"],
        queue=tuple(data["queue"]),
        outcomes=tuple((m, Outcome(o)) for m, o in data["outcomes"]),
        turn=data["turn"],
        step=data.get("step", 0),
        deadline=data["deadline"],
        paused_left=data["paused_left"],
        turn_began=data["turn_began"],
        last_ended=data.get("last_ended"),
    )
