"""Scheduled sessions: when they happen, in the host's own time zone, and how to say so.

Pure: no database and no Flask. The store keeps naive UTC datetimes; a series is kept as its
first local wall time, its zone's IANA name and how it repeats, so a session at 18:00 in
London stays at 18:00 in London on both sides of a daylight-saving change.
"""

from __future__ import annotations

import calendar
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from icalendar import Calendar, Event

#: names zoneinfo may list that are not real places: the server's own zone, and placeholders
_NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})
#: names written in calendar files as plain UTC ("Z"), with no VTIMEZONE
_UTC_NAMES = frozenset({"UTC", "Etc/UTC"})
_WEEK = timedelta(weeks=1)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
#: how many years of a zone's changes a calendar file spells out for a repeating series
_ZONE_YEARS = 30


class Repeat(StrEnum):
    """How often a session happens."""

    ONCE = "once"
    WEEKLY = "weekly"
    MONTHLY = "monthly"  # the same nth weekday as the first date (day 29 or later: the last)


@cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones() - _NOT_PLACES))


@cache
def _zone_set() -> frozenset[str]:
    return frozenset(_zone_names())


def zone_names() -> list[str]:
    """Return every zone name a host may choose, sorted."""
    return list(_zone_names())


def zone(name: str) -> ZoneInfo:
    """Return the zone for an IANA name; raise ValueError for any other string."""
    if not isinstance(name, str) or name not in _zone_set():
        raise ValueError("unknown time zone")
    return ZoneInfo(name)


def to_utc(local: datetime, zone_name: str) -> datetime:
    """Return a naive local wall time in the zone as naive UTC.

    A time skipped by a spring-forward change moves on by the gap; a time repeated by a
    fall-back change means the first (earlier) of the two instants.
    """
    if local.tzinfo is not None:
        raise ValueError("expected a naive local time")
    # fold=0 asks zoneinfo for the offset in force before any change: that is both rules.
    aware = local.replace(tzinfo=zone(zone_name), fold=0)
    return aware.astimezone(UTC).replace(tzinfo=None)


def to_local(utc: datetime, zone_name: str) -> datetime:
    """Return a naive UTC time as an aware time in the zone."""
    if utc.tzinfo is not None:
        raise ValueError("expected a naive UTC time")
    return utc.replace(tzinfo=UTC).astimezone(zone(zone_name))


def nth_weekday(year: int, month: int, weekday: int, ordinal: int) -> date:
    """Return the ordinal-th weekday (Monday is 0) of the month; ordinal -1 means the last."""
    if not 0 <= weekday <= 6:
        raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
    if ordinal == -1:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    if not 1 <= ordinal <= 4:
        raise ValueError("ordinal must be 1 to 4, or -1 for the last")
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (ordinal - 1))


def ordinal_of(day: date) -> int:
    """Return which of its weekday in the month the day is: 1 to 4, or -1 for day 29 on."""
    ordinal = (day.day - 1) // 7 + 1
    return -1 if ordinal == 5 else ordinal


def _in_month(local: datetime, months: int, ordinal: int) -> datetime:
    """Return the series' date ``months`` months on from ``local``, at the same wall time."""
    index = local.year * 12 + local.month - 1 + months
    day = nth_weekday(index // 12, index % 12 + 1, local.weekday(), ordinal)
    return datetime.combine(day, local.time())


def following(local: datetime, repeat: Repeat, ordinal: int | None = None) -> datetime | None:
    """Return the next occurrence's naive local wall time, or None if the session is once.

    For a monthly series ``ordinal`` is the series' rule (1 to 4, or -1 for the last);
    None takes it from ``local``.
    """
    repeat = Repeat(repeat)
    if repeat is Repeat.WEEKLY:
        return local + _WEEK
    if repeat is Repeat.MONTHLY:
        return _in_month(local, 1, ordinal_of(local.date()) if ordinal is None else ordinal)
    return None


def _occurrence(first_local: datetime, repeat: Repeat, index: int, ordinal: int) -> datetime:
    if repeat is Repeat.WEEKLY:
        return first_local + index * _WEEK
    return _in_month(first_local, index, ordinal)


def next_after(
    first_local: datetime,
    zone_name: str,
    repeat: Repeat,
    after_utc: datetime,
    ordinal: int | None = None,
) -> datetime | None:
    """Return the series' first occurrence (naive local) starting strictly after ``after_utc``.

    None if the session happens once and has already started. The wall time returned is the
    series' own, even on a day it is skipped by a clock change (:func:`to_utc` says when).
    For a monthly series ``ordinal`` is its rule (a "last Friday" can fall on the 22nd);
    None takes it from ``first_local``.
    """
    repeat = Repeat(repeat)
    which = ordinal_of(first_local.date()) if ordinal is None else ordinal
    if to_utc(first_local, zone_name) > after_utc:
        return first_local
    if repeat is Repeat.ONCE:
        return None
    # Jump by arithmetic to one step short of ``after_utc`` (no zone moves its clocks by a week),
    # then walk on: occurrences' UTC times only ever increase.
    after_local = to_local(after_utc, zone_name).replace(tzinfo=None)
    if repeat is Repeat.WEEKLY:
        steps = (after_local - first_local) // _WEEK
    else:
        steps = (after_local.year - first_local.year) * 12 + after_local.month - first_local.month
    index = max(steps - 1, 1)
    while to_utc(_occurrence(first_local, repeat, index, which), zone_name) <= after_utc:
        index += 1
    return _occurrence(first_local, repeat, index, which)


def _day_month_year(day: date) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def describe(
    first_local: datetime, zone_name: str, repeat: Repeat, ordinal: int | None = None
) -> str:
    """Return the schedule in plain English, for a page or an email (``ordinal`` as for
    :func:`next_after`)."""
    repeat = Repeat(repeat)
    zone(zone_name)
    at = f"at {first_local:%H:%M} ({zone_name})"
    weekday = _DAYS[first_local.weekday()]
    start = _day_month_year(first_local.date())
    if repeat is Repeat.WEEKLY:
        return f"Every {weekday} {at}, from {start}"
    if repeat is Repeat.MONTHLY:
        which = _ORDINAL_WORDS[ordinal_of(first_local.date()) if ordinal is None else ordinal]
        return f"The {which} {weekday} of every month {at}, from {start}"
    return f"{weekday} {start} {at}"


def _rrule(first_local: datetime, repeat: Repeat, ordinal: int | None) -> dict[str, str] | None:
    if repeat is Repeat.WEEKLY:
        return {"FREQ": "WEEKLY"}
    if repeat is Repeat.MONTHLY:
        which = ordinal_of(first_local.date()) if ordinal is None else ordinal
        byday = f"{which}{_ICAL_DAYS[first_local.weekday()]}"
        return {"FREQ": "MONTHLY", "BYDAY": byday}
    return None


def calendar_file(
    *,
    uid: str,
    title: str,
    url: str,
    first_local: datetime,
    zone_name: str,
    repeat: Repeat,
    minutes: int,
    stamp_utc: datetime,
    ordinal: int | None = None,
) -> bytes:
    """Return an iCalendar (RFC 5545) file with the session as one event, repeating if it does."""
    repeat = Repeat(repeat)
    if minutes <= 0:
        raise ValueError("a session lasts at least a minute")
    start_utc = to_utc(first_local, zone_name)
    end_utc = start_utc + timedelta(minutes=minutes)
    event = Event()
    event.add("UID", uid)
    event.add("DTSTAMP", stamp_utc.replace(tzinfo=UTC))
    if zone_name in _UTC_NAMES:
        event.add("DTSTART", start_utc.replace(tzinfo=UTC))
        event.add("DTEND", end_utc.replace(tzinfo=UTC))
    else:
        # The TZID is set by hand: given an aware time, icalendar writes zones it counts as
        # equal to UTC (Atlantic/Reykjavik, Africa/Abidjan, ...) as "Z" and drops the name.
        end_local = to_local(end_utc, zone_name).replace(tzinfo=None)
        event.add("DTSTART", first_local, parameters={"TZID": zone_name})
        if to_utc(end_local, zone_name) == end_utc:
            event.add("DTEND", end_local, parameters={"TZID": zone_name})
        else:  # the end is the second of two equal wall times, which a TZID cannot say
            event.add("DTEND", end_utc.replace(tzinfo=UTC))
    event.add("SUMMARY", title)
    event.add("URL", url)
    event.add("DESCRIPTION", f"Open this link to take part:\n{url}")
    rule = _rrule(first_local, repeat, ordinal)
    if rule is not None:
        event.add("RRULE", rule)

    cal = Calendar()
    cal.add("PRODID", "-//listening//EN")
    cal.add("VERSION", "2.0")
    cal.add_component(event)
    years = 2 if repeat is Repeat.ONCE else _ZONE_YEARS
    first_year = max(first_local.year - 1, MINYEAR)
    last_year = min(first_local.year + years, MAXYEAR)
    cal.add_missing_timezones(date(first_year, 1, 1), date(last_year, 1, 1))
    return cal.to_ical()
