"""What people see in a real browser: the cue changing as turns pass, every view checked by
axe-core and at phone size, the keyboard alone, and what a screen reader hears.

Each person has their own browser context in headless Debian chromium, so each has their own
storage and their own place in the session, as on separate devices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from listening.rehearsal import Host, Person, create_session

from .browser import (
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    SOON,
    Screens,
    announcer,
    axe_problems,
    csp_refusals,
    cues_seen,
    has_visible_focus,
    heading,
    join,
    room_card,
    screenshot,
    shown_seconds,
    sideways_overflow,
    sign_in,
    spoken_row,
    tab_to,
    timer,
)
from .live import Server

pytestmark = [pytest.mark.browser, pytest.mark.live]

#: the smallest phone people use (an iPhone SE): the speaker's buttons must fit on it
SMALLEST = {"width": 320, "height": 568}


@pytest.fixture
def bots():
    """Simulated people and hosts (socket clients) that a test lets into a session."""
    started: list = []
    yield started
    for bot in started:
        if isinstance(bot, Person):
            bot.close()
        else:
            bot.sio.disconnect()


# Issue 2: the cue changes on everyone's screen when a turn passes.


def test_a_host_creates_a_session_and_two_people_see_the_cue_change_as_turns_pass(screens, server):
    host = screens.open()
    sign_in(host, server)
    host.goto("/")
    host.get_by_label("Title").fill("Tuesday space")
    expect(host.get_by_label("Prompt 1")).to_have_value(re.compile("How are you feeling"))
    host.get_by_label("Turn length").select_option("30")
    host.get_by_label("Rounds").select_option("1")
    host.get_by_label("Silence between turns, in seconds").fill("2")
    # Before creating it, the host sees how long a full room of 8 will take: 8 × (30 s + 2 s).
    expect(host.get_by_text("A full room of 8 takes about 4 minutes.")).to_be_visible()
    host.get_by_role("button", name="Create session").click()
    expect(host).to_have_url(re.compile(r"/s/[\w-]+/host#key=[\w-]+$"))
    expect(host.get_by_role("heading", name="Tuesday space")).to_be_visible()
    link = host.get_by_label("Participant link").input_value()

    ada, ben = screens.open(), screens.open(phone=True)
    join(ada, link, "Ada")
    join(ben, link, "Ben")
    lobby = host.get_by_role("region", name="Lobby")
    expect(lobby).to_contain_text("2 people connected")
    expect(lobby.get_by_role("listitem")).to_contain_text(["Ada", "Ben"])
    expect(ben.get_by_text("You and 1 other person are here.")).to_be_visible()
    host.get_by_role("button", name="Start", exact=True).click()

    # People speak in the order they arrived: Ada first, heard by Ben.
    expect(heading(ada)).to_have_text("You are speaking", timeout=SOON)
    expect(ada.get_by_role("button", name="I've finished")).to_be_visible()
    expect(heading(ben)).to_have_text("Listening to Ada")
    expect(ben.get_by_text("Listen. No need to respond or fix.", exact=True)).to_be_visible()
    expect(ben.get_by_text("You are next", exact=True)).to_be_visible()
    expect(ben.get_by_role("button", name="I've finished")).to_have_count(0)
    for screen in (ada, ben):
        expect(screen.get_by_text("Round 1 of 1")).to_be_visible()
        expect(screen.get_by_text("How are you feeling, right now, as we begin?")).to_be_visible()
    expect(timer(ada)).to_have_text(re.compile(r"0:[0-3]\d"))
    expect(timer(ben)).to_be_hidden()  # the listener sees the ring, not digits
    expect(room_card(host)).to_contain_text("Ada is speaking")

    ada.get_by_role("button", name="I've finished").click()
    expect(heading(ben)).to_have_text("You are speaking", timeout=SOON)
    expect(heading(ada)).to_have_text("Listening to Ben")
    # A short silence let it land, and told Ben he was next.
    assert cues_seen(ben)[-2:] == ["You are next", "You are speaking"]
    assert cues_seen(ada)[-2:] == ["Silence", "Listening to Ben"]
    expect(ada.get_by_text("You have had your turn this round.")).to_be_visible()
    expect(spoken_row(ben).get_by_role("listitem")).to_have_text(["Ada"])
    expect(room_card(host)).to_contain_text("Ben is speaking")

    ben.get_by_role("button", name="I've finished").click()
    for screen in (ada, ben):
        expect(heading(screen)).to_have_text("Thank you for listening", timeout=SOON)
    expect(room_card(host)).to_contain_text("This room has closed.")


def test_the_host_removes_someone_and_only_the_host_is_told(screens, server, bots):
    made = create_session(server.url, server.host(), title="Removing")
    host = screens.open()
    host.goto(made["host_url"])
    ada = screens.open(phone=True)
    join(ada, made["participant_url"], "Ada")
    troll = Person(server.url, made["code"], "Troll")
    bots.append(troll)
    troll.join()
    troll.connect()
    expect(ada.get_by_text("You and 1 other person are here.")).to_be_visible()
    lobby = host.get_by_role("region", name="Lobby")
    lobby.get_by_role("button", name="Remove Troll").click()
    dialog = host.get_by_role("dialog", name="Remove Troll?")
    expect(dialog).to_contain_text("can't come back with their link")
    dialog.get_by_role("button", name="Remove Troll").click()
    expect(lobby.get_by_text("Troll has been removed.")).to_be_visible()
    expect(lobby.get_by_role("listitem")).to_have_text([re.compile("^Ada")])
    expect(ada.get_by_text("Just you so far.")).to_be_visible()
    expect(ada.locator("main")).not_to_contain_text("removed")
    assert troll.wait_for(lambda person: not person.sio.connected, timeout=10)


# Every view: axe-core, phone size and screenshots. One walk through a session visits each view
# once, and the tests below each judge one side of what it found.


@dataclass
class View:
    name: str
    axe: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    overflow: int = 0
    targets: dict[str, dict] = field(default_factory=dict)
    #: where the speaker's buttons are on the smallest phone (320 × 568), at the top of the page
    smallest: dict[str, dict] = field(default_factory=dict)
    shots: list[Path] = field(default_factory=list)


@pytest.fixture(scope="module")
def every_view(browser, tmp_path_factory) -> dict[str, View]:
    """Walk one session through every view, desktop and phone size, and record each."""
    server = Server(tmp_path_factory.mktemp("views")).start()
    screens = Screens(browser, server.url)
    bots: list[Person] = []
    views: dict[str, View] = {}

    def look(name: str, shows: Locator, speaker_buttons: bool = False) -> None:
        """Record the view on the page where ``shows`` is visible, checking it stays put."""
        expect(shows).to_be_visible(timeout=SOON)
        page = shows.page
        view = views[name] = View(name)
        for size, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
            page.set_viewport_size(size)
            view.axe += [f"{label}: {problem}" for problem in axe_problems(page)]
            view.shots.append(screenshot(page, f"{name}-{label}", full_page=label == "desktop"))
        view.overflow = sideways_overflow(page)
        if speaker_buttons:
            for button in ("I've finished", "Pass", "Sound when it's nearly your turn"):
                view.targets[button] = page.get_by_role("button", name=button).bounding_box()
            page.set_viewport_size(SMALLEST)
            page.evaluate("window.scrollTo(0, 0)")
            for button in ("I've finished", "Pass"):
                view.smallest[button] = page.get_by_role("button", name=button).bounding_box()
            view.shots.append(screenshot(page, f"{name}-smallest", full_page=False))
        # People who set their device to dark mode get the dark colours: check those too.
        page.emulate_media(color_scheme="dark")
        view.axe += [f"phone, dark: {problem}" for problem in axe_problems(page)]
        view.shots.append(screenshot(page, f"{name}-phone-dark", full_page=False))
        page.emulate_media(color_scheme="light")
        page.set_viewport_size(DESKTOP)
        view.csp = csp_refusals(page)
        assert shows.is_visible(), f"the {name} view changed while it was being checked"

    def cue(page: Page, text: str) -> Locator:
        return page.get_by_role("heading", name=text, level=1, exact=True)

    try:
        host = screens.open()
        host.goto("/")
        look("welcome", host.get_by_role("heading", name="Spaces for listening"))
        sign_in(host, server)
        host.goto("/")
        look("create", host.get_by_role("heading", name="Create a space for listening"))
        host.get_by_label("Title").fill("   ")
        host.get_by_role("button", name="Create session").click()
        look("create-with-errors", host.get_by_role("heading", name="Please check this"))
        host.goto("/s/no-such-code")
        look("not-found", host.get_by_role("heading", name="We can't find that session"))

        made = create_session(
            server.url, server.host(), title="Tuesday space", turn_seconds=120, silence_seconds=10
        )
        host.goto(made["host_url"])
        ada, ben = screens.open(), screens.open()
        ada.goto(made["participant_url"])
        look("join", ada.get_by_label("Your first name"))
        join(ada, made["participant_url"], "Ada")
        join(ben, made["participant_url"], "Ben")
        for name in ("Cleo", "Dev", "Esi"):
            bots.append(Person(server.url, made["code"], name, speak_for=1.0))
            bots[-1].join()
            bots[-1].connect()
        expect(ben.get_by_text("You and 4 others are here.")).to_be_visible()
        look("lobby", cue(ben, "You're in"))
        look("host-lobby", host.get_by_text("5 people connected"))

        # A silence of 10 s opens the round: long enough to check both views of it.
        host.get_by_role("button", name="Start", exact=True).click()
        look("next", cue(ada, "Getting ready: you speak first"))
        look("silence", cue(ben, "Getting ready: Ada speaks first"))
        look("speaking", cue(ada, "You are speaking"), speaker_buttons=True)
        look("listening", cue(ben, "Listening to Ada"))
        look("host-running", room_card(host).get_by_text("Ada is speaking"))

        room_card(host).get_by_role("button", name="Pause").click()
        look("paused", cue(ada, "Paused"))

        host.get_by_role("button", name="End session").click()
        look("host-end-dialog", host.get_by_role("dialog", name="End the session for everyone?"))
        host.get_by_role("button", name="End for everyone").click()
        look("closing", cue(ben, "Thank you for listening"))
        look("host-ended", host.get_by_text("Thank you for holding the space."))
        yield views
    finally:
        for bot in bots:
            bot.close()
        screens.close()
        server.stop()


REQUIRED_VIEWS = [
    "welcome",
    "create",
    "create-with-errors",
    "not-found",
    "join",
    "lobby",
    "next",
    "silence",
    "speaking",
    "listening",
    "paused",
    "closing",
    "host-lobby",
    "host-running",
]


def test_axe_finds_nothing_serious_or_critical_on_any_view(every_view):
    assert set(REQUIRED_VIEWS) <= set(every_view)
    problems = {name: view.axe for name, view in every_view.items() if view.axe}
    assert not problems, "axe-core violations:\n" + "\n".join(
        f"  {name}: {problem}" for name, found in problems.items() for problem in found
    )


def test_no_view_needs_anything_the_content_security_policy_refuses(every_view):
    assert set(REQUIRED_VIEWS) <= set(every_view)
    refused = {name: view.csp for name, view in every_view.items() if view.csp}
    assert not refused, f"refused by the Content-Security-Policy: {refused}"


def test_no_view_scrolls_sideways_on_a_phone(every_view):
    assert set(REQUIRED_VIEWS) <= set(every_view)
    wide = {name: view.overflow for name, view in every_view.items() if view.overflow}
    assert not wide, f"pixels wider than a {PHONE['width']} px phone, by view: {wide}"


def test_the_speakers_buttons_are_on_screen_on_the_smallest_phone(every_view):
    boxes = every_view["speaking"].smallest
    assert set(boxes) == {"I've finished", "Pass"}
    below = {
        name: round(box["y"] + box["height"])
        for name, box in boxes.items()
        if box["y"] + box["height"] > SMALLEST["height"]
    }
    assert not below, f"below the fold of a {SMALLEST} phone (bottom edge in px): {below}"


def test_the_speakers_buttons_are_big_enough_to_touch_on_a_phone(every_view):
    targets = every_view["speaking"].targets
    assert set(targets) == {"I've finished", "Pass", "Sound when it's nearly your turn"}
    small = {
        name: (round(box["width"]), round(box["height"]))
        for name, box in targets.items()
        if box["width"] < 44 or box["height"] < 44
    }
    assert not small, f"touch targets under 44×44 px: {small}"


def test_every_view_is_photographed_at_desktop_and_phone_size(every_view):
    assert set(REQUIRED_VIEWS) <= set(every_view)
    for name, view in every_view.items():
        saved = {shot.name for shot in view.shots if shot.is_file() and shot.stat().st_size}
        assert {f"{name}-desktop.png", f"{name}-phone.png"} <= saved
        assert all(shot.parent == SCREENSHOTS for shot in view.shots)


# Keyboard only.


def test_a_host_creates_and_starts_and_a_speaker_finishes_with_the_keyboard_alone(
    screens, server, bots
):
    host = screens.open()
    keys = host.keyboard
    sign_in(host, server)
    host.goto("/")
    tab_to(host, host.get_by_label("Title"))
    assert has_visible_focus(host), "the focused field shows where the keyboard is"
    keys.type("Keyboard space")
    tab_to(host, host.get_by_label("Turn length"))
    keys.press("Home")  # the shortest turn, 0:30
    tab_to(host, host.get_by_label("Rounds"))
    keys.press("Home")  # one round
    tab_to(host, host.get_by_label("Silence between turns, in seconds"))
    keys.press("Control+A")
    keys.type("1")
    tab_to(host, host.get_by_role("button", name="Create session"))
    assert has_visible_focus(host)
    keys.press("Enter")
    expect(host).to_have_url(re.compile(r"/host#key="))
    link = host.get_by_label("Participant link").input_value()

    ada = screens.open()
    ada.goto(link)
    tab_to(ada, ada.get_by_label("Your first name"))
    ada.keyboard.type("Ada")
    ada.keyboard.press("Enter")
    expect(heading(ada)).to_have_text("You're in")
    ben = Person(server.url, link.rsplit("/", 1)[1], "Ben", speak_for=1.0)
    bots.append(ben)
    ben.join()
    ben.connect()
    expect(host.get_by_text("2 people connected")).to_be_visible()

    start = host.get_by_role("button", name="Start", exact=True)
    tab_to(host, start, backwards=True)
    assert has_visible_focus(host)
    keys.press("Space")
    expect(room_card(host)).to_be_visible()

    expect(heading(ada)).to_have_text("You are speaking", timeout=SOON)
    # The host pauses and resumes with two presses of Enter: the button keeps the focus.
    tab_to(host, room_card(host).get_by_role("button", name="Pause"))
    keys.press("Enter")
    expect(heading(ada)).to_have_text("Paused")
    expect(room_card(host).get_by_role("button", name="Resume")).to_be_focused()
    keys.press("Enter")
    expect(heading(ada)).to_have_text("You are speaking")

    finished = ada.get_by_role("button", name="I've finished")
    tab_to(ada, finished)
    assert has_visible_focus(ada), "the speaker can see which button the keyboard is on"
    ada.keyboard.press("Enter")
    expect(heading(ada)).to_have_text(re.compile("Silence|Listening to Ben"))
    # The buttons went away; the keyboard is left on the cue, not thrown back to the top.
    expect(heading(ada)).to_be_focused()
    assert ben.wait_for(lambda p: p.room["room"]["current"] == p.id, timeout=10)
    expect(room_card(host)).to_contain_text("Ben")


# What a screen reader hears.

WATCH_ANNOUNCER = """el => {
  window.heard = [];
  new MutationObserver(() => window.heard.push(el.textContent)).observe(
    el, {childList: true, characterData: true, subtree: true});
}"""


def test_a_screen_reader_hears_the_turn_change_but_not_the_clock(screens, server, bots):
    made = create_session(
        server.url,
        server.host(),
        title="Quiet",
        turn_seconds=17,
        rounds=1,
        silence_seconds=1,
        grace_seconds=1,
    )
    host = Host(server.url, made["code"], made["host_key"])
    bots.append(host)
    host.connect()
    ada, ben = screens.open(), screens.open()
    join(ada, made["participant_url"], "Ada")
    join(ben, made["participant_url"], "Ben")
    assert host.send("start") == {"ok": True}

    expect(heading(ada)).to_have_text("You are speaking", timeout=SOON)
    expect(announcer(ben)).to_have_text("Ada is speaking. You are next")
    # With 15 seconds left the speaker (and only the speaker) hears so, once.
    expect(announcer(ada)).to_have_text("15 seconds left", timeout=5_000)
    before = shown_seconds(ben)
    for page in (ada, ben):
        announcer(page).evaluate(WATCH_ANNOUNCER)
    ben.wait_for_timeout(2_200)  # listen to two seconds of a running turn
    assert shown_seconds(ben) != before, "the ring on screen moves on"
    for page in (ada, ben):
        heard = page.evaluate("window.heard")
        assert heard == [], f"the live region changed during a turn: {heard}"

    ada.get_by_role("button", name="I've finished").click()
    expect(announcer(ben)).to_have_text(re.compile("You are next|You are speaking"))
    expect(announcer(ben)).to_have_text("You are speaking", timeout=SOON)
    expect(announcer(ada)).to_have_text("Ben is speaking")
    for page in (ada, ben):
        # The countdown (shown to the speaker, hidden from listeners) is never a live region.
        clock = page.locator("[data-cue] [data-part=time]")
        expect(clock).not_to_have_attribute("aria-live", re.compile("polite|assertive"))
