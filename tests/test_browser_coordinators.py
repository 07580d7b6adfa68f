"""Issue 9 end to end in a real browser: from the setup link to a coordinator who invites a
host; the host schedules and runs three sessions with simulated people; the dashboard and its
CSV show the right counts. axe checks every new page, at desktop and phone size."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from listening.rehearsal import Person

from .browser import DESKTOP, PHONE, SOON, Screens, axe_problems, heading, join, screenshot
from .live import SETUP_LINK, Server

pytestmark = [pytest.mark.browser, pytest.mark.live]

PASSWORD = "quiet rooms, kind voices"
#: the simulated people of each session, and how many of them answer "Did you feel heard?"
CROWDS = [["Asha", "Bea", "Cai", "Dov", "Eli"], ["Fen", "Gus", "Hal"], ["Ivo", "Rui", "Kit"]]


def fill_password_form(page: Page, email: str | None, button: str) -> None:
    if email is not None:
        page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label(re.compile("password again")).fill(PASSWORD)
    page.get_by_role("button", name=button).click()


def checked(page: Page, name: str, problems: dict[str, list[str]]) -> None:
    """Run axe on the page at desktop and phone size, noting any serious problem."""
    for size, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        problems[f"{name} ({label})"] = axe_problems(page)
    page.set_viewport_size(DESKTOP)


def run_session(host: Page, server: Server, crowd: list[str], answers: list[str]) -> list[Person]:
    """From the host's console: people join, the host starts, everyone speaks; some answer."""
    link = host.get_by_label("Participant link").input_value()
    code = link.rsplit("/", 1)[1]
    bots = [Person(server.url, code, name, speak_for=0.05) for name in crowd]
    for bot in bots:
        bot.join()
        bot.connect()
    expect(host.get_by_text(f"{len(crowd)} people connected")).to_be_visible(timeout=SOON)
    host.get_by_role("button", name="Start", exact=True).click()
    expect(host.get_by_text("Thank you for holding the space.")).to_be_visible(timeout=60_000)
    for bot, answer in zip(bots, answers, strict=False):
        assert bot._send("heard", {"answer": answer})["ok"], bot.name
    return bots


def test_from_the_setup_link_to_the_counts_of_three_sessions(browser, tmp_path):
    # Answers are taken for 8 s after each end (an hour by default), so the first session's
    # are counted by the time the other two have run.
    server = Server(tmp_path, LISTENING_HEARD_WINDOW_SECONDS="8").start()
    screens = Screens(browser, server.url)
    problems: dict[str, list[str]] = {}
    bots: list[Person] = []
    try:
        # A new installation: the first coordinator comes from the printed setup link.
        found = SETUP_LINK.search(server.log())
        assert found, server.log()
        coordinator = screens.open()
        coordinator.goto("/setup/" + found.group(1).rsplit("/setup/", 1)[1])
        checked(coordinator, "setup", problems)
        fill_password_form(coordinator, "coordinator@example.org", "Create and sign in")
        expect(coordinator.get_by_role("heading", name="Your account")).to_be_visible()
        checked(coordinator, "account", problems)

        # The coordinator invites a host, and copies the link to send.
        coordinator.get_by_role("link", name="People").first.click()
        coordinator.get_by_role("button", name="Make an invitation link").click()
        invitation = coordinator.get_by_label("The link to send").input_value()
        checked(coordinator, "people", problems)

        host = screens.open()
        host.goto("/")
        checked(host, "welcome", problems)
        host.goto(invitation)
        fill_password_form(host, "host@example.org", "Create my account")
        expect(host.get_by_role("heading", name="Your account")).to_be_visible()

        # The host schedules the first session: a monthly one, starting in ten minutes, so
        # its lobby is already open.
        host.get_by_role("link", name="New session").click()
        soon = datetime.now(UTC) + timedelta(minutes=10)
        host.get_by_label("Title").fill("Third Thursday")
        host.get_by_label("Turn length").select_option("30")
        host.get_by_label("Rounds").select_option("1")
        host.get_by_label("Silence between turns, in seconds").fill("0")
        host.get_by_label("Date").fill(soon.strftime("%Y-%m-%d"))
        host.get_by_label("Start time").fill(soon.strftime("%H:%M"))
        host.get_by_label("Time zone").select_option("UTC")
        host.get_by_label("Repeats").select_option("monthly")
        checked(host, "create with a schedule", problems)
        screenshot(host, "create-scheduled")
        host.get_by_role("button", name="Create session").click()
        expect(host.get_by_text("The lobby opens 15 minutes before")).to_be_visible()
        bots += run_session(host, server, CROWDS[0], ["yes", "yes", "yes", "somewhat", "yes"])

        # Two more, each from "Your sessions" with "Run again", opened signed in (no key).
        for crowd in CROWDS[1:]:
            host.get_by_role("link", name="Your sessions").click()
            host.get_by_role("link", name=re.compile("Run again")).first.click()
            expect(host.get_by_label("Title")).to_have_value("Third Thursday")
            host.get_by_label("Date").fill("")
            host.get_by_label("Start time").fill("")
            host.get_by_role("button", name="Create session").click()
            host.get_by_role("link", name="Your sessions").click()
            running = host.get_by_role("list", name="Upcoming")
            running.get_by_role("link", name=re.compile("Open the console")).first.click()
            expect(host).not_to_have_url(re.compile("#key="))
            bots += run_session(host, server, crowd, ["not_really", "yes"])
        host.get_by_role("link", name="Your sessions").click()
        checked(host, "your sessions", problems)
        screenshot(host, "your-sessions")
        expect(host.get_by_role("list", name="Past").get_by_role("listitem")).to_have_count(3)
        # The monthly series made its next session, and lists it as upcoming.
        expect(host.get_by_role("list", name="Upcoming")).to_contain_text("Third Thursday")

        # Someone opening the next session's link early sees when it starts, in their zone.
        participant = screens.open(phone=True)
        upcoming = host.get_by_role("list", name="Upcoming")
        upcoming.get_by_role("link", name=re.compile("Open the console")).first.click()
        participant.goto(host.get_by_label("Participant link").input_value())
        expect(participant.get_by_text(re.compile(r"Starts in \d+ days"))).to_be_visible()
        checked(participant, "before the lobby opens", problems)
        screenshot(participant, "scheduled-phone", full_page=False)

        # The coordinator's counts: three sessions, eleven people, 4 + 1 answers shown.
        coordinator.get_by_role("link", name="Counts").click()
        table = coordinator.get_by_role("table", name="By month")
        total = table.get_by_role("row", name=re.compile("^Total"))
        expect(total).to_contain_text("3")
        cells = total.get_by_role("cell").all_inner_texts()
        # Sessions, people, rooms, spoken, passed, away, skipped, minutes, within the hour,
        # felt heard: yes / somewhat / not really (only the first session had five answers).
        assert cells[:4] == ["3", "11", "3", "11"], cells
        assert cells[8] == "3" and cells[9:] == ["4", "1", "0"], cells
        for name in [name for crowd in CROWDS for name in crowd]:
            expect(coordinator.locator("main")).not_to_contain_text(name)
        with coordinator.expect_download() as download:
            coordinator.get_by_role("link", name=re.compile("Download these figures")).click()
        rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
        csv_total = next(row for row in rows if row[0] == "Total")
        assert csv_total[2:] == cells, "the CSV has exactly the table's figures"
        checked(coordinator, "counts", problems)
        # docs/screenshots/dashboard-*.png are copies of these.
        coordinator.set_viewport_size(DESKTOP)
        screenshot(coordinator, "dashboard-desktop")
        coordinator.set_viewport_size(PHONE)
        screenshot(coordinator, "dashboard-phone", full_page=False)
    finally:
        for bot in bots:
            bot.close()
        screens.close()
        server.stop()
    serious = {page: found for page, found in problems.items() if found}
    assert not serious, f"axe-core found serious or critical problems: {serious}"


def test_a_participant_is_asked_once_if_they_felt_heard(browser, tmp_path):
    server = Server(tmp_path).start()
    screens = Screens(browser, server.url)
    problems: dict[str, list[str]] = {}
    try:
        from listening.rehearsal import create_session

        made = create_session(server.url, server.host(), title="Asked", turn_seconds=30)
        ada = screens.open(phone=True)
        join(ada, made["participant_url"], "Ada")
        ben = Person(server.url, made["code"], "Ben", speak_for=0.05)
        ben.join()
        ben.connect()
        host = screens.open()
        host.goto(made["host_url"])
        host.get_by_role("button", name="Start", exact=True).click()
        expect(heading(ada)).to_have_text("You are speaking", timeout=SOON)
        host.get_by_role("button", name="End session").click()
        host.get_by_role("button", name="End for everyone").click()
        expect(heading(ada)).to_have_text("Thank you for listening", timeout=SOON)
        question = ada.get_by_role("group", name="Did you feel heard?")
        expect(question).to_be_visible()
        checked(ada, "closing with the question", problems)
        screenshot(ada, "closing-heard-phone", full_page=False)
        question.get_by_role("button", name="Somewhat").click()
        expect(ada.get_by_text("Thank you.", exact=True)).to_be_visible()
        for answer in ("Yes", "Somewhat", "Not really"):
            expect(question.get_by_role("button", name=answer)).to_be_disabled()
        ben.close()
    finally:
        screens.close()
        server.stop()
    assert not any(problems.values()), problems
