"""People who run the work: coordinators and hosts, who sign in. Participants never do."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .enums import stored_enum


class Role(StrEnum):
    """What an account may do: coordinators invite and review; hosts run sessions."""

    COORDINATOR = "coordinator"
    HOST = "host"


class LinkPurpose(StrEnum):
    """What a one-time link is for."""

    SETUP = "setup"
    INVITE = "invite"
    RESET = "reset"


class Account(Model):
    """One coordinator or host, signed in by email and password."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: kept lower-case, so one address is one account however it is typed
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: an argon2id hash (the password itself is never stored)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(stored_enum(Role, "role"))
    created_at: Mapped[datetime]
    #: set when a coordinator disables the account: it can no longer sign in
    disabled_at: Mapped[datetime | None]
    #: raised by "sign out everywhere": every sign-in made before no longer counts
    sign_in_epoch: Mapped[int] = mapped_column(default=0)


class AccountLink(Model):
    """A one-time link: first-run setup, an invitation, or a password reset.

    Only a hash of its secret is kept; the link itself is shown once, to whoever made it.
    """

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[LinkPurpose] = mapped_column(stored_enum(LinkPurpose, "link_purpose"))
    #: the role an invitation or the setup link gives
    role: Mapped[Role | None] = mapped_column(stored_enum(Role, "link_role"))
    #: the account a reset is for
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    #: the coordinator who made it (None for the setup link): disabling them ends their links
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
