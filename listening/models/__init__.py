"""Tables, one module each. Counts and timings only: nobody's words are ever stored.

Participants' first names are kept while a session runs, so rooms can show who is speaking,
and erased in the same transaction that ends it (``services.sessions``).
"""

from .account import Account, AccountLink, LinkPurpose, Role
from .participant import Participant
from .room import Room
from .session import ListeningSession, SessionStatus
from .session_count import SessionCount
from .turn import Turn

__all__ = [
    "Account",
    "AccountLink",
    "LinkPurpose",
    "ListeningSession",
    "Participant",
    "Role",
    "Room",
    "SessionCount",
    "SessionStatus",
    "Turn",
]
