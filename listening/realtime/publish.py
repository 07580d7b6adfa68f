"""The one emit path: every snapshot leaves the server through this module.

Only what changed is sent. A room that changed goes once, as one encoded message, to its
members and the host. A lobby that changed (people came, went or were placed; the session
started or ended) goes to the session's screens, at most once every ``LOBBY_COALESCE_SECONDS``:
after a storm of 200 joins, one lobby, not 200. Snapshots are built first and the database
connection is let go before anything is sent, so a slow socket never holds the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import select

from ..changes import Changes
from ..clock import now as clock_now
from ..extensions import db, socketio
from ..models import ListeningSession, Participant, Room
from . import snapshots
from .channels import host_channel, lobby_channel, person_channel

#: (event, payload, channels)
Message = tuple[str, dict, list[str]]


def publish(changes: Changes) -> None:
    """Send fresh snapshots for everything that changed."""
    if not changes:
        return
    db.session.expire_all()
    outgoing = _room_messages(changes.rooms)
    delay = current_app.config["LOBBY_COALESCE_SECONDS"]
    for session_id in sorted(changes.sessions):
        if delay > 0:
            _lobby_soon(current_app._get_current_object(), session_id, delay)  # type: ignore[attr-defined]
        else:
            outgoing += _lobby_messages(session_id)
    _send(outgoing)


def publish_safely(changes: Changes) -> None:
    """Publish, but never turn a change already made into an error reply.

    The change is stored; if sending fails, screens catch up with the next snapshot or on
    reconnect, and a client that was told "failed" would only try again and do it twice.
    """
    try:
        publish(changes)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("could not send snapshots; screens catch up on next change")


def send_current(session_id: int, public_id: str | None, is_host: bool, sid: str) -> None:
    """Send one connection everything it may see right now."""
    db.session.expire_all()
    cap, now = current_app.config["ROOM_CAP"], clock_now()
    session = db.session.get(ListeningSession, session_id)
    if session is None:
        return
    outgoing: list[Message] = [("lobby", snapshots.lobby(session, cap, now), [sid])]
    if is_host:
        outgoing.append(("console", snapshots.console(session, cap, now, with_rooms=True), [sid]))
    if public_id is not None:
        # The person's room, found with one light query: never the session's whole list.
        room_id = db.session.scalar(
            select(Participant.room_id).where(
                Participant.session_id == session_id, Participant.public_id == public_id
            )
        )
        row = db.session.get(Room, room_id) if room_id is not None else None
        snapshot = snapshots.room(row, session, now) if row is not None else None
        if snapshot is not None:
            outgoing.append(("room", snapshot, [sid]))
    _send(outgoing)


def _room_messages(room_ids: set[int]) -> list[Message]:
    """Return one message per changed room, for its members and its session's host."""
    if not room_ids:
        return []
    now = clock_now()
    rows = db.session.scalars(select(Room).where(Room.id.in_(room_ids))).all()
    sessions: dict[int, ListeningSession | None] = {}
    # The names of these rooms' members only, in one light query, whatever the sessions' size.
    names = snapshots.names_in_rooms([row.id for row in rows])
    outgoing: list[Message] = []
    for row in sorted(rows, key=lambda r: (r.session_id, r.number)):
        if row.session_id not in sessions:
            sessions[row.session_id] = db.session.get(ListeningSession, row.session_id)
        session = sessions[row.session_id]
        if session is None:
            continue
        snapshot = snapshots.room(row, session, now, names)
        if snapshot is None:
            continue
        to = [person_channel(m["id"]) for m in snapshot["room"]["members"]]
        outgoing.append(("room", snapshot, [*to, host_channel(row.session_id)]))
    return outgoing


def _lobby_messages(session_id: int) -> list[Message]:
    """Return the lobby for the session's screens and the console (without rooms) for its host."""
    session = db.session.get(ListeningSession, session_id)
    if session is None:
        return []
    cap, now = current_app.config["ROOM_CAP"], clock_now()
    return [
        ("lobby", snapshots.lobby(session, cap, now), [lobby_channel(session_id)]),
        ("console", snapshots.console(session, cap, now, False), [host_channel(session_id)]),
    ]


def _send(outgoing: list[Message]) -> None:
    """Let go of the database, then send: each message is encoded once for all its channels."""
    db.session.close()
    for event, payload, to in outgoing:
        # One list of channels: the library encodes the message once for all of them.
        socketio.emit(event, payload, to=to)  # type: ignore[arg-type]  # (stubs: str only)


@dataclass
class Lobbies:
    """Sessions whose lobby is due to be sent, by this process."""

    due: set[int] = field(default_factory=set)


def _lobby_soon(app: Flask, session_id: int, delay: float) -> None:
    """Send the session's lobby after ``delay``, once, however many changes come before then."""
    lobbies = app.extensions.setdefault("listening.lobbies", Lobbies())
    if session_id in lobbies.due:
        return
    lobbies.due.add(session_id)
    socketio.start_background_task(_send_lobby_later, app, lobbies, session_id, delay)


def _send_lobby_later(app: Flask, lobbies: Lobbies, session_id: int, delay: float) -> None:
    socketio.sleep(delay)  # type: ignore[arg-type]  # (the stubs say int)
    with app.app_context():
        # Off the list before reading: a change made while this is built sends again.
        lobbies.due.discard(session_id)
        try:
            _send(_lobby_messages(session_id))
        except Exception:
            db.session.rollback()
            app.logger.exception("could not send a lobby; screens catch up on next change")
        finally:
            db.session.remove()
