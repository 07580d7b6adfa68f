"""What is kept of a session after it is deleted: when it was held and how many, never who."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class SessionCount(Model):
    """The counts of one ended session, written as it ends; they outlive the session."""

    __tablename__ = "session_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the session while it is kept (answers to "Did you feel heard?" arrive after it ends)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), unique=True
    )
    #: the account that hosted it; accounts are disabled, never deleted, so this stays
    host_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    #: when the session was created, and when its rooms started (None if they never did)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime]
    #: people who joined and were not removed by the host
    people: Mapped[int]
    #: of them, those who were here while the rooms ran (connected as they formed, or later)
    took_part: Mapped[int] = mapped_column(default=0)
    rooms: Mapped[int]
    #: turns by how they ended
    spoke: Mapped[int]
    passed: Mapped[int]
    away: Mapped[int]
    skipped: Mapped[int]
    #: minutes the floor was held: each turn from its start to its end, summed over every room
    floor_minutes: Mapped[float] = mapped_column(Float, default=0.0)
    #: answers to "Did you feel heard?", counted only: nobody's answer is kept
    heard_yes: Mapped[int] = mapped_column(default=0)
    heard_somewhat: Mapped[int] = mapped_column(default=0)
    heard_not_really: Mapped[int] = mapped_column(default=0)
