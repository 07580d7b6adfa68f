"""The write layer: every change to a session goes through here, and nothing else writes.

Split by concern: ``validation`` (what people may type), ``identity`` (who is asking),
``store`` (the one compare-and-set and retry), ``sessions`` (create, start, end), ``joining``,
``presence``, ``rooms`` (changing one room, and the ticker's step), ``moves`` (the speaker's
and the host's), ``records`` (counts, "Did you feel heard?", keeping), ``hosting`` (a host's
own sessions), ``counts`` (the coordinators' report) and ``accounts`` (coordinators and hosts,
signing in). Each
function takes typed values the web edge has parsed and returns
:class:`~listening.changes.Changes` for the realtime path to publish.
"""

from . import accounts, processes
from .identity import Caller, find_session, identify, require_owner
from .joining import join, leave, remove_person
from .moves import extend, finish_turn, pass_turn, pause, resume, skip
from .presence import set_absent, set_present
from .records import answer_heard
from .rooms import next_deadline, shift_times, tick_due
from .sessions import create_session, end_session, end_stale_sessions, start, sweep
from .validation import Invalid, NewSession

__all__ = [
    "Caller",
    "accounts",
    "answer_heard",
    "Invalid",
    "NewSession",
    "create_session",
    "end_session",
    "end_stale_sessions",
    "extend",
    "find_session",
    "finish_turn",
    "identify",
    "join",
    "leave",
    "next_deadline",
    "pass_turn",
    "pause",
    "processes",
    "remove_person",
    "require_owner",
    "resume",
    "set_absent",
    "set_present",
    "shift_times",
    "skip",
    "start",
    "sweep",
    "tick_due",
]
