"""Voice in the app: the server relays WebRTC signalling only between present members of one
room, refuses and logs everything else, counts sound checks, and hands out ICE servers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging

import pytest

from listening.app import create_app

OFFER = {"kind": "offer", "screen": "s1", "to_screen": "s2", "sdp": "v=0\r\no=- 1 2 IN IP4 0"}


def signals(world, who: str) -> list[dict]:
    """Return the signalling messages this screen has been sent since the last look."""
    received = world.sockets[who].get_received()
    return [event["args"][0] for event in received if event["name"] == "signal"]


def send(world, who: str, to: str, **message) -> dict:
    return world.send(who, "signal", {"to": world.ids[to], **OFFER, **message})


def test_a_roommate_s_offer_reaches_them_with_the_sender_named_by_the_server(rooms_of_two):
    world = rooms_of_two
    signals(world, "B")
    reply = send(world, "A", "B", sneaky="extra", **{"from": world.ids["C"]})
    assert reply == {"ok": True}
    [got] = signals(world, "B")
    assert got == {
        "from": world.ids["A"],  # from the connection, never from the payload
        "screen": "s1",
        "to_screen": "s2",
        "kind": "offer",
        "sdp": OFFER["sdp"],
    }
    assert signals(world, "C") == [] and signals(world, "D") == []


def test_signals_to_another_room_are_refused_logged_and_never_relayed(rooms_of_two, caplog):
    world = rooms_of_two
    for who in "BCD":
        signals(world, who)
    with caplog.at_level(logging.WARNING):
        reply = send(world, "A", "C")
    assert reply["ok"] is False and reply["error"] == "not_in_your_room"
    assert "refused 1 signalling message" in caplog.text
    assert [signals(world, who) for who in "BCD"] == [[], [], []]


def test_signals_to_someone_gone_to_oneself_or_from_the_host_are_refused(rooms_of_two):
    world = rooms_of_two
    assert send(world, "A", "A")["error"] == "not_in_your_room"
    world.sockets["B"].disconnect()
    assert send(world, "A", "B")["error"] == "not_in_your_room", "B is not here now"
    reply = world.send("host", "signal", {"to": world.ids["A"], **OFFER})
    assert reply["error"] == "not_participant"


def test_a_session_beside_cannot_be_signalled(app, clock, rooms_of_two):
    from .conftest import World

    other = World(app, clock)
    other.start(["Eve", "Fay"])
    reply = other.send("Eve", "signal", {"to": rooms_of_two.ids["A"], **OFFER})
    assert reply["error"] == "not_in_your_room"
    assert signals(rooms_of_two, "A") == []


def test_before_the_rooms_form_there_is_nobody_to_signal(world):
    world.create()
    world.host()
    world.join("Ada")
    world.join("Ben")
    reply = world.send("Ada", "signal", {"to": world.ids["Ben"], **OFFER})
    assert reply["error"] == "not_in_room"


@pytest.mark.parametrize(
    "message",
    [
        {"kind": "shout"},
        {"kind": "offer", "sdp": "x" * 12_001},
        {"kind": "offer", "sdp": ""},
        {"kind": "offer", "to_screen": None},
        {"kind": "answer", "sdp": ["v=0"]},
        {"kind": "candidate", "candidate": "c" * 1001},
        {"kind": "candidate", "candidate": "x", "sdpMLineIndex": -1},
        {"kind": "candidate", "candidate": "x", "sdpMLineIndex": True},
        {"kind": "candidate", "candidate": "x", "sdpMid": {"a": 1}},
        {"screen": "has spaces"},
        {"screen": "x" * 33},
        {"to_screen": "../../etc"},
        {"to": 12},
        {"to": "x" * 500},
    ],
)
def test_malformed_or_oversized_signals_get_bad_request(rooms_of_two, message):
    world = rooms_of_two
    payload = {"to": world.ids["B"], **OFFER, **message}
    reply = world.send("A", "signal", payload)
    assert reply["ok"] is False and reply["error"] == "bad_request", message
    assert signals(world, "B") == []


def test_a_flood_of_signals_is_cut_off_and_the_connection_keeps_working(app, rooms_of_two):
    app.config.update(SIGNAL_BURST=5, SIGNAL_RATE=0.0001)
    world = rooms_of_two
    replies = [send(world, "A", "B")["ok"] for _ in range(7)]
    assert replies == [True] * 5 + [False, False]
    assert send(world, "A", "B")["error"] == "rate_limited"
    assert world.send("A", "clock")["ok"], "the connection itself is fine"
    assert len(signals(world, "B")) == 5


def test_a_sound_check_is_counted_in_the_lobby_and_shown_to_the_host(world):
    world.create()
    world.host()
    world.join("Ada")
    world.join("Ben")
    assert world.send("Ada", "sound", {"state": "ready"})["ok"]
    assert world.send("Ben", "sound", {"state": "no_mic"})["ok"]
    assert world.lobby("Ben")["here"]["sound_ready"] == 1
    people = {p["name"]: p["sound"] for p in world.console()["people"]}
    assert people == {"Ada": "ready", "Ben": "no_mic"}
    assert world.send("Ada", "sound", {"state": "loud"})["error"] == "bad_request"
    assert world.send("host", "sound", {"state": "ready"})["error"] == "not_participant"


def test_turn_credentials_follow_the_coturn_rest_convention(app, clock, rooms_of_two):
    app.config.update(
        ICE_SERVERS='[{"urls": "stun:stun.example.org"}, {"urls": ["turn:turn.example.org"]}]',
        TURN_SECRET="shared-secret",
        TURN_TTL_SECONDS=3600,
    )
    reply = rooms_of_two.send("A", "voice_config")
    stun, turn = reply["ice_servers"]
    assert stun == {"urls": "stun:stun.example.org"}, "STUN needs no credentials"
    expiry, user = turn["username"].split(":")
    assert int(expiry) == int(clock()) + 3600 and user == rooms_of_two.ids["A"]
    expected = hmac.new(b"shared-secret", turn["username"].encode(), hashlib.sha1).digest()
    assert turn["credential"] == base64.b64encode(expected).decode()
    assert rooms_of_two.send("host", "voice_config")["error"] == "not_participant"


def test_without_ice_settings_browsers_use_host_candidates_only(rooms_of_two):
    assert rooms_of_two.send("A", "voice_config") == {"ok": True, "ice_servers": []}


@pytest.mark.parametrize("setting", ["not json", '{"urls": "stun:x"}', '[{"url": "stun:x"}]'])
def test_a_server_with_ice_servers_it_cannot_read_refuses_to_start(tmp_path, setting):
    with pytest.raises(ValueError, match="LISTENING_ICE_SERVERS"):
        create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}",
                "ICE_SERVERS": setting,
            }
        )


@pytest.mark.parametrize(
    "settings",
    [
        {"voice": "radio"},
        {"voice": "call"},  # no links
        {"voice": "call", "call_links": []},
        {"voice": "call", "call_links": ["http://call.example.org/a"]},
        {"voice": "call", "call_links": ["javascript:alert(1)"]},
        {"voice": "call", "call_links": ["https://"]},
        {"voice": "call", "call_links": ["https://call.example.org/a b"]},
        {"voice": "call", "call_links": ["https://x.org/" + "a" * 600]},
        {"voice": "call", "call_links": ["https://x.org/a"] * 26},
        {"voice": "call", "call_links": [{"url": "https://x.org"}]},
        {"voice": "call", "call_links": "https://x.org/a\nftp://x.org/b"},
    ],
)
def test_a_call_setting_that_cannot_be_used_gets_the_field_to_fix(world, settings):
    world.sign_in()
    reply = world.http.post("/api/sessions", json={"title": "Ours", **settings})
    assert reply.status_code == 400, settings
    assert set(reply.json["fields"]) & {"voice", "call_links"}


def test_each_room_gets_its_own_call_link_and_the_lobby_says_which_way(app, world):
    app.config["ROOM_CAP"] = 2
    world.create(voice="call", call_links=["https://call.example.org/1"])
    world.host()
    for name in ("A", "B", "C", "D"):
        world.join(name)
    assert world.lobby("A")["session"]["voice"] == "call"
    world.send("host", "start")
    links = {world.room(name)["number"]: world.room(name)["call_link"] for name in "AC"}
    assert links == {1: "https://call.example.org/1", 2: None}, "room 2 was given no link"


def test_voice_in_the_app_is_the_default_and_gives_no_call_links(started):
    assert started.lobby("Ada")["session"]["voice"] == "app"
    assert started.room("Ada")["call_link"] is None
