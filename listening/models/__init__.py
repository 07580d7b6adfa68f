"""Tables, one module each. Counts and timings only: nobody's words are ever stored.

Participants' first names are kept while a session runs, so rooms can show who is speaking,
in a table of their own (``name``), and erased in the same transaction that ends it
(``services.sessions``).
"""

from .account import Account, AccountLink, LinkPurpose, Role
from .name import Name
from .participant import Participant
from .process import Lease, Screen, ServerProcess
from .room import Room
from .session import ListeningSession, SessionStatus
from .session_count import SessionCount
from .turn import Turn

__all__ = [
    "Account",
    "AccountLink",
    "Lease",
    "LinkPurpose",
    "ListeningSession",
    "Name",
    "Participant",
    "Role",
    "Room",
    "Screen",
    "ServerProcess",
    "SessionCount",
    "SessionStatus",
    "Turn",
]
