"""Whole-state snapshots sent to screens: one shape for everyone, views derived by the client.

Everything a screen needs to decide what to show comes from here, worked out by the engine:
who may act now (``allowed``), how people would be split into rooms (``rooms_plan``) and how
long a full room takes. The browser renders these; it does not work them out again.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC

from sqlalchemy import case, func, select

from .. import engine
from ..extensions import db
from ..models import ListeningSession, Name, Participant, Room, SessionCount


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
        # How people hear each other: voice in the app, or the group's own call.
        "voice": session.voice or "app",
        # The host's own words, for the lobby and for the end.
        "welcome": session.welcome,
        "ground_rules": session.ground_rules,
        "closing_words": session.closing_words,
        "support_links": list(session.support_links or []),
        "starts_at": session.starts_at.replace(tzinfo=UTC).timestamp()
        if session.starts_at
        else None,
        "next": next_in_series(session),
    }


def next_in_series(session: ListeningSession) -> dict | None:
    """Return the next session of an ended series (its link's code and start), or None."""
    if session.status != "ended" or not session.series:
        return None
    following = db.session.execute(
        select(ListeningSession.code, ListeningSession.starts_at)
        .where(ListeningSession.series == session.series, ListeningSession.id > session.id)
        .order_by(ListeningSession.id)
        .limit(1)
    ).first()
    if following is None or following.starts_at is None:
        return None
    return {
        "code": following.code,
        "starts_at": following.starts_at.replace(tzinfo=UTC).timestamp(),
    }


def lobby(session: ListeningSession, cap: int, now: float) -> dict:
    """Return the lobby snapshot every screen gets: the session's shape and how many are here.

    Counts, not names: a name is shown only to the person's room (and the host). One light
    query, whatever the session's size.
    """
    joined, connected, ready = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Participant.present, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Participant.sound == "ready", 1), else_=0)), 0),
        ).where(Participant.session_id == session.id, Participant.removed_at.is_(None))
    ).one()
    return {
        "version": session.version,
        "server_now": now,
        "session": session_summary(session, cap),
        "here": {"joined": joined, "connected": connected, "sound_ready": ready},
    }


def console(session: ListeningSession, cap: int, now: float, with_rooms: bool) -> dict:
    """Return the host's snapshot: the lobby, everyone by name, and (``with_rooms``) every room.

    After the first, the host is kept up to date room by room: each room's snapshot goes to the
    host as it goes to the room, so a change to one room never rebuilds the console.
    """
    numbers = dict(
        db.session.execute(select(Room.id, Room.number).where(Room.session_id == session.id)).all()
    )
    people = db.session.execute(
        select(
            Participant.public_id,
            Name.name,
            Participant.present,
            Participant.room_id,
            Participant.sound,
        )
        .outerjoin(Name, Name.participant_id == Participant.id)
        .where(Participant.session_id == session.id, Participant.removed_at.is_(None))
        .order_by(Participant.id)
    ).all()
    snapshot = lobby(session, cap, now)
    snapshot["people"] = [
        {
            "id": pid,
            "name": name,
            "present": present,
            "room": numbers.get(room_id) if room_id is not None else None,
            "sound": sound,
        }
        for pid, name, present, room_id, sound in people
    ]
    # Room sizes if the host started now: 13 people with a cap of 8 make [7, 6].
    snapshot["rooms_plan"] = engine.room_sizes(len(people), cap)
    if session.status == "ended":
        snapshot["summary"] = summary(session)
    if with_rooms:
        names: dict[str, str | None] = {pid: name for pid, name, *_ in people}
        snapshot["rooms"] = [
            room_view(row, state, session, names)
            for row in session.rooms
            if (state := row.engine_state()) is not None
        ]
    return snapshot


def summary(session: ListeningSession) -> dict | None:
    """Return an ended session's counts for its host: rooms, people, turns, minutes."""
    count = db.session.scalar(select(SessionCount).where(SessionCount.session_id == session.id))
    if count is None:
        return None
    return {
        "rooms": count.rooms,
        "took_part": count.took_part,
        "spoke": count.spoke,
        "passed": count.passed,
        "minutes": round(count.floor_minutes),
    }


def room(
    row: Room, session: ListeningSession, now: float, names: dict[str, str | None] | None = None
) -> dict | None:
    """Return the snapshot everyone in one room (and the host) receives, or None if the room
    cannot be read. ``names`` saves a query when many rooms of one session are sent together.
    """
    state = row.engine_state()
    if state is None:
        return None
    if names is None:
        names = names_in_rooms([row.id])
    return {
        "version": row.version,
        "server_now": now,
        "session": {"code": session.code, "title": session.title, "status": str(session.status)},
        "room": room_view(
            row, state, session, names if names is not None else names_in_rooms([row.id])
        ),
    }


def names_in_rooms(room_ids: list[int]) -> dict[str, str | None]:
    """Return the names of these rooms' members by public id, in one light query."""
    if not room_ids:
        return {}
    query = (
        select(Participant.public_id, Name.name)
        .outerjoin(Name, Name.participant_id == Participant.id)
        .where(Participant.room_id.in_(room_ids))
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
        "call_link": call_link(session, row.number),
    }


def call_link(session: ListeningSession, number: int) -> str | None:
    """Return the room's own call link, when the group uses its own call and gave one."""
    links = session.call_links or []
    if session.voice != "call" or not 0 < number <= len(links):
        return None
    return links[number - 1]


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
