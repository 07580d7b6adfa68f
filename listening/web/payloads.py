"""Parsing at the edge: what a client sends becomes typed values, or a clear ``bad_request``.

The write layer never sees a raw payload; it gets ``finish_turn(caller, step)``,
``skip(caller, room, member, step)`` and so on, with the types already right.
"""

from __future__ import annotations

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
