"""One room of a session: at most the room cap, running the format by itself."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Float, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import engine
from ..extensions import Model

if TYPE_CHECKING:
    from .session import ListeningSession


class Room(Model):
    """The engine's room, stored whole, with a version for compare-and-set."""

    __tablename__ = "rooms"
    __table_args__ = (
        Index("ix_rooms_deadline", "deadline"),
        UniqueConstraint("session_id", "number", name="uq_rooms_session_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    #: 1, 2, 3 … within the session
    number: Mapped[int]
    #: bumped by every change; a write succeeds only if nobody else wrote first
    version: Mapped[int] = mapped_column(default=0)
    #: the engine's room, as ``engine.to_dict`` gives it
    state: Mapped[dict] = mapped_column(JSON)
    #: copy of the state's deadline, so the ticker finds due rooms with one indexed query
    deadline: Mapped[float | None] = mapped_column(Float)
    closed_at: Mapped[datetime | None]

    session: Mapped[ListeningSession] = relationship(back_populates="rooms")

    def engine_state(self) -> engine.Room | None:
        """Return the stored room as the engine's, or None (logged) if it cannot be read.

        One room in that state must not stop the others, their screens, or the session's end.
        """
        try:
            return engine.from_dict(self.state)
        except (KeyError, TypeError, ValueError):
            logging.getLogger(__name__).exception("room %s cannot be read", self.id)
            return None
