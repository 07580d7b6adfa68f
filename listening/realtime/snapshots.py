"""Whole-state snapshots sent to screens: one shape for everyone, views derived by the client.

Everything a screen needs to decide what to show comes from here, worked out by the engine:
who may act now (``allowed``), how people would be split into rooms (``rooms_plan``) and how
long a full room takes. The browser renders these; it does not work them out again.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select

from .. import engine
from ..extensions import db
from ..models import ListeningSession, Participant, Room


def session_summary(session: ListeningSession, cap: int) -> dict:
    """Return what every screen may know about the session itself."""
    return {
        "code": session.code,
        "title": session.title,
        "status": str(session.status),
        "prompts": list(session.prompts),
        "turn_seconds": session.turn_seconds,
        "rounds": session.rounds,
        "silence_seconds": session.silence_seconds,
        "grace_seconds": session.grace_seconds,
        "room_cap": cap,
        "full_room_seconds": engine.full_room_seconds(session.settings(cap)),
    }


def lobby(session: ListeningSession, cap: int, now: float) -> dict:
    """Return the lobby snapshot every screen gets: the session's shape and how many are here.

    Counts, not names: a name is shown only to the person's room (and the host).
    """
    people = here(session)
    return {
        "version": session.version,
        "server_now": now,
        "session": session_summary(session, cap),
        "here": {"joined": len(people), "connected": sum(p.present for p in people)},
    }


def here(session: ListeningSession) -> list[Participant]:
    """Return everyone in the session but those the host removed."""
    return [p for p in session.participants if p.removed_at is None]


def console(session: ListeningSession, cap: int, now: float) -> dict:
    """Return the host's snapshot: the lobby, everyone by name, and every room."""
    names = names_in(session)
    numbers = {room.id: room.number for room in session.rooms}
    snapshot = lobby(session, cap, now)
    snapshot["people"] = [
        {
            "id": p.public_id,
            "name": p.name,
            "present": p.present,
            "room": numbers.get(p.room_id) if p.room_id is not None else None,
        }
        for p in here(session)
    ]
    # Room sizes if the host started now: 13 people with a cap of 8 make [7, 6].
    snapshot["rooms_plan"] = engine.room_sizes(len(snapshot["people"]), cap)
    snapshot["rooms"] = [
        room_view(row, state, session, names)
        for row in session.rooms
        if (state := row.engine_state()) is not None
    ]
    # Grows with every change to the lobby or any room, so the newest console always wins.
    snapshot["version"] = session.version + sum(room.version for room in session.rooms)
    return snapshot


def room(
    row: Room, session: ListeningSession, now: float, names: dict[str, str | None] | None = None
) -> dict | None:
    """Return the snapshot everyone in one room receives, or None if the room cannot be read.

    ``names`` saves a query when many rooms of one session are sent together.
    """
    state = row.engine_state()
    if state is None:
        return None
    return {
        "version": row.version,
        "server_now": now,
        "session": {"code": session.code, "title": session.title, "status": str(session.status)},
        "room": room_view(row, state, session, names if names is not None else names_in(session)),
    }


def names_in(session: ListeningSession) -> dict[str, str | None]:
    """Return everyone's name by public id, in one light query (no ORM objects)."""
    query = select(Participant.public_id, Participant.name).where(
        Participant.session_id == session.id
    )
    return {public_id: name for public_id, name in db.session.execute(query)}


def room_view(
    row: Room, state: engine.Room, session: ListeningSession, names: dict[str, str | None]
) -> dict:
    """Return one room's state as screens see it."""
    prompts = session.prompts
    return {
        "number": row.number,
        "version": row.version,
        "phase": str(state.phase),
        "paused": state.paused,
        "paused_left": state.paused_left,
        "round": state.round,
        "rounds": state.settings.rounds,
        "prompt": prompts[(state.round - 1) % len(prompts)] if state.round else None,
        "turn": state.turn,
        "step": state.step,
        "current": state.current,
        "deadline": state.deadline,
        "turn_seconds": state.settings.turn_seconds,
        "silence_seconds": state.settings.silence_seconds,
        "grace_seconds": state.settings.grace_seconds,
        "queue": list(state.queue),
        "outcomes": [{"id": m, "outcome": str(o)} for m, o in state.outcomes],
        "members": [
            {"id": m.id, "name": names.get(m.id), "present": m.present, "away": m.away}
            for m in state.members
        ],
        "allowed": asdict(engine.allowed(state)),
        "expected_end": expected_end(state),
    }


def expected_end(state: engine.Room) -> float | None:
    """Return when the room should finish at its set pace, or None when it cannot be said."""
    if state.phase in (engine.Phase.GATHERING, engine.Phase.CLOSED) or state.deadline is None:
        return None
    s = state.settings
    per_turn = s.turn_seconds + s.silence_seconds
    left_now = s.turn_seconds if state.phase == engine.Phase.SILENCE else 0
    later_this_round = max(0, len(state.queue) - 1) * per_turn
    later_rounds = (s.rounds - state.round) * len(state.members) * per_turn
    return state.deadline + left_now + later_this_round + later_rounds
