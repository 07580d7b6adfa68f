"""Socket.IO events: identify the caller, call one service, hand the changes to the emit path.

Each handler's docstring is the client contract; docs/protocol.md gathers them.
"""

from __future__ import annotations

import functools
from collections import Counter

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, join_room

from .. import services
from ..engine import Refused
from ..extensions import db, socketio
from ..models import Participant
from .emit import host_channel, lobby_channel, person_channel, publish_safely, send_current

#: who each connection on this process belongs to, by Socket.IO sid
_callers: dict[str, services.Caller] = {}
#: how many screens each participant has connected to this process
_screens: Counter[int] = Counter()


def _reply_refused(refused: Refused) -> dict:
    reply = {"ok": False, "error": refused.code, "message": refused.message}
    if isinstance(refused, services.Invalid):
        reply["fields"] = refused.fields
    return reply


def _event(fn):
    """Wrap a client event so bad input gets a clear reply and never crashes the server."""

    @functools.wraps(fn)
    def handler(*args):
        try:
            caller = _callers.get(request.sid)
            if caller is None:
                raise Refused("bad_auth", "Reconnect with your link first.")
            payload = args[0] if args else {}
            if payload is None:
                payload = {}
            if not isinstance(payload, dict):
                raise Refused("bad_request", "Send the event's fields as an object.")
            result = fn(caller, payload)
            if isinstance(result, services.Changes):
                publish_safely(result)
                return {"ok": True}
            return {"ok": True, **(result or {})}
        except Refused as refused:
            db.session.rollback()
            return _reply_refused(refused)
        except Exception:
            db.session.rollback()
            current_app.logger.exception("event %s failed", fn.__name__)
            return {
                "ok": False,
                "error": "server_error",
                "message": "Something went wrong on our side. Please try again.",
            }

    return handler


@socketio.on("connect")
def connect(auth=None):
    """Clients connect with ``auth`` holding the session code and their secret(s)."""
    try:
        caller = services.identify(auth)
    except Exception as error:
        db.session.rollback()
        if not isinstance(error, Refused):
            current_app.logger.exception("could not identify a connection")
            error = Refused("server_error", "Something went wrong on our side. Please reload.")
        raise ConnectionRefusedError(
            error.message, {"error": error.code, "message": error.message}
        ) from None
    _callers[request.sid] = caller
    join_room(lobby_channel(caller.session_id))
    if caller.is_host:
        join_room(host_channel(caller.session_id))
    public_id = None
    if caller.participant_id is not None:
        public_id = db.session.get(Participant, caller.participant_id).public_id
        join_room(person_channel(public_id))
        _screens[caller.participant_id] += 1
        if _screens[caller.participant_id] == 1:
            _presence(caller.participant_id, True)
    send_current(caller.session_id, public_id, caller.is_host, request.sid)


def _presence(participant_id: int, present: bool) -> None:
    """Record presence; a failure is logged and mended by the person's next connection."""
    try:
        publish_safely(services.set_present(participant_id, present))
    except Exception:
        db.session.rollback()
        current_app.logger.exception("could not record presence for %s", participant_id)


@socketio.on("disconnect")
def disconnect(*_reason):
    """A screen went away: the person is away once their last screen has gone."""
    caller = _callers.pop(request.sid, None)
    if caller is None or caller.participant_id is None:
        return
    _screens[caller.participant_id] -= 1
    if _screens[caller.participant_id] <= 0:
        del _screens[caller.participant_id]
        _presence(caller.participant_id, False)


@socketio.on("finish")
@_event
def finish(caller, payload):
    """The speaker sends this (with the ``step`` they saw) when they have said what they wanted."""
    return services.speaker_move(caller, "finish", payload.get("step"))


@socketio.on("pass")
@_event
def pass_turn(caller, payload):
    """The speaker sends this (with the ``step`` they saw) to pass their turn."""
    return services.speaker_move(caller, "pass", payload.get("step"))


@socketio.on("start")
@_event
def start(caller, _payload):
    """The host sends this to form rooms from the lobby and begin."""
    return services.start(caller)


@socketio.on("pause")
@_event
def pause(caller, payload):
    """The host sends this with ``{room}`` to stop that room's clock."""
    return services.host_move(caller, "pause", payload.get("room"))


@socketio.on("resume")
@_event
def resume(caller, payload):
    """The host sends this with ``{room}`` to start a paused room's clock again."""
    return services.host_move(caller, "resume", payload.get("room"))


@socketio.on("extend")
@_event
def extend(caller, payload):
    """The host sends this with ``{room}`` to give the current speaker 30 more seconds."""
    return services.host_move(caller, "extend", payload.get("room"))


@socketio.on("skip")
@_event
def skip(caller, payload):
    """The host sends this with ``{room, member, step}`` to move past someone who has gone."""
    room, member, step = payload.get("room"), payload.get("member"), payload.get("step")
    return services.host_move(caller, "skip", room, member, step)


@socketio.on("end")
@_event
def end(caller, _payload):
    """The host sends this to close every room and the session."""
    return services.end_session(caller)


@socketio.on("clock")
@_event
def clock(_caller, _payload):
    """Anyone connected sends this to learn the server's time, for an exact countdown."""
    return {"server_now": services.clock()}


@socketio.on("sync")
@_event
def sync(caller, _payload):
    """Anyone connected sends this to be sent their snapshots again (say, a tab come back)."""
    public_id = None
    if caller.participant_id is not None:
        public_id = db.session.get(Participant, caller.participant_id).public_id
    send_current(caller.session_id, public_id, caller.is_host, request.sid)
    return {}


@socketio.on_error_default
def on_error(_error):  # pragma: no cover - _event already turns errors into replies
    """Log anything that escaped a handler; the connection stays up."""
    current_app.logger.exception("unhandled Socket.IO error")
    return {"ok": False, "error": "server_error", "message": "Something went wrong on our side."}
