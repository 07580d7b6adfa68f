"""Parsing at the edge: what a client sends becomes typed values, or a clear ``bad_request``.

The write layer never sees a raw payload; it gets ``finish_turn(caller, step)``,
``skip(caller, room, member, step)`` and so on, with the types already right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeGuard

from ..engine import Refused
from ..services.validation import as_secret


@dataclass(frozen=True)
class Credentials:
    """The secrets a connection presents; one that cannot be ours is '' and matches nothing."""

    code: str
    host_key: str | None
    token: str | None
    #: whether the connection hosts as the signed-in owner, holding no key
    owner: bool = False


def credentials(auth: object) -> Credentials:
    """Return the session code and secrets from a Socket.IO ``auth`` object, or refuse."""
    if not isinstance(auth, dict) or as_secret(auth.get("session")) is None:
        raise Refused("bad_auth", "Connect with the session code from your link.")
    host_key, token = _secret(auth.get("host_key")), _secret(auth.get("token"))
    return Credentials(
        code=auth["session"], host_key=host_key, token=token, owner=auth.get("owner") is True
    )


def _secret(value: object) -> str | None:
    if value is None:
        return None
    return as_secret(value) or ""


def fields(payload: object) -> dict:
    """Return an event's fields, or refuse a payload that is not an object."""
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise Refused("bad_request", "Send the event's fields as an object.")
    return payload


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def room_number(data: dict) -> int:
    """Return the room a host's move names."""
    value = data.get("room")
    if not _whole(value):
        raise Refused("bad_request", "Say which room, by number.")
    return value


def step(data: dict) -> int | None:
    """Return the step the client saw, if it said: a late second press then changes nothing."""
    value = data.get("step")
    if value is None or _whole(value):
        return value
    raise Refused("bad_request", "The step must be the whole number from the snapshot.")


def member(data: dict) -> str:
    """Return the person (by public id) a host's move names."""
    value = data.get("member")
    if not isinstance(value, str):
        raise Refused("bad_request", "Say who, by the id from the console.")
    return value


def skipped(data: dict) -> tuple[str, int]:
    """Return who a skip names and the step the host saw; both are required."""
    member, seen = data.get("member"), step(data)
    if not isinstance(member, str) or seen is None:
        raise Refused("bad_request", "Say who to skip and the step you saw.")
    return member, seen


#: what "Did you feel heard?" may be answered
HEARD = ("yes", "somewhat", "not_really")


def heard(data: dict) -> str:
    """Return the answer to "Did you feel heard?"."""
    value = data.get("answer")
    if value not in HEARD:
        raise Refused("bad_request", 'Answer "yes", "somewhat" or "not_really".')
    return str(value)


#: what a signalling message may be
SIGNAL_KINDS = ("hello", "offer", "answer", "candidate", "bye")
#: a screen's id: a few random characters the page makes for itself
SCREEN = re.compile(r"[A-Za-z0-9_-]{1,32}")
#: the longest session description relayed (an audio-only one is 2 to 5 KB)
SDP_LIMIT = 12_000


@dataclass(frozen=True)
class Signal:
    """One WebRTC signalling message, checked field by field: only these fields are relayed."""

    to: str
    kind: str
    screen: str
    to_screen: str | None
    fields: dict

    def relayed(self, sender: str) -> dict:
        """Return what the other person's screens are sent."""
        return {
            "from": sender,
            "screen": self.screen,
            "to_screen": self.to_screen,
            "kind": self.kind,
            **self.fields,
        }


def signal(data: dict) -> Signal:
    """Return a signalling message, or refuse one that is malformed or too large."""
    to, kind, screen = data.get("to"), data.get("kind"), data.get("screen")
    to_screen = data.get("to_screen")
    if not isinstance(to, str) or as_secret(to) is None:
        raise Refused("bad_request", "Say who the message is for, by their id.")
    if kind not in SIGNAL_KINDS:
        raise Refused("bad_request", "A signal is a hello, offer, answer, candidate or bye.")
    if not isinstance(screen, str) or not SCREEN.fullmatch(screen):
        raise Refused("bad_request", "Say which screen sends it.")
    if to_screen is not None and (
        not isinstance(to_screen, str) or not SCREEN.fullmatch(to_screen)
    ):
        raise Refused("bad_request", "Say which screen it is for.")
    fields: dict = {}
    if kind in ("offer", "answer"):
        sdp = data.get("sdp")
        if not isinstance(sdp, str) or not 0 < len(sdp) <= SDP_LIMIT or to_screen is None:
            raise Refused("bad_request", "An offer or answer carries its session description.")
        fields["sdp"] = sdp
    elif kind == "candidate":
        candidate, mid, index = data.get("candidate"), data.get("sdpMid"), data.get("sdpMLineIndex")
        if (
            not isinstance(candidate, str)
            or len(candidate) > 1000
            or (mid is not None and (not isinstance(mid, str) or len(mid) > 64))
            or (index is not None and not (_whole(index) and 0 <= index <= 64))
            or to_screen is None
        ):
            raise Refused("bad_request", "An ICE candidate is a short text with its line.")
        fields.update(candidate=candidate, sdpMid=mid, sdpMLineIndex=index)
    return Signal(to=to, kind=kind, screen=screen, to_screen=to_screen, fields=fields)


def sound(data: dict) -> str:
    """Return a sound check's result."""
    value = data.get("state")
    if value not in ("ready", "no_mic"):
        raise Refused("bad_request", 'The sound check is "ready" or "no_mic".')
    return str(value)
