"""Accounts: the first coordinator, signing in, and one-time links. The only writer of accounts.

Passwords are hashed with argon2id (argon2-cffi's defaults) and never stored or logged; one-time
links keep only a hash of their secret, are used once, and expire. Sign-in says the same thing,
and costs the same time, whether the address is unknown or the password wrong.
"""

from __future__ import annotations

import functools
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update

from ..clock import now as clock_now
from ..clock import stamp
from ..engine import Refused
from ..extensions import db
from ..models import Account, AccountLink, LinkPurpose, Role
from . import store
from .identity import digest

#: how long the first-run setup link works (a new one is printed at each start until it is used)
SETUP_DAYS = 1
#: how long an invitation works
INVITE_DAYS = 7
#: how long a password-reset link works
RESET_DAYS = 1
#: a password's length, in characters: long enough to resist guessing, short enough to hash
PASSWORD_LENGTH = (10, 200)
#: the longest email address there can be
EMAIL_LENGTH = 254

_hasher = PasswordHasher()


@functools.cache
def _nobody() -> str:
    """Return a hash to verify against when an address is unknown, so that answer takes as long
    as a wrong password. Made at the first sign-in, not on import: argon2 takes 64 MiB a hash,
    which every server process would otherwise hold at its peak from the start."""
    return _hasher.hash(secrets.token_urlsafe(16))


WRONG = "That email and password don't match an account. Check them and try again."


class Invalid(Exception):
    """A form field that cannot be accepted, with a sentence for the person."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(fields)
        self.fields = fields


def clean_email(text: str) -> str:
    """Return the address as stored (trimmed, lower-case), or raise Invalid."""
    email = (text or "").strip().lower()
    local, at, domain = email.partition("@")
    if not (at and local and "." in domain) or len(email) > EMAIL_LENGTH or " " in email:
        raise Invalid({"email": "Enter an email address, like name@example.org."})
    return email


def check_password(password: str, again: str | None = None) -> str:
    """Return the password if it may be used, or raise Invalid."""
    shortest, longest = PASSWORD_LENGTH
    if not shortest <= len(password or "") <= longest:
        raise Invalid({"password": f"Use {shortest} to {longest} characters."})
    if again is not None and again != password:
        raise Invalid({"again": "The two passwords are not the same."})
    return password


def needs_setup() -> bool:
    """Return whether no coordinator exists yet (a fresh database)."""
    coordinators = select(func.count()).where(Account.role == Role.COORDINATOR)
    return not db.session.scalar(coordinators)


def setup_link() -> str | None:
    """Return a fresh one-time setup token while no coordinator exists, else None.

    Earlier setup links stop working: only the newest printed one does.
    """
    if not needs_setup():
        return None
    token = secrets.token_urlsafe(32)

    def write() -> None:
        db.session.execute(delete(AccountLink).where(AccountLink.purpose == LinkPurpose.SETUP))
        at = clock_now()
        db.session.add(
            AccountLink(
                token_hash=digest(token),
                purpose=LinkPurpose.SETUP,
                role=Role.COORDINATOR,
                created_at=stamp(at),
                expires_at=stamp(at) + timedelta(days=SETUP_DAYS),
            )
        )

    store.attempt(write, "Try starting the server again.")
    return token


def find_link(token: str, purpose: LinkPurpose) -> AccountLink:
    """Return the unused, unexpired link with this secret, or refuse with a clear sentence."""
    link = None
    if token and len(token) <= 64:
        link = db.session.scalar(
            select(AccountLink).where(
                AccountLink.token_hash == digest(token), AccountLink.purpose == purpose
            )
        )
    if link is None:
        raise Refused("unknown_link", "This link doesn't work. Ask for a new one.")
    if link.used_at is not None:
        raise Refused("used_link", "This link has already been used. Ask for a new one.")
    if link.expires_at <= stamp(clock_now()):
        raise Refused("expired_link", "This link has expired. Ask for a new one.")
    return link


def _use(link: AccountLink) -> None:
    """Mark a one-time link used with a compare-and-set: of two uses at once, one wins and the
    other starts again from a fresh read, where the link is refused as used."""
    links = store.table(AccountLink)
    done = db.session.execute(
        update(links)
        .where(links.c.id == link.id, links.c.used_at.is_(None))
        .values(used_at=stamp(clock_now()))
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise store.Lost()


def use_setup_link(token: str, email: str, password: str, again: str) -> Account:
    """Create the first coordinator with the setup link, which then stops working."""
    _check_all(lambda: clean_email(email), lambda: check_password(password, again))

    def write() -> Account:
        link = find_link(token, LinkPurpose.SETUP)
        if not needs_setup():
            raise Refused("used_link", "This server already has a coordinator. Sign in instead.")
        _use(link)
        return _add(clean_email(email), password, Role.COORDINATOR)

    return store.attempt(write, "Lots happened at once; please try again.")


def create_account(email: str, password: str, role: Role = Role.COORDINATOR) -> Account:
    """Create an account directly (the command line, for servers without a browser)."""
    address, chosen = clean_email(email), check_password(password)
    return store.attempt(lambda: _add(address, chosen, role), "Lots happened at once; try again.")


def _add(email: str, password: str, role: Role) -> Account:
    if db.session.scalar(select(Account.id).where(Account.email == email)) is not None:
        raise Invalid({"email": "There is already an account with this email address."})
    account = Account(
        email=email,
        password_hash=_hasher.hash(password),
        role=role,
        created_at=stamp(clock_now()),
    )
    db.session.add(account)
    db.session.flush()
    return account


def sign_in(email: str, password: str) -> Account:
    """Return the account these credentials open, or refuse (the same way whatever was wrong)."""
    address = (email or "").strip().lower()[:EMAIL_LENGTH]
    account = db.session.scalar(select(Account).where(Account.email == address))
    try:
        _hasher.verify(account.password_hash if account else _nobody(), password or "")
    except (VerificationError, InvalidHashError):
        account = None
    if account is None or account.disabled_at is not None:
        raise Refused("wrong_sign_in", WRONG)
    return account


def signed_in(account_id: int, epoch: int) -> Account | None:
    """Return the account a sign-in cookie names, if it still counts (not disabled, not signed
    out everywhere since)."""
    account = db.session.get(Account, account_id)
    if account is None or account.disabled_at is not None or account.sign_in_epoch != epoch:
        return None
    return account


def sign_out_everywhere(account_id: int) -> None:
    """End every sign-in of this account, on every device."""

    def write() -> None:
        account = db.session.get(Account, account_id)
        if account is not None:
            account.sign_in_epoch += 1

    store.attempt(write, "Lots happened at once; please try again.")


#: the largest id the store can hold; larger ones in a path are simply unknown
LARGEST_ID = 2**63 - 1


def _account(account_id: int) -> Account | None:
    return db.session.get(Account, account_id) if 0 < account_id <= LARGEST_ID else None


def require_coordinator(account_id: int) -> Account:
    """Return the signed-in coordinator, or refuse anyone else."""
    account = db.session.get(Account, account_id)
    if account is None or account.disabled_at is not None or account.role != Role.COORDINATOR:
        raise Refused("not_coordinator", "Only a coordinator can do that.")
    return account


def _new_link(purpose: LinkPurpose, days: float, **fields) -> str:
    """Add a one-time link (keeping only its hash) and return its secret, to be shown once."""
    token = secrets.token_urlsafe(32)
    at = stamp(clock_now())
    db.session.add(
        AccountLink(
            token_hash=digest(token),
            purpose=purpose,
            created_at=at,
            expires_at=at + timedelta(days=days),
            **fields,
        )
    )
    return token


def invite(by: int, role: Role) -> str:
    """Return a single-use invitation (7 days) for a new host or coordinator."""

    def write() -> str:
        require_coordinator(by)
        return _new_link(LinkPurpose.INVITE, INVITE_DAYS, role=role, created_by=by)

    return store.attempt(write, "Lots happened at once; please try again.")


def accept_invitation(token: str, email: str, password: str, again: str) -> Account:
    """Create the invited account with the invitation, which then stops working."""
    _check_all(lambda: clean_email(email), lambda: check_password(password, again))

    def write() -> Account:
        link = find_link(token, LinkPurpose.INVITE)
        role = link.role
        assert role is not None
        _use(link)
        return _add(clean_email(email), password, role)

    return store.attempt(write, "Lots happened at once; please try again.")


def reset_link(by: int, account_id: int) -> str:
    """Return a single-use link (a day) that lets the account's owner choose a new password."""

    def write() -> str:
        require_coordinator(by)
        if _account(account_id) is None:
            raise Refused("unknown_account", "There is no such account.")
        return _new_link(LinkPurpose.RESET, RESET_DAYS, account_id=account_id, created_by=by)

    return store.attempt(write, "Lots happened at once; please try again.")


def use_reset_link(token: str, password: str, again: str) -> Account:
    """Set a new password with a reset link; every earlier sign-in of the account ends."""
    _check_all(lambda: check_password(password, again))

    def write() -> Account:
        link = find_link(token, LinkPurpose.RESET)
        account = db.session.get(Account, link.account_id)
        if account is None:
            raise Refused("unknown_link", "This link doesn't work. Ask for a new one.")
        _use(link)
        account.password_hash = _hasher.hash(password)
        account.sign_in_epoch += 1
        return account

    return store.attempt(write, "Lots happened at once; please try again.")


def set_disabled(by: int, account_id: int, disabled: bool) -> Account:
    """Disable an account (it can no longer sign in; what it did stays), or enable it again."""

    def write() -> Account:
        require_coordinator(by)
        if account_id == by:
            raise Refused("own_account", "You can't disable your own account.")
        account = _account(account_id)
        if account is None:
            raise Refused("unknown_account", "There is no such account.")
        if disabled and account.disabled_at is None:
            # Lock the coordinators (PostgreSQL), write, then count within this transaction:
            # two coordinators disabling each other at once cannot leave nobody to sign in.
            db.session.scalars(
                select(Account.id).where(Account.role == Role.COORDINATOR).with_for_update()
            ).all()
            account.disabled_at = stamp(clock_now())
            account.sign_in_epoch += 1
            # Unused links for it, and the invitations and resets it made, stop working too.
            db.session.execute(
                delete(AccountLink).where(
                    (AccountLink.account_id == account.id) | (AccountLink.created_by == account.id)
                )
            )
            db.session.flush()
            if _enabled_coordinators() == 0:
                raise Refused("own_account", "At least one coordinator must stay enabled.")
        elif not disabled:
            account.disabled_at = None
        return account

    return store.attempt(write, "Lots happened at once; please try again.")


def _enabled_coordinators() -> int:
    query = select(func.count()).where(
        Account.role == Role.COORDINATOR, Account.disabled_at.is_(None)
    )
    return db.session.scalar(query) or 0


def everyone() -> list[Account]:
    """Return every account, coordinators first, then by address."""
    return list(db.session.scalars(select(Account).order_by(Account.role, Account.email)))


def _check_all(*checks) -> None:
    """Run every check and raise one Invalid with all their fields."""
    fields: dict[str, str] = {}
    for check in checks:
        try:
            check()
        except Invalid as invalid:
            fields |= invalid.fields
    if fields:
        raise Invalid(fields)
