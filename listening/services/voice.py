"""Voice in the app: who may signal whom, each person's sound check, and the ICE servers.

The server relays WebRTC signalling (offers, answers, ICE candidates) and never sees audio:
media goes peer to peer, encrypted (DTLS-SRTP). A message is relayed only between two present
members of the same room of the same session; anything else is refused before it is relayed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from sqlalchemy import select, update

from ..changes import Changes
from ..engine import Refused
from ..extensions import db
from ..models import ListeningSession, Participant
from . import store
from .identity import Caller

#: what a sound check may report
SOUND_STATES = ("ready", "no_mic")


def signal_target(caller: Caller, to: str) -> str:
    """Return the person a signalling message may go to, or refuse.

    Both must be present members of one room of the caller's session: not another room, not
    another session, not someone who has left or was removed.
    """
    if caller.public_id is None:
        raise Refused("not_participant", "Join the session to hear your room.")
    rows = db.session.execute(
        select(Participant.public_id, Participant.room_id, Participant.present).where(
            Participant.session_id == caller.session_id,
            Participant.public_id.in_([caller.public_id, to]),
            Participant.removed_at.is_(None),
        )
    ).all()
    found = {public_id: (room_id, present) for public_id, room_id, present in rows}
    mine = found.get(caller.public_id)
    if mine is None or mine[0] is None:
        raise Refused("not_in_room", "You are not in a room yet.")
    theirs = found.get(to)
    if to == caller.public_id or theirs is None or theirs[0] != mine[0] or not theirs[1]:
        raise Refused("not_in_your_room", "That person is not here in your room.")
    return to


def set_sound(caller: Caller, state: str) -> Changes:
    """Record someone's sound check: a microphone that works, or listening only."""
    if caller.participant_id is None:
        raise Refused("not_participant", "Join the session first.")
    people, sessions = store.table(Participant), store.table(ListeningSession)

    def write() -> Changes:
        changed = db.session.execute(
            update(people)
            .where(people.c.id == caller.participant_id, people.c.sound.is_distinct_from(state))
            .values(sound=state)
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            # The lobby's count and the host's list change with it.
            db.session.execute(
                update(sessions)
                .where(sessions.c.id == caller.session_id)
                .values(version=sessions.c.version + 1)
            )
            return Changes(sessions={caller.session_id})
        return Changes()

    return store.attempt(write, "Lots happened at once; the lobby catches up.")


def ice_servers(setting: str, secret: str, ttl: int, user: str, now: float) -> list[dict]:
    """Return the ICE servers a browser is given, from ``LISTENING_ICE_SERVERS`` (JSON).

    TURN servers get time-limited credentials derived from ``LISTENING_TURN_SECRET`` by the
    coturn REST convention (``use-auth-secret``): the username is "expiry:user", the
    credential base64(HMAC-SHA1(secret, username)). Without a setting: none (on one machine or
    a LAN, host candidates are enough).
    """
    servers = json.loads(setting) if setting else []
    given = []
    for server in servers:
        urls = server.get("urls") if isinstance(server, dict) else None
        if urls is None:
            continue
        entry = {"urls": urls}
        listed = urls if isinstance(urls, list) else [urls]
        if secret and any(str(u).startswith(("turn:", "turns:")) for u in listed):
            username = f"{int(now) + ttl}:{user}"
            digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
            entry["username"] = username
            entry["credential"] = base64.b64encode(digest).decode()
        given.append(entry)
    return given
