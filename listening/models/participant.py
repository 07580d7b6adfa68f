"""Someone who joined a session with a first name."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model

if TYPE_CHECKING:
    from .session import ListeningSession


class Participant(Model):
    """One person in one session; known to other screens by ``public_id`` only."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    #: the id other screens see; not a secret
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    #: SHA-256 of the participant's token, which only their browser holds
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the room they are in, once rooms exist
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"), index=True)
    #: whether any screen of theirs is connected (the lobby shows it)
    present: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime]
    #: whether they were here while the rooms ran: connected as the rooms formed, or after
    took_part: Mapped[bool] = mapped_column(default=False)
    #: whether they have answered "Did you feel heard?" (the answer itself is only counted)
    answered_heard: Mapped[bool] = mapped_column(default=False)
    #: their sound check: "ready" (a microphone that works), "no_mic" (they listen only), or
    #: None (not checked yet). The lobby counts it; the host sees who has no microphone.
    sound: Mapped[str | None] = mapped_column(String(8))
    #: when they left by their own choice (they are out, as if removed, but they took part)
    left_at: Mapped[datetime | None]
    #: when the host removed them; their token no longer works and their name is gone
    removed_at: Mapped[datetime | None]

    session: Mapped[ListeningSession] = relationship(back_populates="participants")
