"""The one emit path: every snapshot leaves the server through this module."""

from __future__ import annotations

from flask import current_app

from ..changes import Changes
from ..clock import now as clock_now
from ..extensions import db, socketio
from ..models import ListeningSession, Room
from . import snapshots
from .channels import host_channel, lobby_channel, person_channel


def publish(changes: Changes) -> None:
    """Send fresh snapshots for everything that changed."""
    if not changes:
        return
    db.session.expire_all()
    cap, now = current_app.config["ROOM_CAP"], clock_now()
    session_ids = set(changes.sessions)
    names: dict[int, dict[str, str | None]] = {}
    for room_id in sorted(changes.rooms):
        row = db.session.get(Room, room_id)
        if row is None:
            continue
        session_ids.add(row.session_id)
        if row.session_id not in names:
            names[row.session_id] = snapshots.names_in(row.session)
        snapshot = snapshots.room(row, row.session, now, names[row.session_id])
        if snapshot is None:
            continue
        for member in snapshot["room"]["members"]:
            socketio.emit("room", snapshot, to=person_channel(member["id"]))
    for session_id in sorted(session_ids):
        session = db.session.get(ListeningSession, session_id)
        if session is None:
            continue
        socketio.emit("console", snapshots.console(session, cap, now), to=host_channel(session_id))
        socketio.emit("lobby", snapshots.lobby(session, cap, now), to=lobby_channel(session_id))


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
    socketio.emit("lobby", snapshots.lobby(session, cap, now), to=sid)
    if is_host:
        socketio.emit("console", snapshots.console(session, cap, now), to=sid)
    if public_id is not None:
        participant = next(p for p in session.participants if p.public_id == public_id)
        if participant.room_id is not None:
            row = db.session.get(Room, participant.room_id)
            snapshot = snapshots.room(row, session, now) if row is not None else None
            if snapshot is not None:
                socketio.emit("room", snapshot, to=sid)
