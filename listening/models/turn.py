"""When someone's turn happened and how it ended: timings, never words."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..engine import Outcome
from ..extensions import Model
from .enums import stored_enum


class Turn(Model):
    """One turn in one round: who, when, and whether they spoke, passed, were away or skipped."""

    __tablename__ = "turns"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    round: Mapped[int]
    outcome: Mapped[Outcome] = mapped_column(stored_enum(Outcome, "outcome"))
    #: None when the person never had the floor (away, or skipped before starting)
    began_at: Mapped[datetime | None]
    ended_at: Mapped[datetime]
