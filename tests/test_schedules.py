"""Scheduled sessions keep their local wall time, and say when they are in plain words and iCal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from listening import schedules
from listening.schedules import (
    Repeat,
    calendar_file,
    describe,
    following,
    next_after,
    nth_weekday,
    ordinal_of,
    to_local,
    to_utc,
    zone,
    zone_names,
)

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
SYDNEY = "Australia/Sydney"
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def series(first: datetime, repeat: Repeat, count: int) -> list[datetime]:
    """The first ``count`` wall times of a series, walked with following()."""
    ordinal = ordinal_of(first.date())
    found = [first]
    while len(found) < count:
        step = following(found[-1], repeat, ordinal=ordinal)
        assert step is not None
        found.append(step)
    return found


# Repeat ---------------------------------------------------------------------------------------


def test_repeat_values_are_the_stored_strings():
    assert [r.value for r in Repeat] == ["once", "weekly", "monthly"]
    assert Repeat("monthly") is Repeat.MONTHLY


def test_the_stored_string_works_wherever_a_repeat_is_asked_for():
    first = datetime(2026, 12, 17, 18, 0)
    weekly: Any = "weekly"  # as a plain string column would hand it back
    monthly: Any = "monthly"
    assert following(first, weekly) == datetime(2026, 12, 24, 18, 0)
    assert describe(first, LONDON, monthly).startswith("The third Thursday")
    assert next_after(first, LONDON, weekly, datetime(2026, 12, 18)) == datetime(2026, 12, 24, 18)
    assert b"RRULE:FREQ=WEEKLY" in ics(repeat=weekly)


@pytest.mark.parametrize("call", ["following", "next_after", "describe", "calendar_file"])
def test_an_unknown_repeat_is_refused_rather_than_read_as_once(call):
    first = datetime(2026, 12, 17, 18, 0)
    bogus: Any = "fortnightly"
    with pytest.raises(ValueError):
        if call == "following":
            following(first, bogus)
        elif call == "next_after":
            next_after(first, LONDON, bogus, datetime(2030, 1, 1))
        elif call == "describe":
            describe(first, LONDON, bogus)
        else:
            ics(repeat=bogus)


# zone() and zone_names() ----------------------------------------------------------------------


def test_zone_returns_the_named_zone():
    assert zone(LONDON).key == LONDON
    assert zone("UTC").key == "UTC"


@pytest.mark.parametrize(
    "name",
    [
        "",
        " ",
        "Mars/Olympus_Mons",
        "europe/london",
        " Europe/London",
        "Europe/London\x00",
        "../../../etc/passwd",
        "Europe/../Europe/London",
        "/usr/share/zoneinfo/Europe/London",
        "Europe/London/",
        "x" * 100_000,
        "localtime",  # the server's own zone, not a place a host lives
        "Factory",
    ],
)
def test_zone_refuses_names_that_are_not_iana_zones(name):
    with pytest.raises(ValueError):
        zone(name)


NOT_A_STRING: Any = None


def test_zone_refuses_what_is_not_a_string():
    with pytest.raises(ValueError):
        zone(NOT_A_STRING)


def test_zone_names_are_sorted_real_zones_for_a_form():
    names = zone_names()
    assert names == sorted(names)
    assert {LONDON, NEW_YORK, SYDNEY, "UTC"} <= set(names)
    assert "localtime" not in names
    assert len(names) > 300


def test_zone_names_hands_out_a_fresh_list_each_time():
    zone_names().clear()
    assert LONDON in zone_names()


def test_every_listed_zone_is_accepted():
    for name in zone_names():
        assert zone(name).key == name


# to_utc and to_local --------------------------------------------------------------------------


def test_london_winter_and_summer_wall_times_convert_with_their_own_offsets():
    assert to_utc(datetime(2026, 1, 15, 18, 0), LONDON) == datetime(2026, 1, 15, 18, 0)
    assert to_utc(datetime(2026, 7, 16, 18, 0), LONDON) == datetime(2026, 7, 16, 17, 0)


def test_a_wall_time_in_the_spring_forward_gap_moves_on_by_the_gap():
    # New York skips 02:00-03:00 on 8 March 2026: 02:30 is read as 03:30 EDT.
    utc = to_utc(datetime(2026, 3, 8, 2, 30), NEW_YORK)
    assert utc == datetime(2026, 3, 8, 7, 30)
    local = to_local(utc, NEW_YORK)
    assert (local.hour, local.minute, local.tzname()) == (3, 30, "EDT")


def test_a_wall_time_in_londons_spring_forward_gap_moves_on_by_the_gap():
    utc = to_utc(datetime(2026, 3, 29, 1, 30), LONDON)
    assert utc == datetime(2026, 3, 29, 1, 30)
    assert to_local(utc, LONDON).replace(tzinfo=None) == datetime(2026, 3, 29, 2, 30)


def test_an_ambiguous_wall_time_in_the_fall_back_fold_takes_the_earlier_instant():
    # New York has 01:30 twice on 1 November 2026: EDT (05:30 UTC), then EST (06:30 UTC).
    assert to_utc(datetime(2026, 11, 1, 1, 30), NEW_YORK) == datetime(2026, 11, 1, 5, 30)
    # London has 01:30 twice on 25 October 2026: BST (00:30 UTC), then GMT (01:30 UTC).
    assert to_utc(datetime(2026, 10, 25, 1, 30), LONDON) == datetime(2026, 10, 25, 0, 30)


def test_to_utc_ignores_a_fold_flag_on_the_way_in():
    folded = datetime(2026, 11, 1, 1, 30, fold=1)
    assert to_utc(folded, NEW_YORK) == datetime(2026, 11, 1, 5, 30)


def test_to_utc_returns_naive_utc():
    assert to_utc(datetime(2026, 7, 16, 18, 0), SYDNEY).tzinfo is None


def test_to_utc_refuses_an_aware_time():
    with pytest.raises(ValueError):
        to_utc(datetime(2026, 7, 16, 18, 0, tzinfo=UTC), LONDON)


def test_to_utc_refuses_an_unknown_zone():
    with pytest.raises(ValueError):
        to_utc(datetime(2026, 7, 16, 18, 0), "Nowhere/Special")


def test_to_local_gives_an_aware_time_in_the_zone():
    local = to_local(datetime(2026, 7, 16, 17, 0), LONDON)
    assert local.tzinfo is not None
    assert local.tzinfo == zone(LONDON)
    assert (local.hour, local.tzname()) == (18, "BST")


def test_to_local_tells_the_two_instants_of_a_fold_apart():
    first = to_local(datetime(2026, 11, 1, 5, 30), NEW_YORK)
    second = to_local(datetime(2026, 11, 1, 6, 30), NEW_YORK)
    assert first.replace(tzinfo=None) == second.replace(tzinfo=None) == datetime(2026, 11, 1, 1, 30)
    assert (first.tzname(), second.tzname()) == ("EDT", "EST")


def test_to_local_refuses_an_aware_time():
    with pytest.raises(ValueError):
        to_local(datetime(2026, 7, 16, 17, 0, tzinfo=UTC), LONDON)


# nth_weekday and ordinal_of -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "weekday", "ordinal", "expected"),
    [
        (2027, 2, THU, 3, date(2027, 2, 18)),  # 28 days
        (2027, 2, FRI, -1, date(2027, 2, 26)),
        (2028, 2, THU, 3, date(2028, 2, 17)),  # leap February
        (2028, 2, FRI, -1, date(2028, 2, 25)),
        (2028, 2, TUE, -1, date(2028, 2, 29)),  # the leap day itself
        (2026, 4, THU, 3, date(2026, 4, 16)),  # 30 days
        (2026, 4, FRI, -1, date(2026, 4, 24)),
        (2026, 4, THU, -1, date(2026, 4, 30)),
        (2026, 6, THU, 3, date(2026, 6, 18)),
        (2026, 6, FRI, -1, date(2026, 6, 26)),
        (2026, 10, THU, 3, date(2026, 10, 15)),  # 31 days
        (2026, 10, FRI, -1, date(2026, 10, 30)),
        (2026, 10, SAT, -1, date(2026, 10, 31)),
        (2026, 10, THU, 1, date(2026, 10, 1)),  # the 1st is itself a Thursday
        (2026, 5, FRI, 4, date(2026, 5, 22)),  # a month with five Fridays
        (2026, 5, FRI, -1, date(2026, 5, 29)),
        (2026, 3, SUN, 1, date(2026, 3, 1)),
        (2026, 3, MON, 1, date(2026, 3, 2)),
    ],
)
def test_nth_weekday(year, month, weekday, ordinal, expected):
    found = nth_weekday(year, month, weekday, ordinal)
    assert found == expected
    assert found.weekday() == weekday


@pytest.mark.parametrize("ordinal", [0, 5, -2, 6])
def test_nth_weekday_refuses_other_ordinals(ordinal):
    with pytest.raises(ValueError):
        nth_weekday(2026, 5, FRI, ordinal)


@pytest.mark.parametrize("weekday", [-1, 7])
def test_nth_weekday_refuses_other_weekdays(weekday):
    with pytest.raises(ValueError):
        nth_weekday(2026, 5, weekday, 1)


@pytest.mark.parametrize(
    ("day", "ordinal"),
    [(1, 1), (7, 1), (8, 2), (14, 2), (15, 3), (21, 3), (22, 4), (28, 4), (29, -1), (31, -1)],
)
def test_ordinal_of_counts_weeks_into_the_month_and_calls_the_fifth_the_last(day, ordinal):
    assert ordinal_of(date(2026, 10, day)) == ordinal


# following ------------------------------------------------------------------------------------


def test_a_session_held_once_has_no_following():
    assert following(datetime(2026, 5, 1, 18, 0), Repeat.ONCE) is None


def test_weekly_follows_seven_days_later_at_the_same_wall_time_across_a_change():
    assert following(datetime(2026, 10, 22, 18, 0), Repeat.WEEKLY) == datetime(2026, 10, 29, 18, 0)


def test_monthly_follows_the_same_nth_weekday_of_the_next_month():
    assert following(datetime(2026, 1, 15, 18, 0), Repeat.MONTHLY) == datetime(2026, 2, 19, 18, 0)
    assert following(datetime(2026, 12, 17, 9, 5), Repeat.MONTHLY) == datetime(2027, 1, 21, 9, 5)


def test_monthly_from_a_day_after_the_28th_follows_the_last_weekday():
    # 30 January 2026 is the fifth Friday, so the series means the last Friday.
    assert following(datetime(2026, 1, 30, 19, 30), Repeat.MONTHLY) == datetime(2026, 2, 27, 19, 30)


def test_monthly_keeps_the_series_ordinal_given_rather_than_this_dates():
    # 24 April 2026 is both the fourth and the last Friday; May has five Fridays.
    april = datetime(2026, 4, 24, 19, 30)
    assert following(april, Repeat.MONTHLY) == datetime(2026, 5, 22, 19, 30)
    assert following(april, Repeat.MONTHLY, ordinal=-1) == datetime(2026, 5, 29, 19, 30)


def test_following_refuses_a_bad_ordinal():
    with pytest.raises(ValueError):
        following(datetime(2026, 4, 24, 19, 30), Repeat.MONTHLY, ordinal=5)


def test_london_third_thursday_keeps_18_00_across_the_october_and_march_changes():
    found = series(datetime(2026, 9, 17, 18, 0), Repeat.MONTHLY, 8)
    assert [d.date() for d in found] == [
        date(2026, 9, 17),
        date(2026, 10, 15),
        date(2026, 11, 19),  # after the clocks go back on 25 October
        date(2026, 12, 17),
        date(2027, 1, 21),
        date(2027, 2, 18),
        date(2027, 3, 18),
        date(2027, 4, 15),  # after the clocks go forward on 28 March
    ]
    assert all((d.hour, d.minute) == (18, 0) for d in found)
    assert [to_local(to_utc(d, LONDON), LONDON).hour for d in found] == [18] * 8
    assert [to_utc(d, LONDON).hour for d in found] == [17, 17, 18, 18, 18, 18, 18, 17]


def test_new_york_weekly_keeps_19_00_across_the_november_change():
    found = series(datetime(2026, 10, 22, 19, 0), Repeat.WEEKLY, 4)
    assert [to_utc(d, NEW_YORK) for d in found] == [
        datetime(2026, 10, 22, 23, 0),
        datetime(2026, 10, 29, 23, 0),
        datetime(2026, 11, 6, 0, 0),  # EST from 1 November: 19:00 is midnight UTC
        datetime(2026, 11, 13, 0, 0),
    ]
    assert [to_local(to_utc(d, NEW_YORK), NEW_YORK).hour for d in found] == [19] * 4


def test_sydney_monthly_keeps_wall_time_through_the_southern_winter():
    found = series(datetime(2026, 3, 19, 18, 0), Repeat.MONTHLY, 8)
    assert found[-1] == datetime(2026, 10, 15, 18, 0)
    assert [to_local(to_utc(d, SYDNEY), SYDNEY).hour for d in found] == [18] * 8
    # AEDT (+11) until 5 April, AEST (+10) until 4 October, then AEDT again
    assert [to_utc(d, SYDNEY).hour for d in found] == [7, 8, 8, 8, 8, 8, 8, 7]


# next_after -----------------------------------------------------------------------------------


def test_a_once_session_still_to_come_is_next():
    first = datetime(2026, 6, 4, 18, 0)
    assert next_after(first, LONDON, Repeat.ONCE, datetime(2026, 6, 1)) == first


def test_a_once_session_in_the_past_has_no_next():
    first = datetime(2026, 6, 4, 18, 0)
    assert next_after(first, LONDON, Repeat.ONCE, datetime(2026, 6, 5)) is None


def test_a_once_session_starting_at_that_very_moment_is_not_after_it():
    first = datetime(2026, 6, 4, 18, 0)  # 17:00 UTC in summer
    assert next_after(first, LONDON, Repeat.ONCE, datetime(2026, 6, 4, 17, 0)) is None
    assert next_after(first, LONDON, Repeat.ONCE, datetime(2026, 6, 4, 16, 59)) == first


def test_a_series_not_yet_begun_starts_with_its_first_date():
    first = datetime(2026, 6, 4, 18, 0)
    assert next_after(first, LONDON, Repeat.WEEKLY, datetime(2020, 1, 1)) == first
    assert next_after(first, LONDON, Repeat.MONTHLY, datetime(2020, 1, 1)) == first


def test_a_weekly_series_started_three_years_ago_finds_this_weeks_session():
    first = datetime(2023, 6, 15, 18, 0)  # a Thursday
    after = datetime(2026, 6, 1, 12, 0)
    assert next_after(first, LONDON, Repeat.WEEKLY, after) == datetime(2026, 6, 4, 18, 0)


def test_a_monthly_series_started_three_years_ago_finds_this_months_session():
    first = datetime(2023, 6, 15, 18, 0)  # the third Thursday of June 2023
    after = datetime(2026, 6, 1, 12, 0)
    assert next_after(first, LONDON, Repeat.MONTHLY, after) == datetime(2026, 6, 18, 18, 0)


def test_next_after_is_strictly_after_a_session_starting_at_that_moment():
    first = datetime(2023, 6, 15, 18, 0)
    at_start = datetime(2026, 6, 18, 17, 0)  # 18:00 BST
    assert next_after(first, LONDON, Repeat.MONTHLY, at_start) == datetime(2026, 7, 16, 18, 0)
    just_before = at_start - timedelta(minutes=1)
    assert next_after(first, LONDON, Repeat.MONTHLY, just_before) == datetime(2026, 6, 18, 18, 0)


def test_a_last_friday_series_stays_on_the_last_friday():
    first = datetime(2026, 1, 30, 19, 30)  # the fifth, so the last, Friday
    after = datetime(2026, 5, 1)
    assert next_after(first, LONDON, Repeat.MONTHLY, after) == datetime(2026, 5, 29, 19, 30)


def test_a_session_between_the_two_fall_back_instants_is_still_to_come():
    # 01:30 on 1 November means 05:30 UTC; at 05:45 UTC (01:45 EDT) it has begun.
    first = datetime(2026, 10, 25, 1, 30)
    assert next_after(first, NEW_YORK, Repeat.WEEKLY, datetime(2026, 11, 1, 5, 29)) == datetime(
        2026, 11, 1, 1, 30
    )
    assert next_after(first, NEW_YORK, Repeat.WEEKLY, datetime(2026, 11, 1, 5, 45)) == datetime(
        2026, 11, 8, 1, 30
    )


def test_a_session_on_a_skipped_wall_time_is_still_to_come_just_after_the_skip():
    # Sundays at 02:30 in New York; on 8 March 2026 that means 07:30 UTC (03:30 EDT).
    # At 07:10 UTC the wall clock already reads 03:10, yet the session has not begun.
    first = datetime(2026, 3, 1, 2, 30)
    after = datetime(2026, 3, 8, 7, 10)
    assert next_after(first, NEW_YORK, Repeat.WEEKLY, after) == datetime(2026, 3, 8, 2, 30)
    after = datetime(2026, 3, 8, 7, 30)
    assert next_after(first, NEW_YORK, Repeat.WEEKLY, after) == datetime(2026, 3, 15, 2, 30)


@pytest.mark.parametrize("repeat", [Repeat.WEEKLY, Repeat.MONTHLY])
def test_next_after_jumps_rather_than_walking_a_long_series(monkeypatch, repeat):
    calls = 0
    real = schedules.to_utc

    def counting(local: datetime, zone_name: str) -> datetime:
        nonlocal calls
        calls += 1
        return real(local, zone_name)

    monkeypatch.setattr(schedules, "to_utc", counting)
    found = next_after(datetime(1950, 1, 5, 18, 0), LONDON, repeat, datetime(2026, 6, 1, 12, 0))
    assert found is not None and found > datetime(2026, 6, 1)
    assert calls < 10


@settings(max_examples=300, deadline=None)
@given(
    zone_name=st.sampled_from([LONDON, NEW_YORK, SYDNEY, "Australia/Lord_Howe", "UTC"]),
    repeat=st.sampled_from([Repeat.WEEKLY, Repeat.MONTHLY]),
    first=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2026, 12, 31)),
    later=st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=1500)),
)
def test_next_after_agrees_with_walking_the_series_one_step_at_a_time(
    zone_name, repeat, first, later
):
    first = first.replace(second=0, microsecond=0)
    after = to_utc(first, zone_name) + later
    walked = first
    ordinal = ordinal_of(first.date())
    while to_utc(walked, zone_name) <= after:
        step = following(walked, repeat, ordinal=ordinal)
        assert step is not None
        walked = step
    assert next_after(first, zone_name, repeat, after) == walked


# describe -------------------------------------------------------------------------------------


def test_describe_a_single_session():
    text = describe(datetime(2026, 12, 17, 18, 0), LONDON, Repeat.ONCE)
    assert text == "Thursday 17 December 2026 at 18:00 (Europe/London)"


def test_describe_has_no_leading_zero_on_the_day_and_a_24_hour_clock():
    text = describe(datetime(2026, 6, 5, 9, 5), NEW_YORK, Repeat.ONCE)
    assert text == "Friday 5 June 2026 at 09:05 (America/New_York)"


def test_describe_a_weekly_series():
    text = describe(datetime(2026, 12, 17, 18, 0), LONDON, Repeat.WEEKLY)
    assert text == "Every Thursday at 18:00 (Europe/London), from 17 December 2026"


def test_describe_a_monthly_series_by_its_ordinal():
    text = describe(datetime(2026, 12, 17, 18, 0), LONDON, Repeat.MONTHLY)
    assert text == (
        "The third Thursday of every month at 18:00 (Europe/London), from 17 December 2026"
    )
    text = describe(datetime(2026, 10, 1, 20, 30), LONDON, Repeat.MONTHLY)
    assert text.startswith("The first Thursday of every month at 20:30")


def test_describe_a_last_weekday_series():
    text = describe(datetime(2026, 1, 30, 19, 30), SYDNEY, Repeat.MONTHLY)
    assert (
        text == "The last Friday of every month at 19:30 (Australia/Sydney), from 30 January 2026"
    )


def test_describe_refuses_an_unknown_zone():
    with pytest.raises(ValueError):
        describe(datetime(2026, 1, 30, 19, 30), "../etc/passwd", Repeat.ONCE)


# calendar_file --------------------------------------------------------------------------------

URL = "https://listening.example/s/abc123"


def ics(**changes) -> bytes:
    arguments = {
        "uid": "abc123@listening.example",
        "title": "Thursday circle",
        "url": URL,
        "first_local": datetime(2026, 12, 17, 18, 0),
        "zone_name": LONDON,
        "repeat": Repeat.MONTHLY,
        "minutes": 90,
        "stamp_utc": datetime(2026, 11, 1, 9, 30),
    }
    return calendar_file(**{**arguments, **changes})


def only_event(data: bytes):
    parsed = Calendar.from_ical(data)
    events = parsed.walk("VEVENT")
    assert len(events) == 1
    return parsed, events[0]


def test_calendar_file_parses_back_with_the_session_details():
    parsed, event = only_event(ics())
    assert str(parsed["PRODID"]) == "-//listening//EN"
    assert str(parsed["VERSION"]) == "2.0"
    assert str(event["UID"]) == "abc123@listening.example"
    assert str(event["SUMMARY"]) == "Thursday circle"
    assert str(event["URL"]) == URL
    assert str(event["DESCRIPTION"]) == f"Open this link to take part:\n{URL}"
    assert event["DTSTAMP"].dt == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


def test_calendar_file_starts_at_the_local_time_in_the_named_zone():
    _, event = only_event(ics())
    assert event["DTSTART"].params["TZID"] == LONDON
    start = event["DTSTART"].dt
    assert start.replace(tzinfo=None) == datetime(2026, 12, 17, 18, 0)
    assert start.utcoffset() == timedelta(0)


def test_calendar_file_ends_the_given_minutes_after_the_start():
    _, event = only_event(ics(minutes=75, first_local=datetime(2026, 7, 16, 18, 0)))
    assert event["DTEND"].params["TZID"] == LONDON
    start, end = event["DTSTART"].dt, event["DTEND"].dt
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(minutes=75)
    assert end.replace(tzinfo=None) == datetime(2026, 7, 16, 19, 15)


def test_calendar_file_end_across_a_clock_change_is_the_true_length():
    # 00:30 on 29 March 2026 in London, for 90 minutes: the clocks skip 01:00-02:00.
    _, event = only_event(ics(first_local=datetime(2026, 3, 29, 0, 30), repeat=Repeat.ONCE))
    start, end = event["DTSTART"].dt, event["DTEND"].dt
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(minutes=90)
    assert end.replace(tzinfo=None) == datetime(2026, 3, 29, 3, 0)


def test_calendar_file_end_in_the_second_half_of_a_fold_is_written_in_utc():
    # From 01:30 BST, 60 minutes ends at 01:30 GMT, which a TZID wall time cannot name.
    data = ics(first_local=datetime(2026, 10, 25, 1, 30), minutes=60, repeat=Repeat.ONCE)
    _, event = only_event(data)
    assert b"DTEND:20261025T013000Z" in data
    start, end = event["DTSTART"].dt, event["DTEND"].dt
    assert end - start.astimezone(UTC) == timedelta(minutes=60)


@pytest.mark.parametrize("minutes", [0, -5])
def test_calendar_file_refuses_a_session_without_length(minutes):
    with pytest.raises(ValueError):
        ics(minutes=minutes)


def test_calendar_file_monthly_rule_names_the_nth_weekday():
    _, event = only_event(ics())
    rule = event["RRULE"]
    assert rule["FREQ"] == ["MONTHLY"]
    assert rule["BYDAY"] == ["3TH"]
    assert b"RRULE:FREQ=MONTHLY;BYDAY=3TH\r\n" in ics()


def test_calendar_file_monthly_rule_for_the_last_friday():
    data = ics(first_local=datetime(2026, 1, 30, 19, 30))
    assert b"RRULE:FREQ=MONTHLY;BYDAY=-1FR\r\n" in data
    _, event = only_event(data)
    assert event["RRULE"]["BYDAY"] == ["-1FR"]


def test_calendar_file_weekly_rule():
    data = ics(repeat=Repeat.WEEKLY)
    assert b"RRULE:FREQ=WEEKLY\r\n" in data
    _, event = only_event(data)
    assert dict(event["RRULE"]) == {"FREQ": ["WEEKLY"]}


def test_calendar_file_for_a_single_session_has_no_rule():
    _, event = only_event(ics(repeat=Repeat.ONCE))
    assert "RRULE" not in event


def test_calendar_file_carries_londons_zone_with_summer_and_winter_time():
    parsed, _ = only_event(ics())
    (timezone,) = parsed.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == LONDON
    standard, daylight = timezone.walk("STANDARD"), timezone.walk("DAYLIGHT")
    assert standard and daylight
    assert {s["TZOFFSETTO"].td for s in standard} == {timedelta(0)}
    assert {d["TZOFFSETTO"].td for d in daylight} == {timedelta(hours=1)}


def test_calendar_file_zone_covers_the_start_and_years_of_a_series():
    parsed, _ = only_event(ics())
    (timezone,) = parsed.walk("VTIMEZONE")
    onsets = []
    for part in timezone.walk("STANDARD") + timezone.walk("DAYLIGHT"):
        onsets.append(part["DTSTART"].dt)
        rdates = part.get("RDATE", [])
        for line in rdates if isinstance(rdates, list) else [rdates]:
            onsets.extend(when.dt for when in line.dts)
    assert min(onsets) <= datetime(2026, 12, 17, 18, 0)
    assert max(onsets) >= datetime(2046, 1, 1)


def test_calendar_file_carries_sydneys_zone_for_a_southern_series():
    data = ics(zone_name=SYDNEY, first_local=datetime(2026, 3, 19, 18, 0))
    parsed, event = only_event(data)
    assert event["DTSTART"].params["TZID"] == SYDNEY
    assert event["DTSTART"].dt.utcoffset() == timedelta(hours=11)
    (timezone,) = parsed.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == SYDNEY
    assert timezone.walk("STANDARD") and timezone.walk("DAYLIGHT")


@pytest.mark.parametrize("utc_name", ["UTC", "Etc/UTC"])
def test_calendar_file_in_utc_has_z_times_and_no_zone(utc_name):
    data = ics(zone_name=utc_name, first_local=datetime(2026, 7, 2, 18, 0), repeat=Repeat.WEEKLY)
    assert b"DTSTART:20260702T180000Z\r\n" in data
    assert b"DTEND:20260702T193000Z\r\n" in data
    assert b"TZID" not in data
    parsed, event = only_event(data)
    assert parsed.walk("VTIMEZONE") == []
    assert event["DTSTART"].dt == datetime(2026, 7, 2, 18, 0, tzinfo=UTC)


def test_calendar_file_keeps_the_name_of_a_zone_that_is_always_utc():
    # icalendar would write an aware Reykjavik time as "Z"; the host chose Reykjavik.
    data = ics(zone_name="Atlantic/Reykjavik")
    _, event = only_event(data)
    assert event["DTSTART"].params["TZID"] == "Atlantic/Reykjavik"
    assert b"DTSTART;TZID=Atlantic/Reykjavik:20261217T180000\r\n" in data
    assert b"BEGIN:VTIMEZONE\r\nTZID:Atlantic/Reykjavik\r\n" in data


def test_calendar_file_uses_crlf_line_endings():
    data = ics()
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_calendar_file_escapes_a_title_with_ical_punctuation():
    _, event = only_event(ics(title="Tea, talk; and\nlistening"))
    assert str(event["SUMMARY"]) == "Tea, talk; and\nlistening"


def test_calendar_file_is_the_same_for_the_same_session():
    assert ics() == ics()


def test_calendar_file_refuses_an_unknown_zone():
    with pytest.raises(ValueError):
        ics(zone_name="Europe/Atlantis")


def test_a_last_friday_series_stays_on_the_last_friday_when_one_falls_on_the_22nd_to_28th():
    # 26 December 2025 is the last Friday (and the fourth); the series was set as "last".
    local = datetime(2025, 12, 26, 18, 0)
    after = schedules.to_utc(local, "Europe/London")
    following = schedules.next_after(local, "Europe/London", Repeat.MONTHLY, after, ordinal=-1)
    assert following == datetime(2026, 1, 30, 18, 0)  # January has five Fridays
    assert "last Friday" in schedules.describe(local, "Europe/London", Repeat.MONTHLY, -1)
    assert schedules.next_after(local, "Europe/London", Repeat.MONTHLY, after) == datetime(
        2026, 1, 23, 18, 0
    ), "without the rule, the 26th reads as the fourth Friday"
