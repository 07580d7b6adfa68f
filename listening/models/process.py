"""Server processes sharing one database: who is alive, whose screens they hold, who ticks.

Each web process beats (``beat_at``) every few seconds. A person counts as connected while
any live process holds a screen of theirs; when a process stops beating (killed, frozen, cut
off), its screens are forgotten and anyone left with none is marked away. The ticker's lease
lets exactly one process move rooms on; another takes it over when the holder stops renewing.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class ServerProcess(Model):
    """One running server process, known by a random id it makes when it starts."""

    __tablename__ = "processes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: the last time it said it was alive (seconds since the epoch, the app's clock)
    beat_at: Mapped[float] = mapped_column(Float)


class Screen(Model):
    """A process holds at least one connected screen of this participant."""

    __tablename__ = "screens"

    process_id: Mapped[str] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Lease(Model):
    """Work only one process may do at a time (the ticker), held until ``until``."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(32))
    until: Mapped[float] = mapped_column(Float)
