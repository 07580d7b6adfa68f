"""A listening session: the host's settings and the link everyone shares."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Float, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import engine
from ..extensions import Model
from .enums import stored_enum

if TYPE_CHECKING:
    from .participant import Participant
    from .room import Room


class SessionStatus(StrEnum):
    """Where a session is: people gather in the lobby, rooms run, then it has ended."""

    LOBBY = "lobby"
    RUNNING = "running"
    ENDED = "ended"


class ListeningSession(Model):
    """One listening session (not a database or browser session: those keep their own names)."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the public part of every link to this session
    code: Mapped[str] = mapped_column(String(16), unique=True)
    #: SHA-256 of the host key; the key itself is only ever in the host's link
    host_key_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(80))
    #: the host's prompts, one a round (cycling when there are more rounds than prompts)
    prompts: Mapped[list] = mapped_column(JSON)
    turn_seconds: Mapped[float] = mapped_column(Float)
    rounds: Mapped[int]
    silence_seconds: Mapped[float] = mapped_column(Float)
    grace_seconds: Mapped[float] = mapped_column(Float)
    status: Mapped[SessionStatus] = mapped_column(
        stored_enum(SessionStatus, "status"), default=SessionStatus.LOBBY
    )
    #: bumped by every change to the lobby, for compare-and-set and snapshot ordering
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    participants: Mapped[list[Participant]] = relationship(
        back_populates="session", order_by="Participant.id"
    )
    rooms: Mapped[list[Room]] = relationship(back_populates="session", order_by="Room.number")

    def settings(
        self, room_cap: int, away_wait_seconds: float = engine.Settings.away_wait_seconds
    ) -> engine.Settings:
        """Return the engine's settings for this session's rooms (cap and wait are the site's)."""
        return engine.Settings(
            turn_seconds=self.turn_seconds,
            rounds=self.rounds,
            silence_seconds=self.silence_seconds,
            grace_seconds=self.grace_seconds,
            away_wait_seconds=away_wait_seconds,
            room_cap=room_cap,
        )
