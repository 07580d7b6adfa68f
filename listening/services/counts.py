"""The counts coordinators review: sessions held and who came, by month and by host.

Read only from ``session_counts``, written as each session ends and kept after the session
and every name in it are gone. "Did you feel heard?" is counted only from sessions where at
least ``HEARD_GROUP`` people answered, and only once answering has closed (an hour after the
end): a session's answers then appear all at once and never change, so no answer can be told
apart, neither from a figure nor from the difference between two figures or two visits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Account, SessionCount

#: the fewest answers a session needs before its "Did you feel heard?" answers are counted
HEARD_GROUP = 5
#: a session "finished within the hour" if its rooms ran for no longer than this
AN_HOUR = timedelta(hours=1)


@dataclass
class Figures:
    """The figures of one group of sessions (a month, a host, or all of them)."""

    sessions: int = 0
    took_part: int = 0
    rooms: int = 0
    spoke: int = 0
    passed: int = 0
    away: int = 0
    skipped: int = 0
    minutes: float = 0.0
    within_the_hour: int = 0
    heard_yes: int = 0
    heard_somewhat: int = 0
    heard_not_really: int = 0

    def add(self, count: SessionCount, answers_closed: datetime) -> None:
        """Add one ended session's counts (its answers if it ended before ``answers_closed``)."""
        self.sessions += 1
        self.took_part += count.took_part
        self.rooms += count.rooms
        self.spoke += count.spoke
        self.passed += count.passed
        self.away += count.away
        self.skipped += count.skipped
        self.minutes += count.floor_minutes
        if count.started_at is not None and count.ended_at - count.started_at <= AN_HOUR:
            self.within_the_hour += 1
        answers = (count.heard_yes, count.heard_somewhat, count.heard_not_really)
        if sum(answers) >= HEARD_GROUP and count.ended_at <= answers_closed:
            self.heard_yes += count.heard_yes
            self.heard_somewhat += count.heard_somewhat
            self.heard_not_really += count.heard_not_really

    @property
    def answers(self) -> int:
        """How many "Did you feel heard?" answers are counted here."""
        return self.heard_yes + self.heard_somewhat + self.heard_not_really

    def row(self) -> list:
        """Return the figures in the order of ``COLUMNS``; feel-heard blank when hidden."""
        values = [round(getattr(self, f.name), 1) for f in fields(self)]
        if self.answers < HEARD_GROUP:
            values[-3:] = ["", "", ""]
        return values


#: each figure's heading, in the order of ``Figures.row``
COLUMNS = [
    "Sessions held",
    "People who took part",
    "Rooms",
    "Turns spoken",
    "Turns passed",
    "Turns away",
    "Turns skipped",
    "Minutes of listening",
    "Finished within the hour",
    "Felt heard: yes",
    "Felt heard: somewhat",
    "Felt heard: not really",
]


@dataclass
class Report:
    """The counts for a date range: by month, by host, the range's total, and since the start."""

    start: date
    end: date
    months: list[tuple[str, Figures]] = field(default_factory=list)
    hosts: list[tuple[str, Figures]] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)
    since_start: Figures = field(default_factory=Figures)
    #: the day the first session was held, if any was
    first: date | None = None


def report(start: date, end: date, answers_closed: datetime) -> Report:
    """Return the counts of sessions held (their rooms started) from ``start`` to ``end``,
    both days included, by the UTC date their rooms started; "Did you feel heard?" from
    sessions that ended by ``answers_closed`` (now, less the time answers are taken)."""
    held = db.session.scalars(
        select(SessionCount)
        .where(SessionCount.started_at.is_not(None))
        .order_by(SessionCount.started_at)
    ).all()
    emails = dict(db.session.execute(select(Account.id, Account.email)).all())
    result = Report(start=start, end=end)
    months: dict[str, Figures] = {}
    hosts: dict[str, Figures] = {}
    until = datetime.combine(end + timedelta(days=1), datetime.min.time())
    since = datetime.combine(start, datetime.min.time())
    for count in held:
        started = count.started_at
        assert started is not None  # the query asked for these only
        if result.first is None:
            result.first = started.date()
        if started >= until:
            continue
        result.since_start.add(count, answers_closed)
        if started < since:
            continue
        result.total.add(count, answers_closed)
        months.setdefault(started.strftime("%Y-%m"), Figures()).add(count, answers_closed)
        host = emails.get(count.host_account_id or 0, "Before accounts")
        hosts.setdefault(host, Figures()).add(count, answers_closed)
    result.months = [(month, months.get(month, Figures())) for month in _months(start, end)]
    result.hosts = sorted(hosts.items())
    return result


def _months(start: date, end: date) -> Iterable[str]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield f"{year:04d}-{month:02d}"
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def month_name(key: str) -> str:
    """Return "December 2026" for "2026-12"."""
    return datetime.strptime(key, "%Y-%m").strftime("%B %Y")
