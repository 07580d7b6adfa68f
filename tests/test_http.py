"""Creating and joining sessions over HTTP, and what bad input gets back."""

from __future__ import annotations

import pytest

from .conftest import with_csrf


def test_the_home_page_offers_a_session_with_the_practices_prompts(client, signed_in):
    page = client.get("/").get_data(as_text=True)
    assert "How are you feeling" in page and "What are you hoping for?" in page


def test_a_host_creates_a_session_from_the_form_and_lands_on_their_console(client, signed_in):
    reply = client.post(
        "/sessions",
        data=with_csrf(
            client,
            {
                "title": "Thursday space",
                "prompts": ["How are you?", "What's on your mind?", "What do you hope for?"],
                "turn_seconds": "120",
                "rounds": "3",
                "silence_seconds": "5",
                "grace_seconds": "15",
            },
        ),
    )
    assert reply.status_code == 303
    host_link = reply.headers["Location"]
    assert "/host#key=" in host_link
    console = client.get(host_link.split("#")[0])
    assert console.status_code == 200 and "Thursday space" in console.get_data(as_text=True)


def test_a_form_with_mistakes_comes_back_with_reasons_and_keeps_what_was_typed(client, signed_in):
    data = {"title": "", "turn_seconds": "9000", "rounds": "3"}
    reply = client.post("/sessions", data=with_csrf(client, data))
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "Give the session a title" in page and "from 30 to 300" in page


def test_the_api_gives_the_host_link_once_and_a_participant_link(client, signed_in):
    reply = client.post("/api/sessions", json={"title": "Space"})
    assert reply.status_code == 201
    body = reply.json
    assert body["host_url"].endswith(f"/s/{body['code']}/host#key={body['host_key']}")
    assert body["participant_url"].endswith(f"/s/{body['code']}")
    assert len(body["session"]["prompts"]) == 3


@pytest.mark.parametrize(
    "settings, field",
    [
        ({"turn_seconds": 10}, "turn_seconds"),
        ({"turn_seconds": "two minutes"}, "turn_seconds"),
        ({"rounds": 6}, "rounds"),
        ({"rounds": 2.5}, "rounds"),
        ({"silence_seconds": -1}, "silence_seconds"),
        ({"grace_seconds": True}, "grace_seconds"),
        ({"prompts": []}, "prompts"),
        ({"prompts": ["x" * 201]}, "prompts"),
        ({"prompts": "How are you?"}, "prompts"),
        ({"title": "t" * 81}, "title"),
        ({"title": "bell\x07"}, "title"),
    ],
)
def test_bad_settings_are_refused_with_the_field_to_fix(client, signed_in, settings, field):
    reply = client.post("/api/sessions", json={"title": "Space", **settings})
    assert reply.status_code == 400
    assert reply.json["error"] == "invalid" and field in reply.json["fields"]


def test_a_body_that_is_not_a_json_object_is_refused(client, signed_in):
    for body in ("[1, 2]", "not json", '"title"'):
        reply = client.post("/api/sessions", data=body, content_type="application/json")
        assert reply.status_code == 400 and reply.json["error"] == "bad_request"


def test_a_huge_body_is_refused_before_it_is_read(client, signed_in):
    reply = client.post("/api/sessions", json={"title": "x" * 100_000})
    assert reply.status_code == 413 and reply.json["error"] == "request_entity_too_large"


def test_an_unknown_link_gets_a_calm_page_and_a_clear_error(client):
    assert "can't find that session" in client.get("/s/nope").get_data(as_text=True)
    assert client.get("/s/nope").status_code == 404
    assert client.get("/s/nope/host").status_code == 404
    assert client.get("/s/nope/qr.svg").status_code == 404
    joined = client.post("/api/sessions/nope/join", json={"name": "Sam"})
    assert joined.status_code == 404 and joined.json["error"] == "unknown_session"


@pytest.mark.parametrize(
    "name",
    ["", "   ", "x" * 41, None, 42, ["Sam"], "Sam\u202e", "\n\t"],
)
def test_names_that_are_empty_huge_or_hostile_are_refused(world, name):
    world.create()
    reply = world.http.post(f"/api/sessions/{world.code}/join", json={"name": name})
    assert reply.status_code == 400 and reply.json["error"] == "invalid_name"
    assert "first name" in reply.json["message"]


def test_a_name_with_markup_is_kept_as_plain_text(world):
    world.create()
    reply = world.http.post(f"/api/sessions/{world.code}/join", json={"name": "<b>Sam</b> & co"})
    assert reply.status_code == 201 and reply.json["participant"]["name"] == "<b>Sam</b> & co"


def test_two_people_with_the_same_name_can_be_told_apart(world):
    world.create()
    names = [world.join(n, connect=False)["participant"]["name"] for n in ("Sam", "Sam", "Sam")]
    assert names == ["Sam", "Sam 2", "Sam 3"]


def test_the_qr_code_is_an_svg_of_the_participant_link(world):
    world.create()
    reply = world.http.get(f"/s/{world.code}/qr.svg")
    assert reply.status_code == 200 and reply.mimetype == "image/svg+xml"
    assert b"<svg" in reply.data


def test_joining_an_ended_session_is_refused_kindly(world):
    world.create()
    world.host()
    world.join("Ada")
    world.join("Ben")
    world.send("host", "start")
    world.send("host", "end")
    reply = world.http.post(f"/api/sessions/{world.code}/join", json={"name": "Cleo"})
    assert reply.status_code == 409 and reply.json["error"] == "ended"


@pytest.mark.parametrize(
    "seconds, words",
    [(120, "about two minutes"), (90, "about a minute and a half"), (30, "30 seconds")],
)
def test_the_join_page_says_how_long_each_person_speaks(world, seconds, words):
    made = world.create(turn_seconds=seconds)
    page = world.http.get(f"/s/{made['code']}").get_data(as_text=True)
    assert f"each person speaks for {words}" in page
