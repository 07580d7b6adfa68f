"""What a change touched: the write layer returns it, the realtime path publishes it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Changes:
    """The rooms and sessions (by id) whose snapshots are now out of date."""

    rooms: set[int] = field(default_factory=set)
    sessions: set[int] = field(default_factory=set)

    def add(self, other: Changes) -> Changes:
        """Merge another set of changes into this one and return it."""
        self.rooms |= other.rooms
        self.sessions |= other.sessions
        return self

    def __bool__(self) -> bool:
        return bool(self.rooms or self.sessions)
