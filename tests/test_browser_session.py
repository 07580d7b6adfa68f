"""A whole session on nine screens: a host and eight people, each in their own browser.

The test keeps its own account of the room from the format's rules (who has spoken, who is
still to speak, in what order) and checks that every screen shows each person what that
account says they should see: the lobby filling, speaking, listening, next up, paused,
extended, time running out, passing, a skipped speaker who had gone, a reload mid-turn,
one clock on every screen, and the closing screen.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from listening.rehearsal import create_session

from .browser import (
    SOON,
    cues_seen,
    heading,
    join,
    read_timers,
    room_card,
    screenshot,
    seconds,
    shown_seconds,
    spoken_row,
    timer,
)
from .live import Server

pytestmark = [pytest.mark.browser, pytest.mark.live]

NAMES = ["Ada", "Ben", "Cleo", "Dev", "Esi", "Femi", "Gwen", "Hari"]
PROMPTS = ["How are you feeling?", "What are you hoping for?"]
TURN = 5
LISTEN_RULE = "Listen. No need to respond or fix."
#: two people whose own clocks are wrong: seven minutes fast and three minutes slow
CLOCK_SKEW = {"Gwen": 7 * 60, "Hari": -3 * 60}

#: records every countdown a page shows from the moment it loads
RECORD_TIMES = """document.addEventListener("DOMContentLoaded", () => {
  const el = document.querySelector("[role=timer]");
  window.shownTimes = [];
  new MutationObserver(() => el.textContent && window.shownTimes.push(el.textContent))
    .observe(el, {childList: true, characterData: true, subtree: true});
});"""


@pytest.fixture
def server(tmp_path):
    # Long enough that a speaker who has gone is still being waited for when the host skips.
    server = Server(tmp_path, LISTENING_AWAY_WAIT_SECONDS="60").start()
    yield server
    server.stop()


class Round:
    """The test's own account of a round: who is still to speak, and how each turn ended."""

    def __init__(self, number: int, order: list[str]):
        self.label = f"Round {number} of 2"
        self.number = number
        self.queue = list(order)
        self.outcomes: dict[str, str] = {}

    @property
    def speaker(self) -> str:
        return self.queue[0]

    def ended(self, outcome: str) -> None:
        self.outcomes[self.queue.pop(0)] = outcome

    def quiet_line(self, name: str) -> str | None:
        """What a listener reads under the cue about their own turn."""
        if name in self.queue:
            place = self.queue.index(name)
            return "You are next" if place == 1 else f"You speak after {place} more people"
        return {
            "spoke": "You have had your turn this round.",
            "passed": "You passed this round.",
        }.get(self.outcomes.get(name))

    def spoken(self) -> list[str]:
        """The row of names under "Spoken this round", with a quiet note for passes and skips."""
        notes = {"spoke": "", "passed": " (passed)", "skipped": " (moved on)"}
        return [name + notes[outcome] for name, outcome in self.outcomes.items()]


def expect_turn(people: dict[str, Page], host: Page, now: Round, gone=()) -> None:
    """Every screen shows the same turn: the speaker speaks, everyone else listens."""
    speaker = people[now.speaker]
    expect(heading(speaker)).to_have_text("You are speaking", timeout=SOON)
    told = cues_seen(speaker)[-2:]
    first = now.number == 1 and not now.outcomes
    before = "Getting ready: you speak first" if first else "You are next"
    assert told == [before, "You are speaking"], "told they were next, in the silence"
    expect(speaker.get_by_role("button", name="I've finished")).to_be_visible()
    expect(speaker.get_by_role("button", name="Pass")).to_be_visible()  # at a turn's start
    expect(timer(speaker)).to_be_visible()
    for name, page in people.items():
        if name in gone:
            continue
        expect(page.get_by_text(now.label, exact=True)).to_be_visible()
        spoken = spoken_row(page).get_by_role("listitem")
        expect(spoken).to_have_text(now.spoken() or ["Nobody yet"])
        if page is speaker:
            continue
        expect(heading(page)).to_have_text(f"Listening to {now.speaker}")
        expect(page.get_by_text(LISTEN_RULE, exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="I've finished")).to_have_count(0)
        expect(page.get_by_role("button", name="Pass")).to_have_count(0)
        line = now.quiet_line(name)
        if line:
            expect(page.get_by_text(line, exact=True)).to_be_visible()
    card = room_card(host)
    expect(card).to_contain_text(f"{now.speaker} is speaking")
    if len(now.queue) > 1:
        expect(card).to_contain_text(f"Next: {now.queue[1]}")


def finish(people: dict[str, Page], now: Round, how: str = "I've finished") -> None:
    """The speaker presses a button on their own screen."""
    people[now.speaker].get_by_role("button", name=how).click()
    now.ended("passed" if how == "Pass" else "spoke")


def test_a_host_and_eight_people_follow_a_whole_session_on_their_own_screens(screens, server):
    made = create_session(
        server.url,
        server.host(),
        title="Thursday space",
        prompts=PROMPTS,
        turn_seconds=TURN,
        rounds=2,
        silence_seconds=1.5,
        grace_seconds=3,
    )
    link = made["participant_url"]
    host = screens.open()
    host.goto(made["host_url"])
    lobby = host.get_by_role("region", name="Lobby")
    expect(lobby).to_contain_text("Nobody has arrived yet.")

    # The lobby: the host watches names arrive, one at a time.
    people: dict[str, Page] = {}
    for count, name in enumerate(NAMES, 1):
        page = screens.open(phone=count % 2 == 0, clock_skew=CLOCK_SKEW.get(name, 0))
        join(page, link, name)
        people[name] = page
        expect(lobby.get_by_role("listitem")).to_have_count(count)
        expect(lobby.get_by_role("listitem").last).to_contain_text(name)
        connected = "1 person connected" if count == 1 else f"{count} people connected"
        expect(lobby).to_contain_text(connected)
    for name, page in people.items():
        # Before rooms exist a participant sees how many are here, not who: names are for rooms.
        expect(page.get_by_text("You and 7 others are here.")).to_be_visible()
        expect(page.get_by_text(f"You're joining as {name}.")).to_be_visible()
        others = [other for other in NAMES if other != name]
        expect(page.locator("main")).not_to_contain_text(others[0])
    expect(lobby).to_contain_text("Starting now makes one room of 8.")
    ada, ben, cleo, dev, esi, femi, gwen, hari = people.values()
    card = room_card(host)
    host.get_by_role("button", name="Start", exact=True).click()

    # Round 1 opens with a moment of silence; Ada, who arrived first, speaks first.
    now = Round(1, NAMES)
    expect_turn(people, host, now)
    assert cues_seen(ben)[-2:] == ["Getting ready: Ada speaks first", "Listening to Ada"]
    expect(hari.get_by_text(PROMPTS[0], exact=True)).to_be_visible()
    finish(people, now)

    # Ben's turn: paused, resumed, extended, a reload mid-turn, and one clock on every screen.
    expect_turn(people, host, now)
    timers: dict = dict(people)
    timers["host"] = card.get_by_role("timer", name="Time left in room 1")
    card.get_by_role("button", name="Pause").click()
    for page in people.values():
        expect(heading(page)).to_have_text("Paused")
    expect(ben.get_by_text("Your turn carries on when the host resumes.")).to_be_visible()
    expect(ben.get_by_role("button", name="I've finished")).to_have_count(0)
    expect(cleo.get_by_text("Ben has the floor.")).to_be_visible()
    expect(card.get_by_text("Paused", exact=True)).to_be_visible()
    frozen, _ = read_timers(timers)
    assert len(set(frozen.values())) == 1, f"a paused clock reads the same everywhere: {frozen}"
    host.wait_for_timeout(1_500)  # watch the paused clock for a moment
    assert read_timers(timers)[0] == frozen, "the clock stands still while paused"

    card.get_by_role("button", name="Resume").click()
    expect(heading(ben)).to_have_text("You are speaking")
    expect(heading(cleo)).to_have_text("Listening to Ben")
    assert seconds(timer(ben).inner_text()) <= TURN
    card.get_by_role("button", name="+30 s").click()
    for t in (timer(ben), timers["host"]):
        expect(t).to_have_text(re.compile(r"0:3\d"))
    expect(timer(cleo)).to_be_hidden()  # listeners see the ring move on, without digits
    for _ in range(3):
        shown, took = read_timers(timers)
        spread = max(shown.values()) - min(shown.values())
        assert spread <= 1, f"every screen shows the same time left (read in {took:.2f} s): {shown}"
        host.wait_for_timeout(400)

    # Ben's phone reloads mid-turn: the same cue, and the turn goes on where it was.
    ben.context.add_init_script(RECORD_TIMES)
    before = shown_seconds(ada)
    ben.reload()
    expect(heading(ben)).to_have_text("You are speaking")
    expect(ben.get_by_role("button", name="I've finished")).to_be_visible()
    shown, _ = read_timers({"Ben": ben, "Ada": ada})
    assert abs(shown["Ben"] - shown["Ada"]) <= 1, f"the reloaded screen's time agrees: {shown}"
    first = seconds(ben.evaluate("window.shownTimes[0]"))
    assert first <= before + 1, f"the turn did not start again on reload ({first} s > {before} s)"
    cleo.reload()
    expect(heading(cleo)).to_have_text("Listening to Ben")
    shown, _ = read_timers({"Cleo": cleo, "Ada": ada})
    assert abs(shown["Cleo"] - shown["Ada"]) <= 1, f"the reloaded screen's time agrees: {shown}"
    finish(people, now)

    # Cleo lets her time run out: she sees it is up, and after a short grace the turn moves on.
    expect_turn(people, host, now)
    expect(cleo.get_by_text("Time's up — finish when you're ready", exact=True)).to_be_visible(
        timeout=SOON
    )
    expect(timer(dev)).to_be_hidden()  # a listener is never shown "0:00" or "Time's up"
    assert shown_seconds(dev) == 0
    expect(dev.get_by_text("Time's up")).to_have_count(0)
    now.ended("spoke")

    # Dev passes. Meanwhile Esi's phone drops off, and the host sees she has gone.
    expect_turn(people, host, now)
    esi.goto("about:blank")
    people_panel = host.get_by_role("region", name="People")
    expect(people_panel.get_by_role("listitem").filter(has_text="Esi")).to_contain_text(
        "not connected"
    )
    expect(card).to_contain_text("Not connected: Esi")
    finish(people, now, "Pass")

    # Esi's turn: the room waits for her; the host skips her.
    present = {name: page for name, page in people.items() if name != "Esi"}
    for page in present.values():
        expect(heading(page)).to_have_text("Waiting for Esi", timeout=SOON)
    expect(card).to_contain_text("Waiting for Esi to reconnect")
    screenshot(host, "session-host-waiting-desktop", full_page=False)
    card.get_by_role("button", name="Skip Esi").click()
    now.ended("skipped")

    # Esi comes back during Femi's turn and sees where the room is.
    expect_turn(people, host, now, gone={"Esi"})
    esi.goto(link)
    expect(heading(esi)).to_have_text("Listening to Femi")
    expect(spoken_row(esi).get_by_role("listitem")).to_have_text(now.spoken())
    screenshot(femi, "session-speaking-phone", full_page=False)
    finish(people, now)

    expect_turn(people, host, now)
    screenshot(hari, "session-listening-phone", full_page=False)
    finish(people, now)
    expect_turn(people, host, now)
    finish(people, now)

    # Round 2: the order moves on by one, so Ben opens it and Ada speaks last.
    now = Round(2, NAMES[1:] + NAMES[:1])
    while now.queue:
        speaker = people[now.speaker]
        expect(heading(speaker)).to_have_text("You are speaking", timeout=SOON)
        assert cues_seen(speaker)[-2:] == ["You are next", "You are speaking"]
        expect(speaker.get_by_text(now.label, exact=True)).to_be_visible()
        expect(speaker.get_by_text(PROMPTS[1], exact=True)).to_be_visible()
        if len(now.queue) > 1:
            expect(people[now.queue[1]].get_by_text("You are next", exact=True)).to_be_visible()
        finish(people, now)

    # The closing screen, for everyone.
    for page in people.values():
        expect(heading(page)).to_have_text("Thank you for listening", timeout=SOON)
    expect(host.get_by_text("The session has ended. Thank you for holding")).to_be_visible()
    expect(host.get_by_text("8 people took part.")).to_be_visible()
    expect(card).to_contain_text("This room has closed.")

    # Nothing of the session stays in anyone's browser: not their place, not their name.
    for page in people.values():
        kept = page.evaluate(
            "() => Object.keys(localStorage).filter(k => k.startsWith('listening:'))"
        )
        assert kept == []
    ada.reload()
    # The browser kept nothing, so a reload reads as anyone opening the link now would.
    expect(heading(ada)).to_have_text("This space has closed", timeout=SOON)
