"""Several server processes on one database: a person is connected while any live process holds
a screen of theirs; a process that stops beating is given up and its screens stop counting;
exactly one process at a time holds the ticker's lease, and another takes it when it runs out.

The app under test is one process (its own screens are real Socket.IO test clients); another
process is played by the same app under another process id, calling the same services a second
server would. The live cluster test (test_cluster.py) runs real processes.
"""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import update

from listening import services
from listening.extensions import db
from listening.models import Participant, Screen, ServerProcess
from listening.realtime.publish import publish
from listening.services import processes
from listening.ticker import Leader, ReapPace, reap_once
from listening.web.events import beat_once

from .conftest import World

pytestmark = pytest.mark.both_stores


@contextlib.contextmanager
def as_process(app, process_id: str):
    """Act, within this block, as another server process on the same database."""
    mine = app.config["PROCESS_ID"]
    app.config["PROCESS_ID"] = process_id
    try:
        with app.app_context():
            yield
    finally:
        app.config["PROCESS_ID"] = mine


def member(world: World, who: str, seen_by: str = "Ben") -> dict:
    room = world.room(seen_by)
    return next(m for m in room["members"] if m["id"] == world.ids[who])


def connected(world: World, seen_by: str = "Ben") -> int:
    return world.lobby(seen_by)["here"]["connected"]


def test_someone_with_a_screen_on_each_of_two_processes_stays_until_both_go(app, started):
    ada = _pk(app, started, "Ada")
    with as_process(app, "other"):
        publish(services.set_present(ada, True))
    started.sockets["Ada"].disconnect()
    assert member(started, "Ada")["present"] is True, "the other process still holds a screen"
    assert connected(started) == 4
    with as_process(app, "other"):
        publish(services.set_absent([ada]))
    assert member(started, "Ada")["present"] is False
    assert connected(started) == 3


def test_a_process_that_stops_beating_is_given_up_and_its_people_marked_away(app, started):
    """Ada's only screen was on a process that was killed: no disconnect ever came."""
    ada = _pk(app, started, "Ada")
    started.sockets["Ada"].disconnect()
    with as_process(app, "killed"):
        publish(services.set_present(ada, True))
        processes.beat(started.clock(), lambda: {ada})
    assert member(started, "Ada")["present"] is True
    started.clock.advance(app.config["PROCESS_TIMEOUT_SECONDS"] - 1)
    assert beat_once(app)  # this process is alive
    assert reap_once(app)
    assert member(started, "Ada")["present"] is True, "not given up before the timeout"
    started.clock.advance(2)
    assert beat_once(app)
    assert reap_once(app)
    assert member(started, "Ada")["present"] is False
    assert connected(started) == 3, "Ben, Cleo and Dev, on this living process, stay"
    with app.app_context():
        assert {p.id for p in ServerProcess.query.all()} == {app.config["PROCESS_ID"]}
    started.tick(5)
    assert started.room("Ben")["phase"] == "waiting", "the room waits for Ada, then moves on"


def test_someone_who_reconnects_to_another_process_before_the_reap_never_looks_away(app, started):
    ada = _pk(app, started, "Ada")
    started.sockets["Ada"].disconnect()  # (as if this were the killed process's screen)
    with as_process(app, "killed"):
        publish(services.set_present(ada, True))
        processes.beat(started.clock(), lambda: {ada})
    started.connect("Ada")  # back, through the proxy, on this process
    started.clock.advance(app.config["PROCESS_TIMEOUT_SECONDS"] + 1)
    assert beat_once(app)
    assert reap_once(app)
    assert member(started, "Ada")["present"] is True


def test_a_process_given_up_while_only_cut_off_puts_its_screens_back_at_its_next_beat(app, started):
    started.clock.advance(app.config["PROCESS_TIMEOUT_SECONDS"] + 1)
    with as_process(app, "another"):  # another process's ticker no longer hears this one
        processes.beat(started.clock(), set)
        publish(processes.reap(started.clock(), app.config["PROCESS_TIMEOUT_SECONDS"]))
    assert connected(started) == 0
    assert beat_once(app), "the next heartbeat finds this process was forgotten"
    assert connected(started) == 4
    assert all(m["present"] for m in started.room("Ben")["members"])
    with app.app_context():
        assert Screen.query.count() == 4


def test_only_one_process_holds_the_ticker_and_another_takes_over_when_it_stops(app, world, clock):
    seconds = app.config["LEASE_SECONDS"]
    with as_process(app, "first"):
        assert processes.lead(processes.TICKER, clock(), seconds)
    with as_process(app, "second"):
        assert not processes.lead(processes.TICKER, clock(), seconds), "held by the first"
    clock.advance(seconds - 1)
    with as_process(app, "first"):
        assert processes.lead(processes.TICKER, clock(), seconds), "renewed"
    clock.advance(seconds - 1)
    with as_process(app, "second"):
        assert not processes.lead(processes.TICKER, clock(), seconds), "still renewed"
    clock.advance(2)  # the first stopped renewing (killed) and its lease ran out
    with as_process(app, "second"):
        assert processes.lead(processes.TICKER, clock(), seconds)
    with as_process(app, "first"):
        assert not processes.lead(processes.TICKER, clock(), seconds), "it lost the lease"


def test_a_ticker_that_cannot_reach_the_store_stops_thinking_it_leads(app, monkeypatch):
    now = [0.0]
    app.config["MONOTONIC"] = lambda: now[0]
    leader = Leader(app)
    assert leader.leads() is True, "the first to ask holds the lease"
    monkeypatch.setattr(processes, "lead", _fails)
    now[0] += app.config["LEASE_SECONDS"] / 3
    assert leader.leads() is False, "unsure is not leading: the lease runs out, someone takes it"


def test_after_the_store_failed_silent_processes_are_given_up_only_a_whole_timeout_later(app):
    now = [100.0]
    app.config["MONOTONIC"] = lambda: now[0]
    reaping = ReapPace(app)
    assert reaping.due(), "a new holder looks at once"
    reaping.ran(True)
    now[0] += app.config["HEARTBEAT_SECONDS"]
    assert reaping.due(), "then every heartbeat"
    reaping.wait_a_timeout()  # a tick failed against the store: beats may have failed too
    now[0] += app.config["PROCESS_TIMEOUT_SECONDS"] - 0.5
    assert not reaping.due()
    now[0] += 1
    assert reaping.due()


def test_a_process_that_stops_politely_lets_another_take_the_ticker_at_once(app, clock):
    seconds = app.config["LEASE_SECONDS"]
    with as_process(app, "stopping"):
        assert processes.lead(processes.TICKER, clock(), seconds)
        processes.let_go(processes.TICKER)
    with as_process(app, "next"):
        assert processes.lead(processes.TICKER, clock(), seconds), "no wait for it to run out"


def test_a_heartbeat_marks_connected_again_someone_a_lost_race_marked_away(app, started):
    ada = _pk(app, started, "Ada")
    with app.app_context():  # as a disconnect on another process that read too early would
        db.session.execute(update(Participant).where(Participant.id == ada).values(present=False))
        db.session.commit()
    assert beat_once(app)
    with app.app_context():
        assert db.session.get(Participant, ada).present is True


def _fails(*_args, **_kwargs):
    raise RuntimeError("the store is unreachable")


def _pk(app, world: World, name: str) -> int:
    from sqlalchemy import select

    from listening.extensions import db
    from listening.models import Name

    with app.app_context():
        return db.session.scalar(select(Name.participant_id).where(Name.name == name))


def test_screens_on_another_process_of_someone_removed_are_closed_at_its_next_heartbeat(
    app, started
):
    from listening.services import Caller, leave, remove_person

    cleo = _pk(app, started, "Cleo")
    with as_process(app, "other"):  # the host's and Cleo's own moves reach another process
        session_id = services.find_session(started.code).id
        publish(remove_person(Caller(session_id, is_host=True), started.ids["Ben"])[0])
        publish(leave(Caller(session_id, cleo, public_id=started.ids["Cleo"]))[0])
    assert started.sockets["Ben"].is_connected() and started.sockets["Cleo"].is_connected()
    assert started.send("Dev", "leave")["ok"]  # on this process: this screen shows the end
    assert beat_once(app)
    assert not started.sockets["Ben"].is_connected()
    assert not started.sockets["Cleo"].is_connected(), (
        "her screens here were not the one she left from"
    )
    assert started.sockets["Dev"].is_connected(), "the screen Dev left from stays, for the end"
    assert started.sockets["Ada"].is_connected() and started.sockets["host"].is_connected()


def test_a_server_alone_on_its_store_ticks_at_once_after_a_restart(app, clock):
    """The one process on a SQLite store: its predecessor's lease does not make it wait."""
    seconds = app.config["LEASE_SECONDS"]
    with as_process(app, "before the restart"):
        assert processes.lead(processes.TICKER, clock(), seconds)
    with app.app_context():
        assert not processes.lead(processes.TICKER, clock(), seconds)
        processes.forget_others()
        assert processes.lead(processes.TICKER, clock(), seconds)


def _share(app, process_id: str, number: int, clock, shares: int = 2) -> bool:
    alive = 2 * app.config["HEARTBEAT_SECONDS"]
    with as_process(app, process_id):
        return processes.lead_share(number, shares, clock(), app.config["LEASE_SECONDS"], alive)


def _beat(app, *process_ids: str, clock) -> None:
    for process_id in process_ids:
        with as_process(app, process_id):
            processes.beat(clock(), set)


def test_two_processes_split_the_tickers_work_and_a_newcomer_gets_its_part(app, clock):
    _beat(app, "a", clock=clock)
    assert _share(app, "a", 0, clock) and _share(app, "a", 1, clock), "alone: both shares"
    _beat(app, "b", clock=clock)  # a second process starts
    assert not _share(app, "b", 1, clock), "still held"
    clock.advance(1)
    assert not _share(app, "a", 1, clock), "a holds more than its part while b holds none"
    assert _share(app, "a", 0, clock), "and keeps the other"
    assert _share(app, "b", 1, clock), "b takes the share a gave up"
    clock.advance(1)
    assert _share(app, "a", 0, clock) and _share(app, "b", 1, clock), "one each, renewed"
    assert not _share(app, "a", 1, clock) and not _share(app, "b", 0, clock)


def test_a_dead_processs_share_of_the_ticker_is_taken_over(app, clock):
    seconds = app.config["LEASE_SECONDS"]
    _beat(app, "a", "b", clock=clock)
    assert _share(app, "a", 0, clock) and _share(app, "b", 1, clock)
    clock.advance(seconds + 0.5)  # b was killed: its lease ran out, but it beat lately
    _beat(app, "a", clock=clock)
    assert _share(app, "a", 0, clock)
    assert not _share(app, "a", 1, clock), "not before it was left a whole lease"
    clock.advance(seconds)
    _beat(app, "a", clock=clock)
    assert _share(app, "a", 1, clock), "a takes it over"
