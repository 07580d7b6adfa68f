"""Socket.IO events: parse the payload, identify the caller, call one service, publish.

Each handler's docstring is the client contract; docs/protocol.md gathers them.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, request
from flask_socketio import disconnect as end_connection
from flask_socketio import join_room
from socketio.exceptions import ConnectionRefusedError
from sqlalchemy.exc import OperationalError

from .. import errors, services
from ..changes import Changes
from ..clock import now as clock_now
from ..engine import Refused
from ..extensions import db, socketio
from ..realtime.channels import host_channel, lobby_channel, person_channel
from ..realtime.publish import publish_safely, send_current
from ..services import health
from ..services.identity import no_longer_allowed
from . import limits, payloads
from .accounts import signed_in_as


@dataclass
class Connections:
    """This process's connections to one app: who each is, and each person's open screens."""

    #: who each connection belongs to, by Socket.IO sid
    callers: dict[str, services.Caller] = field(default_factory=dict)
    #: how many screens each participant has connected to this process
    screens: Counter[int] = field(default_factory=Counter)
    #: participants whose last screen went, to be marked away together
    leaving: set[int] = field(default_factory=set)
    #: whether a task is already on its way to mark them
    marking: bool = False
    #: each connection's allowance of voice signalling messages: (tokens left, when counted)
    signals: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: connections kept open after their person left, to show them the closing screen
    kept: set[str] = field(default_factory=set)


def live_connections() -> Connections:
    return current_app.extensions.setdefault("listening.connections", Connections())


Handler = Callable[[services.Caller, dict], Changes | dict]


def _refusal(error: Exception, doing: str, sorry: str | None = None) -> Refused:
    """Return the refusal a client gets for what went wrong; log what was unexpected."""
    if isinstance(error, Refused):
        return error
    if isinstance(error, OperationalError):
        return health.unavailable(error)
    current_app.logger.exception("%s failed", doing)
    return errors.server_error(sorry) if sorry else errors.server_error()


def _sid() -> str:
    """Return the Socket.IO id of the connection this event came on."""
    return request.sid  # type: ignore[attr-defined]


def _event(fn: Handler) -> Callable:
    """Wrap a client event so bad input gets a clear reply and never crashes the server."""

    @functools.wraps(fn)
    def handler(*args):
        try:
            caller = live_connections().callers.get(_sid())
            if caller is None:
                raise Refused("bad_auth", "Reconnect with your link first.")
            result = fn(caller, payloads.fields(args[0] if args else None))
            if isinstance(result, Changes):
                publish_safely(result)
                return {"ok": True}
            return {"ok": True, **result}
        except Exception as error:
            db.session.rollback()
            return {"ok": False, **errors.reply(_refusal(error, f"event {fn.__name__}"))}

    return handler


@socketio.on("connect")
def connect(auth=None):
    """Clients connect with ``auth`` holding the session code and their secret(s)."""
    try:
        limits.count_connection()
        given = payloads.credentials(auth)
        owner = signed_in_as() if given.owner else None
        caller = services.identify(given.code, given.host_key, given.token, owner)
    except Exception as error:
        db.session.rollback()
        refusal = _refusal(error, "connecting", "Something went wrong on our side. Please reload.")
        raise ConnectionRefusedError(refusal.message, errors.reply(refusal)) from None
    sid = _sid()
    connections = live_connections()
    connections.callers[sid] = caller
    join_room(lobby_channel(caller.session_id))
    if caller.is_host:
        join_room(host_channel(caller.session_id))
    public_id = caller.public_id
    if caller.participant_id is not None and public_id is not None:
        join_room(person_channel(public_id))
        connections.screens[caller.participant_id] += 1
        if connections.screens[caller.participant_id] == 1:
            _present(caller.participant_id)
    send_current(caller.session_id, public_id, caller.is_host, sid)


def _present(participant_id: int) -> None:
    """Record that someone is here; a failure is logged and mended by their next connection."""
    try:
        publish_safely(services.set_present(participant_id, True))
    except Exception:
        db.session.rollback()
        current_app.logger.exception("could not record presence for %s", participant_id)


@socketio.on("disconnect")
def disconnect(*_reason):
    """A screen went away: the person is away once their last screen has gone."""
    connections = live_connections()
    connections.signals.pop(_sid(), None)
    connections.kept.discard(_sid())
    caller = connections.callers.pop(_sid(), None)
    if caller is None or caller.participant_id is None:
        return
    connections.screens[caller.participant_id] -= 1
    if connections.screens[caller.participant_id] <= 0:
        del connections.screens[caller.participant_id]
        _away_soon(connections, caller.participant_id)


#: how many people one write marks away; the server answers others between batches
AWAY_BATCH = 250


def _away_soon(connections: Connections, participant_id: int) -> None:
    """Mark someone away once their last screen has gone, together with anyone else who left
    within ``PRESENCE_COALESCE_SECONDS``: a whole session dropping at once is one write per
    batch and one change per room, not one of each per screen."""
    connections.leaving.add(participant_id)
    delay = current_app.config["PRESENCE_COALESCE_SECONDS"]
    if delay <= 0:
        _mark_away(connections, pause=False)
    elif not connections.marking:
        connections.marking = True
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        socketio.start_background_task(_mark_away_later, app, connections, delay)


def _mark_away_later(app, connections: Connections, delay: float) -> None:
    socketio.sleep(delay)  # type: ignore[arg-type]  # (the stubs say int)
    with app.app_context():
        connections.marking = False  # from here, a new departure starts a new round
        try:
            _mark_away(connections, pause=True)
        finally:
            db.session.remove()


def _mark_away(connections: Connections, pause: bool) -> None:
    """Write who is still gone (a screen that came back in the meantime keeps them present)."""
    gone = sorted(p for p in connections.leaving if connections.screens[p] <= 0)
    connections.leaving = set()
    for first in range(0, len(gone), AWAY_BATCH):
        try:
            publish_safely(services.set_absent(gone[first : first + AWAY_BATCH]))
        except Exception:
            db.session.rollback()
            current_app.logger.exception("could not record that %d people left", len(gone))
        if pause:
            socketio.sleep(0)  # let /healthz and everyone else in between batches


def start_heartbeat(app) -> None:
    """Beat for this process every ``HEARTBEAT_SECONDS``, in whatever async mode it serves."""
    socketio.start_background_task(_beat_forever, app)


def _beat_forever(app) -> None:
    from ..ticker import QuietLog

    log = QuietLog()
    while True:
        socketio.sleep(app.config["HEARTBEAT_SECONDS"])
        try:
            beat_once(app, log)
        except Exception:  # pragma: no cover - beat_once catches its own; never stop beating
            app.logger.exception("the heartbeat failed outside its own care")


def beat_once(app, log=None) -> bool:
    """Say this process is alive and mend the store's list of its screens; say if it worked.

    Never raises: a heartbeat that stopped for good would have this process given up.
    """
    with app.app_context():
        connections = live_connections()

        def held() -> set[int]:
            return {p for p, screens in list(connections.screens.items()) if screens > 0}

        try:
            publish_safely(services.processes.beat(clock_now(), held))
            _end_what_is_no_longer_allowed(connections)
        except Exception:
            db.session.rollback()
            if log is not None:
                log.failed(app, "the heartbeat failed")
            return False
        finally:
            db.session.remove()
    if log is not None:
        log.worked()
    return True


def _end_what_is_no_longer_allowed(connections: Connections) -> None:
    """End this process's connections whose right to be here went while they were connected:
    a person removed (or who left, but for the screen they left from), or a console hosting by
    a sign-in that was disabled or signed out everywhere. The process where that happened ends
    its own at once; this reaches the others' within a heartbeat."""
    held = list(connections.callers.items())
    ended = no_longer_allowed([caller for _sid, caller in held])
    for position in sorted(ended):
        sid = held[position][0]
        if sid not in connections.kept:
            end_connection(sid=sid, namespace="/")


def resend_everything(app) -> None:
    """Send every screen on this process all it may see now: after the message queue came
    back, screens may have missed what other processes sent meanwhile."""
    with app.app_context():
        callers = list(live_connections().callers.items())
        app.logger.warning("the message queue is back: resending %d screens", len(callers))
        for done, (sid, caller) in enumerate(callers, 1):
            try:
                send_current(caller.session_id, caller.public_id, caller.is_host, sid)
            except Exception:
                db.session.rollback()
                app.logger.exception("could not resend a screen; it catches up on next change")
            if done % 50 == 0:
                socketio.sleep(0)  # let everyone else in between batches
        db.session.remove()


@socketio.on("finish")
@_event
def finish(caller, data):
    """The speaker sends this (with the ``step`` they saw) when they have said what they wanted."""
    return services.finish_turn(caller, payloads.step(data))


@socketio.on("pass")
@_event
def pass_turn(caller, data):
    """The speaker sends this (with the ``step`` they saw) to pass their turn."""
    return services.pass_turn(caller, payloads.step(data))


@socketio.on("start")
@_event
def start(caller, _data):
    """The host sends this to form rooms from the lobby and begin."""
    return services.start(caller)


@socketio.on("pause")
@_event
def pause(caller, data):
    """The host sends this with ``{room}`` to stop that room's clock."""
    return services.pause(caller, payloads.room_number(data))


@socketio.on("resume")
@_event
def resume(caller, data):
    """The host sends this with ``{room}`` to start a paused room's clock again."""
    return services.resume(caller, payloads.room_number(data))


@socketio.on("extend")
@_event
def extend(caller, data):
    """The host sends this with ``{room}`` to give the current speaker 30 more seconds."""
    return services.extend(caller, payloads.room_number(data))


@socketio.on("skip")
@_event
def skip(caller, data):
    """The host sends this with ``{room, member, step}`` to move past someone who has gone."""
    room = payloads.room_number(data)
    member, step = payloads.skipped(data)
    return services.skip(caller, room, member, step)


@socketio.on("remove")
@_event
def remove(caller, data):
    """The host sends this with ``{member}`` to take someone out of the session.

    Their screens are disconnected and their link stops working for them; their room sees only
    that they left. Nobody but the host is told.
    """
    changes, participant_id = services.remove_person(caller, payloads.member(data))
    _end_connections(lambda other: other.participant_id == participant_id)
    return changes


@socketio.on("leave")
@_event
def leave(caller, _data):
    """A participant leaves the session: their turns go, and the host is told once, by name."""
    changes, participant_id, name = services.leave(caller)
    publish_safely(changes)
    socketio.emit("left", {"name": name}, to=host_channel(caller.session_id))
    # Their other screens go; this one stays to show them the closing screen.
    live_connections().kept.add(_sid())
    _end_connections(lambda other: other.participant_id == participant_id, keep=_sid())
    return {}


def end_connections_of(account_id: int) -> None:
    """Disconnect this process's connections that host by this account's sign-in."""
    _end_connections(lambda caller: caller.owner is not None and caller.owner[0] == account_id)


def _end_connections(whose: Callable[[services.Caller], bool], keep: str | None = None) -> None:
    """Disconnect this process's connections whose caller matches (but ``keep``)."""
    for sid, caller in list(live_connections().callers.items()):
        if sid != keep and whose(caller):
            end_connection(sid=sid, namespace="/")


@socketio.on("end")
@_event
def end(caller, _data):
    """The host sends this to close every room and the session."""
    return services.end_session(caller)


@socketio.on("heard")
@_event
def heard(caller, data):
    """Someone who took part answers "Did you feel heard?" once the session has ended.

    Only the count of each answer is kept; nobody's answer is linked to them.
    """
    services.answer_heard(caller, payloads.heard(data))
    return {}


@socketio.on("clock")
@_event
def clock(_caller, _data):
    """Anyone connected sends this to learn the server's time, for an exact countdown."""
    return {"server_now": clock_now()}


@socketio.on("sync")
@_event
def sync(caller, _data):
    """Anyone connected sends this to be sent their snapshots again (say, a tab come back)."""
    send_current(caller.session_id, caller.public_id, caller.is_host, _sid())
    return {}


@socketio.on_error_default
def on_error(_error):  # pragma: no cover - _event already turns errors into replies
    """Log anything that escaped a handler; the connection stays up."""
    current_app.logger.exception("unhandled Socket.IO error")
    return {"ok": False, **errors.reply(errors.server_error("Something went wrong on our side."))}
