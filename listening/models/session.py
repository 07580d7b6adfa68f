"""A listening session: the host's settings and the link everyone shares."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import engine
from ..extensions import Model
from ..schedules import Repeat
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
    #: the account that created it (None for sessions made before sessions had hosts)
    host_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    #: the code of the first session of a repeating series; every later one carries it, so
    #: the first link always leads to the next session
    series: Mapped[str | None] = mapped_column(String(16), index=True)
    #: when it is scheduled to start (UTC), and the host's time zone its wall time is kept in
    starts_at: Mapped[datetime | None]
    time_zone: Mapped[str | None] = mapped_column(String(64))
    #: the start on the host's clock as they chose it (a series keeps this wall time, even on a
    #: day a clock change skips it and ``starts_at`` moves on by the gap)
    starts_local: Mapped[datetime | None]
    repeat: Mapped[Repeat] = mapped_column(stored_enum(Repeat, "repeat"), default=Repeat.ONCE)
    #: for a monthly series: which weekday of the month (1 to 4, or -1 for the last)
    repeat_ordinal: Mapped[int | None]
    #: how people hear each other: "app" (voice in the app) or "call" (the group's own call)
    voice: Mapped[str] = mapped_column(String(8), default="app")
    #: with "call": each room's call link (https), room 1 first
    call_links: Mapped[list | None] = mapped_column(JSON)
    #: the host's own words, set before the session: a welcome and ground rules for the lobby,
    #: closing words and support links (https) for the end. Never anything said in a room.
    welcome: Mapped[str | None] = mapped_column(Text)
    ground_rules: Mapped[str | None] = mapped_column(Text)
    closing_words: Mapped[str | None] = mapped_column(Text)
    support_links: Mapped[list | None] = mapped_column(JSON)

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
