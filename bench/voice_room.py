"""Measure voice in the app: a full room of 8 in Chromium with fake microphones.

Starts ``python -m listening serve``, opens 8 browser pages (each its own context, as on 8
devices) whose fake microphone plays a steady tone, joins them to one room and starts it.
Reports:
- the speaker's upload while 7 listen: bytes sent over all their connections, per second;
- each listener's download while listening, and what a listener sends (nothing: only the
  person with the floor transmits);
- the time from the floor moving (the next speaker's page shows "You are speaking") to every
  listener's page playing them, over several turns.

Usage: .venv/bin/python bench/voice_room.py [--people 8] [--turns 4]
The figures quoted in docs/performance.md come from this script.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import expect  # noqa: E402

from listening.rehearsal import NAMES, Host, create_session  # noqa: E402
from tests.browser import Screens, chromium, heading, join  # noqa: E402
from tests.live import Server  # noqa: E402
from tests.test_browser_voice import (  # noqa: E402
    PEER_WATCH,
    TRAFFIC,
    VOICE_ARGS,
    describe,
    heard,
    tone,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=8)
    parser.add_argument("--turns", type=int, default=4, help="floor changes to time")
    parser.add_argument("--window", type=float, default=5.0, help="seconds to measure traffic")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="voice-bench-"))
    wav = tone(work / "tone.wav")
    server = Server(work).start()
    with chromium(VOICE_ARGS(wav)) as browser:
        screens = Screens(browser, server.url)
        try:
            run(server, screens, args)
        finally:
            screens.close()
            server.stop()


def run(server: Server, screens: Screens, args) -> None:
    made = create_session(
        server.url,
        server.host(),
        title="Voice bench",
        turn_seconds=60,
        rounds=1,
        silence_seconds=1,
        grace_seconds=1,
    )
    names = NAMES[: args.people]
    pages = {}
    for name in names:
        page = screens.open()
        page.context.add_init_script(PEER_WATCH)
        join(page, made["participant_url"], name)
        expect(page.get_by_text("Your microphone is on.")).to_be_visible(timeout=20_000)
        pages[name] = page
    key = f"listening:{made['code']}"
    ids = {n: p.evaluate(f"JSON.parse(localStorage.getItem('{key}')).id") for n, p in pages.items()}
    host = Host(server.url, made["code"], made["host_key"])
    host.connect()
    assert host.send("start")["ok"]
    order = names  # people speak in the order they arrived
    speaker = order[0]
    expect(heading(pages[speaker])).to_have_text("You are speaking", timeout=20_000)
    listeners = [n for n in order if n != speaker]
    try:
        for name in listeners:
            wait(lambda n=name: heard(pages[n]) == {ids[speaker]}, 20)
    except RuntimeError:
        describe(pages, ids)
        raise
    before = {n: pages[n].evaluate(TRAFFIC) for n in order}
    time.sleep(args.window)
    after = {n: pages[n].evaluate(TRAFFIC) for n in order}
    up = (after[speaker]["sent"] - before[speaker]["sent"]) * 8 / args.window / 1000
    downs = [
        (after[n]["received"] - before[n]["received"]) * 8 / args.window / 1000 for n in listeners
    ]
    quiet = max((after[n]["sent"] - before[n]["sent"]) for n in listeners)
    print(
        f"room of {len(order)}: the speaker uploads {up:.1f} kbit/s to {len(listeners)} listeners"
    )
    print(f"  ({up / len(listeners):.1f} kbit/s a listener); each listener downloads ")
    print(f"  median {statistics.median(downs):.1f} kbit/s; listeners sent {quiet} bytes in all")
    delays = []
    for turn in range(min(args.turns, len(order) - 1)):
        pages[order[turn]].get_by_role("button", name="I've finished").click()
        nxt = order[turn + 1]
        expect(heading(pages[nxt])).to_have_text("You are speaking", timeout=20_000)
        moved = time.monotonic()
        for name in order:
            if name != nxt:
                wait(lambda n=name, s=nxt: heard(pages[n]) == {ids[s]}, 10)
        delays.append(time.monotonic() - moved)
    print(
        f"floor change to the next speaker heard on all {len(order) - 1} pages: "
        f"median {statistics.median(delays):.2f} s, worst {max(delays):.2f} s "
        f"over {len(delays)} turns"
    )
    host.sio.disconnect()


def wait(check, timeout: float) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return
        time.sleep(0.05)
    raise RuntimeError("timed out")


if __name__ == "__main__":
    main()
