"""The browser renders what the server decides, and agrees with it where it must compute.

Snapshots from a real session (every phase, paused, someone away) go through the browser's
own modules in Node; the buttons a screen offers must be exactly the moves the server accepts
(``allowed``, which tests/test_engine_rules.py holds to the engine), the rooms plan must show
the server's sizes, and the create form's live estimate must say what the server renders.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from listening import engine
from listening.services import validation
from listening.web.host import as_typed, full_room_sentence

SCREENS = Path(__file__).resolve().parent / "js" / "screens.mjs"


def render(rooms=(), plans=(), forms=()) -> dict:
    """Return what the browser modules show for these inputs."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("These tests need Node.js (`node`), which `make test` also needs for npm.")
    payload = json.dumps({"rooms": list(rooms), "plans": list(plans), "forms": list(forms)})
    done = subprocess.run(
        [node, str(SCREENS)], input=payload, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def every_kind_of_room(world) -> list[dict]:
    """Play a session through every phase and return each room snapshot the host was sent."""
    world.create(turn_seconds=60, rounds=1, silence_seconds=5, grace_seconds=10)
    world.host()
    world.join("Ada")
    world.join("Ben")
    world.join("Cleo", connect=False)
    seen: list[dict] = []

    def look():
        console = world.console()
        seen.extend({"room": r, "now": console["server_now"]} for r in console["rooms"])

    def host(event, **payload):
        assert world.send("host", event, {"room": 1, **payload})["ok"], event
        look()

    world.send("host", "start")
    look()  # silence, Ada next
    host("pause")
    host("resume")
    world.tick(5)
    look()  # Ada speaking
    host("pause")
    host("extend")
    host("resume")
    world.tick(90)
    look()  # grace
    assert world.send("Ada", "finish")["ok"]
    world.tick(5)
    look()  # Ben speaking
    world.send("Ben", "pass")
    world.tick(5)
    look()  # waiting for Cleo, who never connected
    world.tick(10)
    look()  # Cleo passed over; the room has closed
    return seen


def test_each_screen_offers_exactly_the_moves_the_server_would_accept(world):
    snapshots = every_kind_of_room(world)
    phases = {(s["room"]["phase"], s["room"]["paused"]) for s in snapshots}
    assert {("silence", True), ("speaking", True), ("grace", False), ("waiting", False)} <= phases
    assert ("closed", False) in phases
    viewers = [*world.ids.values(), "someone-else"]
    shown = render(rooms=[{**s, "viewers": viewers} for s in snapshots])["rooms"]

    for snapshot, screen in zip(snapshots, shown, strict=True):
        allowed = snapshot["room"]["allowed"]
        where = (snapshot["room"]["phase"], snapshot["room"]["paused"])
        assert screen["canAct"] == {who: allowed["finish"] == who for who in viewers}, where
        expected_pause = None
        if allowed["pause"]:
            expected_pause = {"action": "pause", "label": "Pause"}
        elif allowed["resume"]:
            expected_pause = {"action": "resume", "label": "Resume"}
        assert screen["pause"] == expected_pause, where
        assert screen["canExtend"] == allowed["extend"], where
        assert screen["skip"] == allowed["skip"], where


def test_the_host_sees_the_servers_plan_for_rooms_before_starting(world):
    world.create()
    world.host()
    for n in range(13):
        world.join(f"P{n}", connect=False)
    sizes = world.console()["rooms_plan"]
    assert sizes == engine.room_sizes(13, 8) == [7, 6]
    plans = [engine.room_sizes(n, 8) for n in range(0, 30)]
    sentences = render(plans=plans)["plans"]
    assert sentences[13] == "Starting now makes 2 rooms (7 and 6 people)."
    assert sentences == [plan_in_words(sizes) for sizes in plans]


def plan_in_words(sizes: list[int]) -> str:
    """Return the sentence a host should read for these room sizes."""
    if sum(sizes) < 2:
        return "You need at least 2 people to start."
    if len(sizes) == 1:
        return f"Starting now makes one room of {sizes[0]}."
    rest = ", ".join(str(size) for size in sizes[:-1])
    return f"Starting now makes {len(sizes)} rooms ({rest} and {sizes[-1]} people)."


def test_the_create_forms_live_estimate_says_what_the_server_renders():
    limits = validation.limits(allow_short_turns=False)
    defaults = validation.form_defaults()
    typed = ["", "abc", "5.5", "-3", "0", "7", "30", "99", " 12 ", "+4", "-" + "9" * 5000]
    turns = [str(s) for s in range(30, 301, 30)] + ["", "9" * 40, "9" * 5000, "0" * 5000 + "60"]
    forms = [
        {
            "values": {"turn_seconds": turn, "rounds": rounds, "silence_seconds": silence},
            "limits": limits,
            "defaults": defaults,
            "cap": cap,
        }
        for turn, rounds, silence, cap in itertools.product(
            turns, ["1", "3", "5", "", "8"], typed, [2, 5, 8, 11]
        )
    ]
    browser = render(forms=forms)["forms"]
    server = [full_room_sentence(as_typed(f["values"], limits), f["cap"]) for f in forms]
    assert browser == server
    assert "A full room of 8 takes about 50 minutes." in server
