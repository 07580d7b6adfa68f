"""A server restart mid-turn, seen from real browsers: they reconnect by themselves."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from listening.rehearsal import Host, create_session

from .browser import heading, join, shown_seconds

pytestmark = [pytest.mark.browser, pytest.mark.live]


def test_after_a_restart_mid_turn_every_screen_comes_back_to_the_same_turn_and_time(
    server, screens
):
    made = create_session(
        server.url, server.host(), title="Restart", turn_seconds=90, silence_seconds=1
    )
    ada, ben = screens.open(), screens.open(phone=True)
    join(ada, made["participant_url"], "Ada")
    join(ben, made["participant_url"], "Ben")
    host = Host(server.url, made["code"], made["host_key"])
    host.connect()
    assert host.send("start")["ok"]
    host.sio.disconnect()
    expect(heading(ada)).to_have_text("You are speaking", timeout=10_000)
    expect(heading(ben)).to_have_text("Listening to Ada")
    before, killed_at = shown_seconds(ben), time.monotonic()

    server.kill()
    server.start()

    # Nobody reloads: each page reconnects by itself and the turn goes on where it was.
    ada.get_by_role("button", name="I've finished").click()
    expect(heading(ada)).to_have_text("Listening to Ben", timeout=15_000)
    expect(heading(ben)).to_have_text("You are speaking", timeout=15_000)
    shown = shown_seconds(ben)
    assert 85 <= shown <= 90, "Ben's own turn starts in full"
    assert time.monotonic() - killed_at < 30
    assert before <= 90
