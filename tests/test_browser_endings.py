"""Beginnings, leaving and endings in a real browser: the host's words in the lobby, leaving
gracefully, closing words and support links, the host's summary, and a link opened late."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from listening.rehearsal import Person, create_session

from .browser import SOON, axe_problems, heading, join

pytestmark = [pytest.mark.browser, pytest.mark.live]


def test_a_whole_beginning_a_graceful_leaving_and_a_whole_ending(screens, server):
    made = create_session(
        server.url,
        server.host(),
        title="Gentle",
        turn_seconds=60,
        rounds=1,
        silence_seconds=1,
        welcome="Welcome, all.\nTake a breath.",
        ground_rules="What is said here stays here.",
        closing_words="Thank you for holding each other.",
        support_links=["https://support.example.org/after"],
    )
    cleo = Person(server.url, made["code"], "Cleo", speak_for=1.0)
    try:
        ada, ben = screens.open(phone=True), screens.open()
        join(ada, made["participant_url"], "Ada")
        join(ben, made["participant_url"], "Ben")
        cleo.join()
        cleo.connect()
        words = ada.get_by_role("region", name="From your host")
        expect(words).to_contain_text("Welcome, all.")
        expect(words).to_contain_text("What is said here stays here.")
        expect(ada.get_by_text("A full room takes about 8 minutes.", exact=False)).to_be_visible()
        assert axe_problems(ada) == []

        host = screens.open()
        host.goto(made["host_url"])
        host.get_by_role("button", name="Start", exact=True).click()
        expect(heading(ada)).to_have_text("You are speaking", timeout=SOON)
        # The host reads the round's prompt aloud from the room's card, and sees who is in it.
        expect(host.get_by_text("Prompt: How are you feeling")).to_be_visible()
        expect(host.get_by_text("In this room: Ada, Ben, Cleo")).to_be_visible()

        # Someone arriving late is told how it works, and how long each person speaks.
        dev = screens.open(phone=True)
        dev.goto(made["participant_url"])
        expect(dev.get_by_text("each person speaks for about a minute")).to_be_visible()
        dev.get_by_label("Your first name").fill("Dev")
        dev.get_by_role("button", name="Join", exact=True).click()
        expect(dev.get_by_role("heading", name="You've joined a space in progress")).to_be_visible(
            timeout=SOON
        )
        expect(heading(dev)).to_have_text("Listening to Ada")

        # Ben leaves: asked first, then the room carries on without him and the host is told.
        ben.get_by_role("button", name="Leave this space").click()
        ben.get_by_role("dialog", name="Leave this space?").get_by_role(
            "button", name="Leave"
        ).click()
        expect(heading(ben)).to_have_text("You've left")
        expect(host.get_by_text("Ben has left.")).to_be_visible()
        expect(ada.get_by_role("button", name="Leave this space")).to_be_visible()

        # Skipping Ada while she speaks is confirmed, and can be undone: her turn goes on.
        card = host.get_by_role("region", name="Room 1", exact=True)
        card.get_by_role("button", name="Skip Ada").click()
        expect(card.get_by_text("Ada is connected and speaking.")).to_be_visible()
        card.get_by_role("button", name="Skip Ada now").click()
        card.get_by_role("button", name="Undo").click()
        expect(card.get_by_text("Ada's turn goes on.")).to_be_visible()
        expect(heading(ada)).to_have_text("You are speaking")
        # Done for real this time: after the seconds of undo, the room moves on, kindly.
        card.get_by_role("button", name="Skip Ada").click()
        card.get_by_role("button", name="Skip Ada now").click()
        expect(
            ada.get_by_text("The host moved the room on from your turn.", exact=False)
        ).to_be_visible(timeout=SOON)
        expect(dev.locator("[data-cue] [data-part=spoken]")).to_contain_text("Ada (moved on)")

        host.get_by_role("button", name="End session").click()
        host.get_by_role("button", name="End for everyone").click()
        expect(heading(ada)).to_have_text("Thank you for listening", timeout=SOON)
        expect(ada.get_by_text("Thank you for holding each other.")).to_be_visible()
        link = ada.get_by_role("link", name="support.example.org/after")
        expect(link).to_have_attribute("href", "https://support.example.org/after")
        expect(ada.get_by_role("button", name="Sound when it's nearly your turn")).to_be_hidden()
        expect(ada.get_by_role("button", name="Leave this space")).to_be_hidden()
        assert axe_problems(ada) == []
        expect(host.get_by_text("4 people took part in 1 room")).to_be_visible()

        late = screens.open()
        late.goto(made["participant_url"])
        expect(heading(late)).to_have_text("This space has closed")
        expect(late.get_by_label("Your first name")).to_be_hidden()
    finally:
        cleo.close()


def test_a_host_who_takes_part_sees_their_room_marked_and_the_others_in_a_strip(browser, tmp_path):
    from .browser import Screens
    from .live import Server

    server = Server(tmp_path, LISTENING_ROOM_CAP="2").start()
    screens = Screens(browser, server.url)
    bots = []
    try:
        made = create_session(server.url, server.host(), title="Two rooms", turn_seconds=60)
        host = screens.open()
        host.goto(made["host_url"])
        host.get_by_label("Your first name").fill("Hana")
        host.get_by_role("button", name="Join", exact=True).click()
        for name in ("Ian", "Jo", "Kim"):
            bots.append(Person(server.url, made["code"], name, speak_for=1.0))
            bots[-1].join()
            bots[-1].connect()
        expect(host.get_by_text("4 people connected")).to_be_visible(timeout=SOON)
        host.get_by_role("button", name="Start", exact=True).click()
        mine = host.get_by_role("region", name="Room 1", exact=True)
        expect(mine.get_by_text("Your room: you take part here")).to_be_visible(timeout=SOON)
        other = host.get_by_role("region", name="Room 2", exact=True)
        expect(other.get_by_text("Your room")).to_be_hidden()
        strip = host.get_by_role("region", name="The other rooms")
        expect(strip).to_contain_text("Room 2:")
        expect(strip).not_to_contain_text("Room 1:")
        assert axe_problems(host) == []
    finally:
        for bot in bots:
            bot.close()
        screens.close()
        server.stop()


def test_leaving_and_a_careful_skip_work_from_the_keyboard_alone(screens, server):
    from .browser import has_visible_focus, tab_to

    made = create_session(server.url, server.host(), title="Keys", turn_seconds=60, rounds=1)
    cleo = Person(server.url, made["code"], "Cleo", speak_for=1.0)
    try:
        ada, ben = screens.open(), screens.open()
        # Count the buzzes a phone would give (vibration is how a pocketed phone tells you).
        ada.context.add_init_script(
            "navigator.vibrate = () => { window.buzzes = (window.buzzes || 0) + 1; return true; };"
        )
        join(ada, made["participant_url"], "Ada")
        join(ben, made["participant_url"], "Ben")
        cleo.join()
        cleo.connect()
        host = screens.open()
        host.goto(made["host_url"])
        tab_to(host, host.get_by_role("button", name="Start", exact=True))
        host.keyboard.press("Enter")
        expect(heading(ada)).to_have_text("You are speaking", timeout=SOON)
        # A page behind the call still shows whose moment it is, in its tab, and buzzes.
        expect(ada).to_have_title(re.compile(r"^● Speaking — 0:[0-5]\d · Keys"))
        icon = ada.locator("link[rel=icon]")
        expect(icon).to_have_attribute("href", re.compile("b9770e"))
        assert ada.evaluate("window.buzzes") >= 1, "the speaker's phone buzzed as the turn began"
        expect(ben).to_have_title(re.compile(r"^Keys"))

        # The host skips Ada with keys: confirm, then undo, without touching a mouse.
        card = host.get_by_role("region", name="Room 1", exact=True)
        tab_to(host, card.get_by_role("button", name="Skip Ada"))
        host.keyboard.press("Enter")
        expect(card.get_by_role("button", name="Skip Ada now")).to_be_focused()
        host.keyboard.press("Enter")
        undo = card.get_by_role("button", name="Undo")
        expect(undo).to_be_focused()
        assert has_visible_focus(host), "the host can see which button the keyboard is on"
        host.keyboard.press("Enter")
        expect(card.get_by_text("Ada's turn goes on.")).to_be_visible()
        expect(heading(ada)).to_have_text("You are speaking")

        # Ben leaves with keys: the dialog opens on "Stay", and Leave is one step back.
        tab_to(ben, ben.get_by_role("button", name="Leave this space"))
        ben.keyboard.press("Enter")
        dialog = ben.get_by_role("dialog", name="Leave this space?")
        expect(dialog.get_by_role("button", name="Stay")).to_be_focused()
        ben.keyboard.press("Shift+Tab")
        expect(dialog.get_by_role("button", name="Leave")).to_be_focused()
        ben.keyboard.press("Enter")
        expect(heading(ben)).to_have_text("You've left")
        expect(heading(ben)).to_be_focused()
    finally:
        cleo.close()
