"""Scheduled sessions: in the host's time zone, once or repeating, the lobby opening 15 minutes
before, a calendar file, and a repeating series that keeps its local time across clock changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import select

from listening import services
from listening.extensions import db, socketio
from listening.models import Account, ListeningSession

from .conftest import World, with_csrf

#: the test clock starts on Friday 15 January 2027, 08:00 UTC
THIRD_THURSDAY = {"date": "2027-02-18", "time": "18:00", "time_zone": "Europe/London"}


def at(*when: int) -> float:
    """Return a UTC date and time as the clock's seconds."""
    return datetime(*when, tzinfo=UTC).timestamp()


def sessions(app) -> list[ListeningSession]:
    with app.app_context():
        found = db.session.scalars(select(ListeningSession).order_by(ListeningSession.id)).all()
        db.session.expunge_all()
        return list(found)


def test_a_scheduled_start_is_kept_in_utc_from_the_host_s_wall_time(app, world):
    world.create(date="2027-07-15", time="18:00", time_zone="Europe/London")
    world.create(date="2027-07-15", time="18:00", time_zone="America/New_York")
    london, new_york = sessions(app)
    assert london.starts_at == datetime(2027, 7, 15, 17, 0), "British Summer Time is UTC+1"
    assert new_york.starts_at == datetime(2027, 7, 15, 22, 0)
    assert london.time_zone == "Europe/London" and london.repeat == "once"


@pytest.mark.parametrize(
    "when, field",
    [
        ({"date": "2027-01-14", "time": "18:00", "time_zone": "UTC"}, "date"),  # passed
        ({"date": "2028-06-01", "time": "18:00", "time_zone": "UTC"}, "date"),  # > a year
        ({"date": "2027-02-30", "time": "18:00", "time_zone": "UTC"}, "date"),
        ({"date": "2027-02-18", "time": "25:00", "time_zone": "UTC"}, "time"),
        ({"date": "2027-02-18", "time": "18:00", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"date": "2027-02-18", "time": "18:00", "time_zone": "../../etc/passwd"}, "time_zone"),
        ({"date": "2027-02-18", "time": "18:00"}, "time_zone"),
        ({"date": 20270218, "time": "18:00", "time_zone": "UTC"}, "date"),
        ({"date": "2027-02-18", "time": ["18:00"], "time_zone": "UTC"}, "time"),
        ({**THIRD_THURSDAY, "repeat": "daily"}, "repeat"),
        ({"date": "2027-02-18" * 1000, "time": "18:00", "time_zone": "UTC"}, "date"),
        ({**THIRD_THURSDAY, "repeat": ["weekly"]}, "repeat"),
        ({**THIRD_THURSDAY, "repeat": {"weekly": 1}}, "repeat"),
        ({**THIRD_THURSDAY, "time": "18:00+01"}, "time"),
        ({**THIRD_THURSDAY, "time": "1800"}, "time"),
        ({"date": "9999-12-31", "time": "23:59", "time_zone": "Etc/GMT+12"}, "date"),
        ({"date": "0001-01-01", "time": "00:00", "time_zone": "Etc/GMT-14"}, "date"),
    ],
)
def test_a_schedule_that_cannot_be_gets_the_field_to_fix(world, when, field):
    world.sign_in()
    reply = world.http.post("/api/sessions", json={"title": "Later", **when})
    assert reply.status_code == 400 and field in reply.json["fields"], reply.json


def test_before_the_lobby_opens_the_link_counts_down_and_joining_waits(app, world, clock):
    made = world.create(date="2027-01-15", time="10:00", time_zone="Europe/London")
    page = world.http.get(f"/s/{made['code']}").get_data(as_text=True)
    assert "data-countdown" in page and "Your first name" not in page
    assert 'datetime="2027-01-15T10:00:00Z"' in page, "the start, for the reader's own zone"
    assert f"/s/{made['code']}/calendar.ics" in page
    early = world.http.post(f"/api/sessions/{made['code']}/join", json={"name": "Keen"})
    assert early.status_code == 409 and early.json["error"] == "not_open"
    clock.advance(105 * 60)  # 09:45: fifteen minutes before
    page = world.http.get(f"/s/{made['code']}").get_data(as_text=True)
    assert "Your first name" in page
    world.join("Keen")
    assert world.lobby("Keen")["session"]["status"] == "lobby"


def test_the_calendar_file_repeats_on_the_third_thursday_in_the_host_s_zone(world):
    made = world.create(**THIRD_THURSDAY, repeat="monthly")
    reply = world.http.get(f"/s/{made['code']}/calendar.ics")
    assert reply.status_code == 200 and reply.mimetype == "text/calendar"
    event = Calendar.from_ical(reply.data).walk("VEVENT")[0]
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART").replace(tzinfo=None) == datetime(2027, 2, 18, 18, 0)
    assert event["RRULE"]["FREQ"] == ["MONTHLY"] and event["RRULE"]["BYDAY"] == ["3TH"]
    assert made["participant_url"] in str(event["URL"])
    unscheduled = world.create()
    assert world.http.get(f"/s/{unscheduled['code']}/calendar.ics").status_code == 404


def test_a_monthly_series_makes_its_next_session_at_the_same_local_time_after_the_clocks_change(
    app, world, clock
):
    made = world.create(**THIRD_THURSDAY, repeat="monthly")
    # 18 February 2027, 17:45 UTC (GMT): the lobby is open.
    clock.now = at(2027, 2, 18, 17, 45)
    world.host()
    for name in ("Zelda", "Yusuf"):
        world.join(name)
    world.send("host", "start")
    world.send("host", "end")
    first, following = sessions(app)
    assert following.series == first.code == made["code"]
    # The third Thursday of March 2027 is the 18th; London is still on GMT then (the clocks
    # go forward on the 28th), so 18:00 UTC. April's is the 15th, on BST: 17:00 UTC.
    assert following.starts_at == datetime(2027, 3, 18, 18, 0)
    assert following.host_account_id == first.host_account_id
    assert following.title == first.title and following.status == "lobby"
    # The first link now leads to the next session, and so does the first host link, whose
    # key hosts the whole series (a co-host keeps their way in).
    moved = world.http.get(f"/s/{made['code']}")
    assert moved.status_code == 302 and moved.headers["Location"].endswith(following.code)
    console = world.http.get(f"/s/{made['code']}/host")
    assert console.headers["Location"].endswith(f"/s/{following.code}/host")
    cohost = socketio.test_client(
        app, auth={"session": following.code, "host_key": made["host_key"]}
    )
    assert cohost.is_connected()
    cohost.disconnect()
    # Nobody comes in March: the sweep ends it after its start, and April's is made.
    clock.now = at(2027, 3, 19, 7, 0)
    with app.app_context():
        services.sweep(clock(), 12, 90)
    april = sessions(app)[-1]
    assert april.starts_at == datetime(2027, 4, 15, 17, 0), "18:00 in London, on summer time"
    assert world.http.get(f"/s/{made['code']}").headers["Location"].endswith(april.code)


def test_a_scheduled_session_is_not_swept_away_before_it_is_held(app, world, clock):
    world.create(date="2027-03-01", time="09:00", time_zone="UTC")
    clock.advance(20 * 86400)  # weeks after it was made, before it starts
    with app.app_context():
        services.sweep(clock(), 12, 90)
    assert sessions(app)[0].status == "lobby"


def test_the_console_says_when_it_starts_and_your_sessions_lists_it_as_upcoming(world):
    made = world.create(**THIRD_THURSDAY, repeat="monthly")
    console = world.http.get(f"/s/{made['code']}/host").get_data(as_text=True)
    assert "The lobby opens 15 minutes before" in console
    mine = world.http.get("/sessions").get_data(as_text=True)
    upcoming = mine.split("Upcoming")[1].split("Past")[0]
    assert "The third Thursday of every month at 18:00 (Europe/London)" in upcoming
    assert "Add to a calendar" in upcoming


def test_a_series_whose_time_a_clock_change_skips_keeps_its_own_time_afterwards(app, world, clock):
    # Sundays at 01:30 in London: on 28 March 2027 the clocks jump from 01:00 to 02:00.
    world.create(date="2027-03-21", time="01:30", time_zone="Europe/London", repeat="weekly")
    for _ in range(3):
        session = sessions(app)[-1]
        clock.now = session.starts_at.replace(tzinfo=UTC).timestamp() - 60
        world.http.post(f"/api/sessions/{session.code}/join", json={"name": "Zelda"})
        with app.app_context():
            services.end_stale_sessions(clock() + 13 * 3600, hours=12)
    starts = [s.starts_at for s in sessions(app)]
    assert starts == [
        datetime(2027, 3, 21, 1, 30),  # GMT
        datetime(2027, 3, 28, 1, 30),  # 01:30 does not exist that night: 02:30 BST
        datetime(2027, 4, 4, 0, 30),  # 01:30 BST again, not 02:30
        datetime(2027, 4, 11, 0, 30),
    ]


def test_the_host_can_stop_a_series_and_a_disabled_host_s_series_stops(app, world, clock):
    made = world.create(**THIRD_THURSDAY, repeat="monthly")
    page = world.http.get("/sessions").get_data(as_text=True)
    assert "Stop repeating" in page
    stopped = world.http.post(
        f"/s/{made['code']}/stop-repeating", data=with_csrf(world.http, {}, "/sessions")
    )
    assert stopped.status_code == 303
    assert world.http.post(f"/s/{made['code']}/stop-repeating").status_code == 400, "CSRF"
    clock.now = at(2027, 2, 19, 8, 0)
    with app.app_context():
        services.sweep(clock(), 12, 90)
    assert len(sessions(app)) == 1, "no session follows a stopped series"
    other = world.create(
        date="2027-03-18", time="18:00", time_zone="Europe/London", repeat="weekly"
    )
    with app.app_context():
        account = db.session.get(Account, world.account_id)
        account.disabled_at = datetime(2027, 2, 19)
        db.session.commit()
    clock.now = at(2027, 3, 19, 8, 0)
    with app.app_context():
        services.sweep(clock(), 12, 90)
    assert [s.code for s in sessions(app)][-1] == other["code"], "a disabled host's stops too"


def test_only_the_owner_can_stop_a_series(app, world, clock):
    made = world.create(**THIRD_THURSDAY, repeat="monthly")
    stranger = World(app, clock)
    stranger.sign_in()
    reply = stranger.http.post(
        f"/s/{made['code']}/stop-repeating", data=with_csrf(stranger.http, {}, "/")
    )
    assert reply.status_code == 403
    assert sessions(app)[0].repeat == "monthly"
