"""What coordinators review: the counts of sessions held, per month and per host, with "Did you
feel heard?" only in groups of five or more answers; never a name or anything said."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from listening import services
from listening.extensions import db
from listening.models import ListeningSession, Role, SessionCount

from .conftest import World, add_account, sign_in_json

NAMES = ["Zelda", "Yusuf", "Xiomara", "Wen", "Vikram", "Ursula", "Tomasz"]


@pytest.fixture
def coordinator(app):
    add_account(app, "coord@example.org", Role.COORDINATOR)
    client = app.test_client()
    sign_in_json(client, "coord@example.org", "192.0.2.200")
    return client


def run_whole_session(world: World, names: list[str], *, speak: float = 40.0, **settings):
    """Create a session, let these people join and speak in turn until every room closes."""
    world.create(turn_seconds=60, rounds=1, silence_seconds=0, grace_seconds=0, **settings)
    world.host()
    for name in names:
        world.join(name)
    assert world.send("host", "start")["ok"]
    for name in names:
        world.tick(speak)
        assert world.send(name, "finish")["ok"], name
    assert world.lobby(names[0])["session"]["status"] == "ended"


def figures(coordinator, **params) -> dict[str, dict[str, str]]:
    """Return the CSV's rows by (group, which), as a coordinator downloads them."""
    reply = coordinator.get("/counts.csv", query_string=params)
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(reply.get_data(as_text=True))))
    return {f"{row['Group']}: {row['Which']}": row for row in rows}


def test_a_session_s_counts_say_who_took_part_and_how_long_the_floor_was_held(
    app, world, coordinator
):
    world.create(turn_seconds=60, rounds=1, silence_seconds=0, grace_seconds=0)
    world.host()
    for name in ("Zelda", "Yusuf", "Xiomara"):
        world.join(name)
    world.join("Never came", connect=False)  # joined, but was not here as the rooms formed
    assert world.send("host", "start")["ok"]
    world.join("Late")  # arrived while the rooms ran
    for name in ("Zelda", "Yusuf", "Xiomara"):
        world.tick(30)
        assert world.send(name, "finish")["ok"]
    world.tick(10)  # "Never came" is waited for, then passed over as away
    world.tick(30)
    assert world.send("Late", "finish")["ok"]
    row = figures(coordinator)["Total: 2026-02-01 to 2027-01-15"]
    assert row["Sessions held"] == "1"
    assert row["People who took part"] == "4", "three at the start and one latecomer"
    assert row["Turns spoken"] == "4" and row["Turns away"] == "1"
    assert row["Minutes of listening"] == "2.0", "four turns of 30 s"
    assert row["Finished within the hour"] == "1"


def test_the_dashboard_and_csv_show_the_same_figures_per_month_and_per_host(
    app, clock, coordinator
):
    first, second = World(app, clock), World(app, clock)
    run_whole_session(first, ["Zelda", "Yusuf"])
    clock.advance(40 * 86400)  # the next month
    run_whole_session(second, ["Xiomara", "Wen", "Vikram"])
    run_whole_session(first, ["Ursula", "Tomasz"])
    rows = figures(coordinator, **{"from": "2027-01-01", "to": "2027-03-31"})
    assert rows["Month: 2027-01"]["Sessions held"] == "1"
    assert rows["Month: 2027-02"]["Sessions held"] == "2"
    assert rows["Month: 2027-02"]["People who took part"] == "5"
    assert rows["Month: 2027-03"]["Sessions held"] == "0"
    assert rows[f"Host: {first.email}"]["Sessions held"] == "2"
    assert rows[f"Host: {second.email}"]["People who took part"] == "3"
    assert rows["Total: 2027-01-01 to 2027-03-31"]["Sessions held"] == "3"
    only_february = figures(coordinator, **{"from": "2027-02-01", "to": "2027-02-28"})
    assert only_february["Total: 2027-02-01 to 2027-02-28"]["Sessions held"] == "2"
    assert only_february["Since the start: to 2027-02-28"]["Sessions held"] == "3"
    page = coordinator.get("/counts", query_string={"from": "2027-01-01", "to": "2027-03-31"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-month="2027-02" data-sessions="2" data-took-part="5"' in html
    assert first.email in html and "chart.umd.min.js" in html
    for name in NAMES:
        assert name not in html, "no participant's name is ever on the dashboard"
    csv_text = coordinator.get("/counts.csv").get_data(as_text=True)
    assert not any(name in csv_text for name in NAMES)


def test_counts_survive_the_session_and_its_names_being_deleted(app, clock, world, coordinator):
    run_whole_session(world, ["Zelda", "Yusuf"])
    clock.advance(100 * 86400)
    with app.app_context():
        services.sweep(clock(), 12, 90)
        assert db.session.scalar(select(ListeningSession.id)) is None, "the session is gone"
    rows = figures(coordinator, **{"from": "2027-01-01", "to": "2027-04-30"})
    assert rows["Month: 2027-01"]["Sessions held"] == "1"
    assert rows["Month: 2027-01"]["People who took part"] == "2"


def heard(world: World, who: str, answer: str) -> dict:
    return world.send(who, "heard", {"answer": answer})


def test_feeling_heard_is_asked_once_each_after_the_end_and_kept_only_as_counts(
    app, world, coordinator
):
    world.create(turn_seconds=60, rounds=1, silence_seconds=0, grace_seconds=0)
    world.host()
    for name in NAMES[:6]:
        world.join(name)
    world.send("host", "start")
    assert heard(world, "Zelda", "yes")["error"] == "not_ended"
    world.send("host", "end")
    answers = ["yes", "yes", "somewhat", "not_really", "yes"]
    for name, answer in zip(NAMES, answers, strict=False):
        assert heard(world, name, answer)["ok"], name
    assert heard(world, "Zelda", "not_really")["error"] == "answered", "once each"
    assert heard(world, "host", "yes")["error"] == "not_participant"
    assert heard(world, "Ursula", "maybe")["error"] == "bad_request"
    with app.app_context():
        count = db.session.scalar(select(SessionCount))
        assert (count.heard_yes, count.heard_somewhat, count.heard_not_really) == (3, 1, 1)
    row = figures(coordinator)["Total: 2026-02-01 to 2027-01-15"]
    assert row["Felt heard: yes"] == "", "nothing shows while answers may still come in"
    world.clock.advance(3601)
    assert heard(world, "Ursula", "yes")["error"] == "too_late", "answering closes after an hour"
    row = figures(coordinator)["Total: 2026-02-01 to 2027-01-15"]
    assert (row["Felt heard: yes"], row["Felt heard: not really"]) == ("3", "1")


def test_fewer_than_five_answers_in_a_session_are_never_shown_or_summed(app, clock, coordinator):
    big, small = World(app, clock), World(app, clock)
    run_whole_session(big, NAMES[:5])
    for name, answer in zip(NAMES[:5], ["yes", "yes", "yes", "somewhat", "yes"], strict=True):
        assert heard(big, name, answer)["ok"]
    run_whole_session(small, ["Solo", "Duo"])
    assert heard(small, "Solo", "not_really")["ok"]
    clock.advance(3601)
    rows = figures(coordinator)
    total = rows["Total: 2026-02-01 to 2027-01-15"]
    assert (total["Felt heard: yes"], total["Felt heard: not really"]) == ("4", "0")
    hidden = rows[f"Host: {small.email}"]
    assert hidden["Felt heard: yes"] == hidden["Felt heard: not really"] == ""
    page = coordinator.get("/counts").get_data(as_text=True)
    small_row = page.split(small.email)[1].split("</tr>")[0]
    assert small_row.count('aria-label="hidden: fewer than 5 answers"') == 3


def test_someone_who_never_reached_a_room_is_not_asked(world):
    world.create(turn_seconds=60, rounds=1)
    world.host()
    world.join("Zelda")
    world.join("Yusuf")
    world.join("Absent", connect=False)
    world.send("host", "start")
    world.send("host", "end")
    world.connect("Absent")
    assert heard(world, "Absent", "yes")["error"] == "not_in_room"


@pytest.mark.parametrize(
    "params",
    [
        {"from": "yesterday"},
        {"from": "2027-13-01"},
        {"to": "1999-12-31"},
        {"from": "2027-02-01", "to": "2027-01-01"},
        {"from": "2000-01-01", "to": "2027-01-01"},
        {"from": "x" * 10_000},
    ],
)
def test_a_range_that_makes_no_sense_gets_a_clear_answer(coordinator, params):
    for path in ("/counts", "/counts.csv"):
        reply = coordinator.get(path, query_string=params)
        assert reply.status_code == 400, (path, params)


def test_only_coordinators_see_the_counts(app, world, coordinator):
    world.create()  # a signed-in host
    assert world.http.get("/counts").status_code == 403
    assert world.http.get("/counts.csv").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/counts").status_code == 302
    assert anonymous.get("/counts.csv").status_code == 302


def test_a_host_email_that_looks_like_a_formula_is_not_run_by_a_spreadsheet(
    app, clock, coordinator
):
    add_account(app, "=cmd@example.org", Role.HOST)
    sneaky = World(app, clock)
    sign_in_json(sneaky.http, "=cmd@example.org", "192.0.2.201")
    sneaky.account_id = -1  # signed in already
    run_whole_session(sneaky, ["Zelda", "Yusuf"])
    csv_text = coordinator.get("/counts.csv").get_data(as_text=True)
    assert "'=cmd@example.org" in csv_text and "\n=cmd" not in csv_text.replace(",=", "\n=")
