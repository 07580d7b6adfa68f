"""Every error code a client can be sent, with the HTTP status it carries over HTTP.

A refusal is raised as :class:`engine.Refused` (code and a sentence for a person) wherever the
rule lives; this table is the one place that says what each code means to a client. Socket.IO
replies carry the code alone; HTTP answers carry it with this status. docs/protocol.md lists
the same codes, and a test keeps the three in step.
"""

from __future__ import annotations

from .engine import Refused

#: code -> HTTP status
STATUS: dict[str, int] = {
    # The request itself.
    "bad_request": 400,  # not an object, or a field of the wrong type
    "invalid": 400,  # a session's settings need another look (with ``fields``)
    "invalid_name": 400,  # a first name that is empty, too long or has hidden characters
    # Who is asking.
    "bad_auth": 401,  # a connection without a session code and a secret
    "not_signed_in": 401,  # creating or listing sessions without signing in
    "forged_key": 403,  # a host key that is not this session's
    "unknown_participant": 401,  # a participant token this session does not know
    "not_host": 403,  # a host's move from someone else
    "not_participant": 403,  # a speaker's move from a host who has not joined
    "not_speaker": 403,  # finish or pass from someone who does not have the floor
    "removed": 403,  # the host took this person out of the session
    "cross_site": 403,  # an HTML form posted from a page on another site
    "not_your_session": 403,  # a session's console or copy from an account that is not its host
    "not_coordinator": 403,  # a coordinator's page or action, from a host or nobody
    "own_account": 409,  # a coordinator disabling their own account
    "wrong_sign_in": 401,  # an email and password that open no account (or a disabled one)
    # What they asked about.
    "unknown_session": 404,
    "unknown_room": 404,
    "unknown_account": 404,  # an account id that does not exist
    "unknown_link": 404,  # a setup, invitation or reset link that was never issued
    "used_link": 410,  # a one-time link that has been used
    "expired_link": 410,  # a one-time link past its date
    # The state does not allow it now.
    "full": 409,  # the session or room holds as many people as it may
    "ended": 409,  # the session has ended
    "not_open": 409,  # joining a scheduled session before its lobby opens (15 minutes before)
    "not_ended": 409,  # "Did you feel heard?" answered before the session has ended
    "answered": 409,  # "Did you feel heard?" answered a second time
    "too_late": 409,  # "Did you feel heard?" answered after its window closed
    "started": 409,  # Start, a second time
    "too_few": 409,  # Start with fewer than two people
    "not_started": 409,  # a move in a room still gathering people
    "closed": 409,  # a move in a room that has finished
    "not_in_your_room": 403,  # voice signalling for someone not present in the sender's room
    "not_in_room": 409,  # a speaker's move before the person has a room
    "paused": 409,  # finish or pass while paused, or pause twice
    "not_paused": 409,  # resume when not paused
    "no_turn": 409,  # extend when nobody is speaking
    "stale": 409,  # a move naming a step or person that has already moved on
    # The server.
    "rate_limited": 429,  # too many creations, joins or connections from one address
    "busy": 503,  # a write kept losing races with others; try again
    "unavailable": 503,  # the store cannot take writes (full, read-only, unreachable); try later
    "server_error": 500,  # something unexpected failed; it is logged and nothing changed
}


#: seconds a client is told to wait before trying again, for the codes that mean "not now"
RETRY_AFTER = {"busy": 2, "unavailable": 30, "rate_limited": 60}


def status_of(refused: Refused) -> int:
    """Return the HTTP status for a refusal (400 for a code the table has not heard of)."""
    return STATUS.get(refused.code, 400)


def reply(refused: Refused) -> dict:
    """Return the body a client is sent for a refusal: its code, sentence and any fields."""
    body = {"error": refused.code, "message": refused.message}
    fields = getattr(refused, "fields", None)
    if fields:
        body["fields"] = fields
    return body


def server_error(message: str = "Something went wrong on our side. Please try again.") -> Refused:
    """Return the refusal a client gets when something unexpected failed on the server."""
    return Refused("server_error", message)
