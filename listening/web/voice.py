"""Socket.IO events for voice in the app: the sound check, the ICE servers, and the relay of
WebRTC signalling between present members of one room. The server never sees audio.

Declared on import by ``events`` (they use its ``_event`` wrapper), before any app starts.
"""

from __future__ import annotations

import time

from flask import current_app

from ..clock import now as clock_now
from ..engine import Refused
from ..extensions import socketio
from ..realtime.channels import person_channel
from ..services import voice
from . import payloads
from .events import _event, _sid, live_connections
from .guards import QuietCount

_refused = QuietCount("refused %d signalling message(s) (malformed, not a roommate, or a flood)")


def _allow(sid: str) -> None:
    """Spend one of this connection's signalling tokens, or refuse a flood."""
    burst, rate = current_app.config["SIGNAL_BURST"], current_app.config["SIGNAL_RATE"]
    allowance = live_connections().signals
    now = time.monotonic()
    tokens, last = allowance.get(sid, (float(burst), now))
    tokens = min(float(burst), tokens + (now - last) * rate)
    if tokens < 1:
        allowance[sid] = (tokens, now)
        raise Refused("rate_limited", "Too many voice messages at once; the call slows down.")
    allowance[sid] = (tokens - 1, now)


@socketio.on("signal")
@_event
def signal(caller, data):
    """A participant's WebRTC signalling for one roommate: hello, offer, answer, candidate, bye.

    Relayed as ``signal`` to that person's screens only if both are present members of the same
    room of this session; the sender's id comes from their connection, never from the payload.
    """
    try:
        _allow(_sid())
        message = payloads.signal(data)
        to = voice.signal_target(caller, message.to)
    except Refused:
        _refused.add()
        raise
    socketio.emit("signal", message.relayed(caller.public_id), to=person_channel(to))
    return {}


@socketio.on("voice_config")
@_event
def voice_config(caller, _data):
    """A participant asks for the ICE servers (TURN credentials last a few hours)."""
    if caller.public_id is None:
        raise Refused("not_participant", "Join the session to hear your room.")
    config = current_app.config
    servers = voice.ice_servers(
        config["ICE_SERVERS"],
        config["TURN_SECRET"],
        config["TURN_TTL_SECONDS"],
        caller.public_id,
        clock_now(),
    )
    return {"ice_servers": servers}


@socketio.on("sound")
@_event
def sound(caller, data):
    """A participant's sound check: ``{"state": "ready" | "no_mic"}``."""
    return voice.set_sound(caller, payloads.sound(data))
