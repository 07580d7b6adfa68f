"""The host's own words: a welcome and ground rules in the lobby, closing words and support
links at the end, the next date of a series, and the host's summary once it has ended."""

from __future__ import annotations

import pytest

WORDS = {
    "welcome": "Welcome, all.\nTake a breath before we begin.",
    "ground_rules": "What is said here stays here.\nNo advice.",
    "closing_words": "Thank you for holding each other.",
    "support_links": ["https://support.example.org/after"],
}


def test_the_lobby_carries_the_host_s_words_as_typed(world):
    world.create(**WORDS)
    world.host()
    world.join("Ada")
    session = world.lobby("Ada")["session"]
    assert session["welcome"] == WORDS["welcome"], "line breaks are kept"
    assert session["ground_rules"] == WORDS["ground_rules"]
    assert session["closing_words"] == WORDS["closing_words"]
    assert session["support_links"] == WORDS["support_links"]


def test_the_closing_words_and_support_links_are_on_the_page_after_the_end(world):
    made = world.create(**WORDS)
    world.host()
    world.join("Ada")
    world.send("host", "end")
    page = world.http.get(f"/s/{made['code']}").get_data(as_text=True)
    assert "Thank you for holding each other." in page
    assert 'href="https://support.example.org/after"' in page


@pytest.mark.parametrize(
    "words, field",
    [
        ({"welcome": "x" * 1001}, "welcome"),
        ({"ground_rules": "bell\x07"}, "ground_rules"),
        ({"closing_words": ["not", "text"]}, "closing_words"),
        ({"support_links": ["http://plain.example.org"]}, "support_links"),
        ({"support_links": ["https://x.org"] * 6}, "support_links"),
        ({"support_links": "javascript:alert(1)"}, "support_links"),
    ],
)
def test_words_that_cannot_be_shown_get_the_field_to_fix(world, words, field):
    world.sign_in()
    reply = world.http.post("/api/sessions", json={"title": "Words", **words})
    assert reply.status_code == 400 and field in reply.json["fields"]


def test_the_host_sees_a_summary_once_it_has_ended(world):
    world.start(["Ada", "Ben"], turn_seconds=60, rounds=1, silence_seconds=0, grace_seconds=0)
    world.tick(45)  # Ada speaks for 45 s: about a minute of listening
    world.send("Ada", "finish")
    world.send("Ben", "pass")
    summary = world.console()["summary"]
    assert summary == {"rooms": 1, "took_part": 2, "spoke": 1, "passed": 1, "minutes": 1}


def test_the_end_of_a_series_names_the_next_date(app, world, clock):
    from datetime import UTC, datetime

    world.create(
        date="2027-02-18", time="18:00", time_zone="Europe/London", repeat="monthly", **WORDS
    )
    clock.now = datetime(2027, 2, 18, 17, 50, tzinfo=UTC).timestamp()
    world.host()
    world.join("Ada")
    world.send("host", "end")
    following = world.lobby("Ada")["session"]["next"]
    assert following["starts_at"] == datetime(2027, 3, 18, 18, 0, tzinfo=UTC).timestamp()
    assert world.http.get(f"/s/{following['code']}").status_code == 200
