"""What is kept of a session after it is deleted: when it was held and how many, never who."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class SessionCount(Model):
    """The counts of one ended session, written as it ends; they outlive the session."""

    __tablename__ = "session_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: when the session was created, and when its rooms started (None if they never did)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime]
    #: people who joined and were not removed by the host
    people: Mapped[int]
    rooms: Mapped[int]
    #: turns by how they ended
    spoke: Mapped[int]
    passed: Mapped[int]
    away: Mapped[int]
    skipped: Mapped[int]
