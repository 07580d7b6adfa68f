"""Who is asking: a caller proven by a secret the server issued, never by what a client says."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from ..engine import Refused
from ..extensions import db
from ..models import Account, ListeningSession, Participant


@dataclass(frozen=True)
class Caller:
    """Who a connection belongs to: the host, a participant, or a host who takes part."""

    session_id: int
    participant_id: int | None = None
    is_host: bool = False
    #: the participant's public id (their person channel and place in rooms), if they take part
    public_id: str | None = None
    #: the signed-in account (id, sign-in epoch) that hosts without a key: checked again before
    #: every host's move, so disabling it or signing out everywhere ends its power at once
    owner: tuple[int, int] | None = None


def digest(secret: str) -> str:
    """Return the hash the store keeps in place of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """Return a fresh secret for a host key or a participant token."""
    return secrets.token_urlsafe(18)


def _could_be_code(code: str | None) -> bool:
    """Return whether this could be a code the server issued (printable ASCII, short)."""
    return code is not None and len(code) <= 16 and code.isascii() and code.isprintable()


def find_session(code: str | None) -> ListeningSession:
    """Return the session with this public code, or refuse."""
    session = None
    if _could_be_code(code):
        session = db.session.scalar(select(ListeningSession).where(ListeningSession.code == code))
    if session is None:
        raise Refused("unknown_session", "We can't find that session. Check the link.")
    return session


def find_current(code: str | None) -> ListeningSession:
    """Return the session a shared link leads to now: a repeating series' first link leads to
    its newest session once earlier ones have ended (or been deleted)."""
    session = None
    if _could_be_code(code):
        session = db.session.scalar(select(ListeningSession).where(ListeningSession.code == code))
    if session is not None and (session.status != "ended" or session.series is None):
        return session
    series = session.series if session is not None else code
    newest = None
    if _could_be_code(series):
        newest = db.session.scalar(
            select(ListeningSession)
            .where(ListeningSession.series == series)
            .order_by(ListeningSession.id.desc())
            .limit(1)
        )
    if newest is None and session is None:
        raise Refused("unknown_session", "We can't find that session. Check the link.")
    return newest or session  # type: ignore[return-value]


def identify(
    code: str, host_key: str | None, token: str | None, owner: tuple[int, int] | None = None
) -> Caller:
    """Return who is connecting from the secrets they hold, or refuse.

    The edge has already refused secrets that cannot be ours; here they are checked against
    what the store keeps. ``owner`` is the signed-in account (id, sign-in epoch) a connection
    says hosts this session without a key: it hosts only if the session is that account's own.
    """
    session = find_session(code)
    is_host = False
    if host_key is not None:
        if not secrets.compare_digest(digest(host_key), session.host_key_hash):
            raise Refused("forged_key", "That host link is not right. Use the link you were given.")
        is_host = True
        owner = None
    elif owner is not None:
        require_owner(session, owner[0])
        is_host = True
    participant = None
    if token is not None:
        participant = db.session.scalar(
            select(Participant).where(
                Participant.session_id == session.id, Participant.token_hash == digest(token)
            )
        )
        if participant is None:
            raise Refused("unknown_participant", "We don't recognise you here; please join again.")
        if participant.removed_at is not None:
            if not is_host:
                raise Refused("removed", "The host has taken you out of this session.")
            participant = None  # a host who removed themselves still hosts
    if not is_host and participant is None:
        raise Refused("bad_auth", "Join the session with your first name first.")
    if participant is None:
        return Caller(session.id, None, is_host, owner=owner)
    return Caller(session.id, participant.id, is_host, participant.public_id, owner)


def require_owner(session: ListeningSession, account_id: int | None) -> None:
    """Refuse anyone but the signed-in host who created this session."""
    if account_id is None or session.host_account_id != account_id:
        raise Refused(
            "not_your_session",
            "This session belongs to another host. Use the host link you were given.",
        )


def no_longer_allowed(callers: list[Caller]) -> set[int]:
    """Return the positions, in ``callers``, of those whose right to stay connected has gone
    since they connected: a participant removed (or who left), or a console hosting by a sign-in
    that was disabled or signed out everywhere. Two light queries, however many callers."""
    people = {c.participant_id for c in callers if c.participant_id is not None}
    owners = {c.owner[0] for c in callers if c.owner is not None}
    gone = set(
        db.session.scalars(
            select(Participant.id).where(
                Participant.id.in_(people), Participant.removed_at.is_not(None)
            )
        ).all()
        if people
        else ()
    )
    epochs = (
        {
            account_id: (disabled is None, epoch)
            for account_id, disabled, epoch in db.session.execute(
                select(Account.id, Account.disabled_at, Account.sign_in_epoch).where(
                    Account.id.in_(owners)
                )
            ).all()
        }
        if owners
        else {}
    )
    ended = set()
    for position, caller in enumerate(callers):
        if caller.participant_id in gone:
            ended.add(position)
        elif caller.owner is not None and epochs.get(caller.owner[0]) != (True, caller.owner[1]):
            ended.add(position)
    return ended


def require_host(caller: Caller) -> None:
    """Refuse anyone but the host (one hosting by their sign-in only while it still counts)."""
    if not caller.is_host:
        raise Refused("not_host", "Only the host can do that.")
    if caller.owner is not None:
        account = db.session.get(Account, caller.owner[0])
        if account is None or account.disabled_at is not None:
            raise Refused("not_host", "This account can no longer host. Please sign in again.")
        if account.sign_in_epoch != caller.owner[1]:
            raise Refused("not_host", "You were signed out. Please sign in again to host.")
