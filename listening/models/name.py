"""First names, kept apart from everything else about a person.

A name is the one thing typed in a session that the store keeps, and only while the session
runs. It lives in a table of its own so that it is written once, when someone joins, and
never again: presence, rooms and turns change the participant's row many times a minute,
and each such change would otherwise copy the name into a new row version (and, on
PostgreSQL, into the write-ahead log). On PostgreSQL the table is UNLOGGED, so a name never
reaches the log at all, and it is rewritten after each erasure (``services.store``), so no
erased name stays in any of the database's files.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class Name(Model):
    """One participant's first name as shown to their room and the host."""

    __tablename__ = "names"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    #: the session, so a session's names are found and erased without a join
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(60))
