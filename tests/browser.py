"""Helpers for the browser tests: Debian's chromium driven by Playwright, one browser context
per person (so each has their own storage and their own place in the session), and readings of
what a person's screen shows them, by role and visible text.
"""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from .live import HOST_EMAIL, HOST_PASSWORD

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"

#: how long to wait for something the server decides (a snapshot, a turn moving on)
SOON = 10_000

#: keeps, in each page, whatever the Content-Security-Policy refused to load or run
CSP_WATCH = """window.cspRefused = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspRefused.push(`${e.effectiveDirective} refused ${e.blockedURI || "inline"}`);
});"""

#: keeps, in each page, every cue heading it has shown, so a test can tell what a screen showed
#: during a moment too short to catch by looking (a silence of a second or two)
CUE_HISTORY = """document.addEventListener("DOMContentLoaded", () => {
  window.cuesSeen = [];
  const heading = document.querySelector("[data-cue] [data-part=heading]");
  if (!heading) return;
  new MutationObserver(() => {
    if (window.cuesSeen.at(-1) !== heading.textContent) window.cuesSeen.push(heading.textContent);
  }).observe(heading, {childList: true, characterData: true, subtree: true});
});"""


def require_chromium() -> None:
    """Fail loudly without chromium, unless the run asked to skip browser tests."""
    if os.environ.get("LISTENING_SKIP_BROWSER") == "1":
        pytest.skip("LISTENING_SKIP_BROWSER=1 is set, so the browser tests are skipped")
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM} and it is not there. "
            "Install it with `apt-get install chromium` "
            "(or set LISTENING_SKIP_BROWSER=1 to skip these tests on purpose).",
            pytrace=False,
        )


@contextmanager
def chromium(extra_args: list[str] | None = None):
    """Launch headless chromium for a module's tests and close it afterwards."""
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=LAUNCH_ARGS + (extra_args or [])
        )
        try:
            yield browser
        finally:
            browser.close()


class Screens:
    """Everyone's browsers in one test: each person gets a context of their own."""

    def __init__(self, browser: Browser, base_url: str):
        self.browser, self.base_url = browser, base_url
        self.contexts = []

    def open(self, *, phone: bool = False, clock_skew: float = 0.0) -> Page:
        """Open a new person's browser; ``clock_skew`` puts its own clock that many seconds off."""
        context = self.browser.new_context(
            viewport=PHONE if phone else DESKTOP, base_url=self.base_url, reduced_motion="reduce"
        )
        if clock_skew:
            # The page reads its own clock through Date.now(); make that clock wrong.
            context.add_init_script(
                f"(() => {{ const now = Date.now.bind(Date);"
                f" Date.now = () => now() + {clock_skew * 1000:.0f}; }})();"
            )
        context.add_init_script(CUE_HISTORY)
        context.add_init_script(CSP_WATCH)
        self.contexts.append(context)
        return context.new_page()

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()


# What a person sees.


def heading(page: Page) -> Locator:
    """The big heading on a participant's screen: the cue, the lobby or the join form."""
    return page.get_by_role("heading", level=1)


def cues_seen(page: Page) -> list[str]:
    """Every cue heading this page has shown since it loaded, oldest first."""
    return page.evaluate("() => window.cuesSeen || []")


def timer(page: Page) -> Locator:
    """The cue's countdown, as a screen reader finds it."""
    return page.get_by_role("timer", name="Time left", exact=True)


def room_card(page: Page, number: int = 1) -> Locator:
    """One room on the host's console."""
    return page.get_by_role("region", name=f"Room {number}", exact=True)


def spoken_row(page: Page) -> Locator:
    """The quiet row of names under "Spoken this round"."""
    return page.locator("[data-cue] [data-part=spoken]")


def announcer(page: Page) -> Locator:
    """The polite live region a screen reader reads out."""
    return page.locator("[data-announcer]")


def seconds(clock_text: str) -> int:
    """Return the seconds in an m:ss countdown."""
    match = re.fullmatch(r"\s*(\d+):(\d\d)\s*", clock_text)
    assert match, f"not a countdown: {clock_text!r}"
    return int(match[1]) * 60 + int(match[2])


#: the seconds a cue shows: its digits (the speaker's), or what its ring shows (a listener's,
#: who sees progress without digits), read from the ring's drawn length and its whole
SHOWN_SECONDS = """() => {
  const time = document.querySelector("[data-cue] [data-part=time]");
  if (time && !time.hidden && time.textContent.trim()) {
    const [m, s] = time.textContent.trim().split(":").map(Number);
    return m * 60 + s;
  }
  const wrap = document.querySelector("[data-cue] [data-part=timer-wrap]");
  const ring = document.querySelector("[data-cue] [data-part=ring-left]");
  const whole = 2 * Math.PI * 90;
  const offset = parseFloat(ring.style.strokeDashoffset || "0");
  return Math.ceil(Number(wrap.dataset.total) * (1 - offset / whole) - 1e-6);
}"""


def shown_seconds(page: Page) -> int:
    """Return the time left this person's cue shows them, digits or ring."""
    return page.evaluate(SHOWN_SECONDS)


def read_timers(timers: dict[str, Locator | Page]) -> tuple[dict[str, int], float]:
    """Read every countdown once, one straight after another; return them and how long it took.

    A page is read as its person sees it (digits, or the ring); a locator as its digits.
    """
    started = time.monotonic()
    shown = {
        who: shown_seconds(t) if isinstance(t, Page) else seconds(t.inner_text())
        for who, t in timers.items()
    }
    return shown, time.monotonic() - started


def join(page: Page, participant_url: str, name: str) -> None:
    """Open the participant link, give a first name, and arrive in the lobby."""
    page.goto(participant_url)
    page.get_by_label("Your first name").fill(name)
    page.get_by_role("button", name="Join", exact=True).click()
    expect(heading(page)).to_have_text("You're in", timeout=SOON)


def sign_in(page: Page, server) -> None:
    """Sign this browser in as the live server's host (made from its setup link if need be)."""
    server.host()
    page.goto("/sign-in")
    page.get_by_label("Email").fill(HOST_EMAIL)
    page.get_by_label("Password").fill(HOST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()


# Checks a test makes on a whole page.


def csp_refusals(page: Page) -> list[str]:
    """Return what the page's Content-Security-Policy refused since it loaded."""
    return page.evaluate("() => window.cspRefused || []")


def axe_problems(page: Page) -> list[str]:
    """Run axe-core on the page as it is; return its serious and critical violations."""
    if not page.evaluate("() => Boolean(window.axe)"):
        # A test tool, so it comes from node_modules rather than being served with the app;
        # evaluated by the browser's devtools protocol, which the page's CSP does not govern.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}: {v['help']}) at "
        + "; ".join(" ".join(map(str, node["target"])) for node in v["nodes"])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sideways_overflow(page: Page) -> int:
    """Return how many pixels the page is wider than the screen (0 means no sideways scroll)."""
    scroll, client = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return max(0, scroll - client)


def has_visible_focus(page: Page) -> bool:
    """Return whether the focused element draws a focus indicator (outline or box shadow)."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          if (!el || el === document.body) return false;
          const style = getComputedStyle(el);
          const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
          return outline || style.boxShadow !== 'none';
        }"""
    )


def is_focused(locator: Locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page: Page, target: Locator, *, limit: int = 40, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``target`` has the focus, as a keyboard user would."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if is_focused(target):
            return
        page.keyboard.press(key)
    assert is_focused(target), f"{limit} presses of {key} never reached {target}"


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under test-artifacts/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=full_page, animations="disabled")
    return path
