"""What a host or participant may type, checked and cleaned before anything is written."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from .. import engine, schedules
from ..engine import Refused
from ..schedules import Repeat

#: joiners that real names and emoji need (Persian names, family emoji); other format
#: characters (bidi overrides, zero-width spaces) are refused
JOINERS = {"\u200c", "\u200d"}
#: what a new session starts with: the engine's own defaults
DEFAULT_SETTINGS = engine.Settings()


class Invalid(Refused):
    """A session's settings with fields to fix: ``fields`` maps each to a sentence."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("invalid", "Some settings need another look.")
        self.fields = fields


@dataclass(frozen=True)
class NewSession:
    """A host's settings for a new session, cleaned and within the limits."""

    title: str
    prompts: list[str]
    turn_seconds: float
    rounds: int
    silence_seconds: float
    grace_seconds: float
    #: when it starts, if scheduled: the host's wall time, zone and repeat
    schedule: Schedule | None = field(default=None)
    #: how people hear each other: "app" (voice in the app) or "call" (the group's own call,
    #: with a link for each room, room 1 first)
    voice: str = "app"
    call_links: list[str] | None = None
    #: the host's words for the lobby and the end, and links to support
    welcome: str | None = None
    ground_rules: str | None = None
    closing_words: str | None = None
    support_links: list[str] | None = None

    def as_columns(self) -> dict:
        """Return the settings as the session table's columns."""
        columns = asdict(self)
        del columns["schedule"]
        if self.schedule is not None:
            columns.update(self.schedule.as_columns())
        return columns


#: the session columns a host's settings fill, whatever the session's schedule: what "Run
#: again" and a series' next session copy, and (all but the prompts) the create form's fields
SETTINGS = tuple(f.name for f in fields(NewSession) if f.name != "schedule")
#: the settings that are lists, typed in the form one a line
LINE_LISTS = ("call_links", "support_links")


@dataclass(frozen=True)
class Schedule:
    """When a session starts, in the host's own time zone, and whether it repeats."""

    local: datetime
    time_zone: str
    repeat: Repeat
    #: for a monthly series, which weekday of the month (1 to 4, or -1 for the last)
    ordinal: int | None

    def as_columns(self) -> dict:
        """Return the schedule as the session table's columns (the start in UTC)."""
        return {
            "starts_at": schedules.to_utc(self.local, self.time_zone),
            "starts_local": self.local,
            "time_zone": self.time_zone,
            "repeat": self.repeat,
            "repeat_ordinal": self.ordinal,
        }


#: how far ahead a session may be scheduled
SCHEDULE_DAYS = 366
#: how a wall time is typed: hours and minutes (a browser's time field may add seconds)
WALL_TIME = re.compile(r"[0-2][0-9]:[0-5][0-9](:[0-5][0-9])?")


def form_defaults() -> dict:
    """Return the values a new session form starts with."""
    defaults = {name: getattr(DEFAULT_SETTINGS, name) for name in engine.LIMITS}
    return {"title": "", "prompts": list(engine.DEFAULT_PROMPTS), **defaults}


def limits(allow_short_turns: bool) -> dict[str, tuple[int, int]]:
    """Return each setting's (lowest, highest); rehearsals may allow turns under 30 s."""
    found = dict(engine.LIMITS)
    if allow_short_turns:
        found["turn_seconds"] = (1, found["turn_seconds"][1])
    return found


def clean_text(value: object, limit: int) -> str | None:
    """Return the text trimmed and normalised, or None if it is empty, too long or has controls."""
    if not isinstance(value, str) or len(value) > 4 * limit:
        return None
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text or len(text) > limit:
        return None
    for ch in text:
        if ch not in JOINERS and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return None
    return text


def as_secret(value: object) -> str | None:
    """Return a code, key or token as sent, or None if it cannot be one the server issued.

    Issued ones are printable ASCII: anything else (a NUL, which PostgreSQL cannot even
    compare) is refused before it reaches the database.
    """
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= 100
        or not (value.isascii() and value.isprintable())
    ):
        return None
    return value


def _number(value: object, low: float, high: float, whole: bool) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    if number != number or not low <= number <= high or (whole and number != int(number)):
        return None
    return int(number) if whole else number


def _prompts(value: object) -> list[str] | None:
    if not isinstance(value, list) or not 1 <= len(value) <= 5:
        return None
    cleaned = [clean_text(p, 200) for p in value if not (isinstance(p, str) and not p.strip())]
    if not cleaned or any(p is None for p in cleaned):
        return None
    return [p for p in cleaned if p is not None]


def _schedule(data: dict, now: datetime, errors: dict[str, str]) -> Schedule | None:
    """Return the schedule the host asked for (None: the lobby opens now), noting errors."""
    day_text, time_text = data.get("date"), data.get("time")
    if day_text in (None, "") and time_text in (None, ""):
        return None
    zone_name = data.get("time_zone")
    try:
        schedules.zone(zone_name if isinstance(zone_name, str) else "")
    except ValueError:
        errors["time_zone"] = "Choose a time zone from the list, for example Europe/London."
        zone_name = None
    repeat = data.get("repeat") or Repeat.ONCE.value
    if not isinstance(repeat, str) or repeat not in {r.value for r in Repeat}:
        errors["repeat"] = "Choose once, every week or every month."
    day = at = None
    if isinstance(day_text, str) and len(day_text) == 10:
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            pass
    if isinstance(time_text, str) and WALL_TIME.fullmatch(time_text):
        try:
            at = time.fromisoformat(time_text)
        except ValueError:
            pass
    if day is not None and not now.date() - timedelta(days=2) <= day <= now.date() + timedelta(
        days=SCHEDULE_DAYS + 2
    ):
        # Far outside any date a host means (and past what a clock can turn into UTC).
        errors["date"] = f"Choose a date within a year ({SCHEDULE_DAYS} days) from today."
        day = None
    elif day is None:
        errors["date"] = "Give the date as year-month-day, for example 2026-12-17."
    if at is None:
        errors["time"] = "Give the time as hours:minutes, for example 18:00."
    if day is None or at is None or zone_name is None or "repeat" in errors:
        return None
    local = datetime.combine(day, at.replace(second=0, microsecond=0))
    starts = schedules.to_utc(local, zone_name)
    if starts < now - timedelta(minutes=1):
        errors["date"] = "That time has passed. Choose a date and time to come."
    elif starts > now + timedelta(days=SCHEDULE_DAYS):
        errors["date"] = f"Schedule it within a year ({SCHEDULE_DAYS} days)."
    if errors:
        return None
    ordinal = schedules.ordinal_of(day) if repeat == Repeat.MONTHLY else None
    return Schedule(local, zone_name, Repeat(repeat), ordinal)


#: the most call links a session may give (one a room; 200 people make 25 rooms of 8)
CALL_LINKS = 25


def _call_links(data: dict, errors: dict[str, str]) -> tuple[str, list[str] | None]:
    """Return how people hear each other, and each room's call link if the group has its own."""
    voice = data.get("voice") or "app"
    if voice not in ("app", "call"):
        errors["voice"] = "Choose voice in the app, or your own call."
        return "app", None
    if voice == "app":
        return "app", None
    given = data.get("call_links")
    if isinstance(given, str):  # the form's text area: one link a line
        given = [line.strip() for line in given.splitlines() if line.strip()]
    if not isinstance(given, list) or not 1 <= len(given) <= CALL_LINKS:
        errors["call_links"] = f"Give one call link a room, one a line (up to {CALL_LINKS})."
        return voice, None
    links = []
    for link in given:
        if not _https_url(link):
            errors["call_links"] = "Each call link must be a whole https:// address."
            return voice, None
        links.append(link)
    return voice, links


def _https_url(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 500 or not value.isprintable() or " " in value:
        return False
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.hostname)


#: the longest welcome, ground rules or closing words, and the most support links
WORDS_LIMIT = 1000
SUPPORT_LINKS = 5


def clean_paragraphs(value: object, limit: int) -> str | None:
    """Return text of a few lines (a welcome, ground rules) trimmed, or None when empty.

    Raises ValueError when it is too long or has hidden or control characters.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value) > 4 * limit:
        raise ValueError
    lines = [" ".join(line.split()) for line in unicodedata.normalize("NFC", value).splitlines()]
    text = "\n".join(lines).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    if len(text) > limit:
        raise ValueError
    for ch in text:
        if (
            ch != "\n"
            and ch not in JOINERS
            and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn")
        ):
            raise ValueError
    return text


def _words(data: dict, errors: dict[str, str]) -> dict:
    """Return the host's welcome, ground rules, closing words and support links, checked."""
    found: dict = {}
    for name in ("welcome", "ground_rules", "closing_words"):
        try:
            found[name] = clean_paragraphs(data.get(name), WORDS_LIMIT)
        except ValueError:
            errors[name] = f"Keep this to {WORDS_LIMIT} characters of plain text."
    links = data.get("support_links")
    if isinstance(links, str):
        links = [line.strip() for line in links.splitlines() if line.strip()]
    if links in (None, []):
        found["support_links"] = None
    elif (
        not isinstance(links, list)
        or len(links) > SUPPORT_LINKS
        or not all(_https_url(link) for link in links)
    ):
        errors["support_links"] = f"Give up to {SUPPORT_LINKS} whole https:// links, one a line."
    else:
        found["support_links"] = links
    return found


def new_session(data: dict, allow_short_turns: bool, now: datetime | None = None) -> NewSession:
    """Return a host's settings, cleaned, or raise :class:`Invalid` naming every field to fix.

    ``now`` (UTC) is when a schedule's start is checked against; without it, none is read.
    """
    errors: dict[str, str] = {}
    title = clean_text(data.get("title", ""), 80)
    if title is None:
        errors["title"] = "Give the session a title of up to 80 characters."
    prompts = _prompts(data.get("prompts", list(engine.DEFAULT_PROMPTS)))
    if prompts is None:
        errors["prompts"] = "Write one to five prompts, each up to 200 characters."
    numbers: dict[str, float] = {}
    for name, (low, high) in limits(allow_short_turns).items():
        number = _number(
            data.get(name, getattr(DEFAULT_SETTINGS, name)), low, high, name == "rounds"
        )
        if number is None:
            errors[name] = f"Choose a whole number from {low} to {high}."
        else:
            numbers[name] = number
    schedule = _schedule(data, now, errors) if now is not None else None
    voice, call_links = _call_links(data, errors)
    words = _words(data, errors)
    if errors or title is None or prompts is None:
        raise Invalid(errors)
    return NewSession(
        title=title,
        prompts=prompts,
        turn_seconds=numbers["turn_seconds"],
        rounds=int(numbers["rounds"]),
        silence_seconds=numbers["silence_seconds"],
        grace_seconds=numbers["grace_seconds"],
        schedule=schedule,
        voice=voice,
        call_links=call_links,
        **words,
    )
