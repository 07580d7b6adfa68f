"""Tables. Counts and timings only: nobody's words are ever stored.

Participants' first names are kept while a session runs, so rooms can show who is speaking,
and erased when it ends (see ``services.end_session``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


class Session(db.Model):
    """One listening session: a host's settings and the link everyone shares."""

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
    #: lobby, running or ended
    status: Mapped[str] = mapped_column(String(16), default="lobby")
    #: bumped by every change to the lobby, for compare-and-set and snapshot ordering
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    participants: Mapped[list[Participant]] = relationship(
        back_populates="session", order_by="Participant.id"
    )
    rooms: Mapped[list[Room]] = relationship(back_populates="session", order_by="Room.number")


class Participant(db.Model):
    """Someone who joined a session with a first name."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    #: the id other screens see; not a secret
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    #: SHA-256 of the participant's token, which only their browser holds
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: first name as shown to the room; erased (None) when the session ends
    name: Mapped[str | None] = mapped_column(String(60))
    #: the room they are in, once rooms exist
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"))
    #: whether any screen of theirs is connected (the lobby shows it)
    present: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime]

    session: Mapped[Session] = relationship(back_populates="participants")


class Room(db.Model):
    """One group of at most the room cap, running the format by itself."""

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

    session: Mapped[Session] = relationship(back_populates="rooms")


class Turn(db.Model):
    """When someone's turn happened and how it ended: timings, never words."""

    __tablename__ = "turns"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    round: Mapped[int]
    #: spoke, passed, away or skipped
    outcome: Mapped[str] = mapped_column(String(16))
    #: None when the person never had the floor (away, or skipped before starting)
    began_at: Mapped[datetime | None]
    ended_at: Mapped[datetime]
