"""Voice in the app, in real browsers: Chromium with a fake microphone playing a steady tone.

Each page's ears are read the way a person's would be: for every roommate's <audio> element,
whether the page lets it be heard and how loud what it carries is (a Web Audio analyser), and
from getStats() whether packets arrive. While A speaks every other page plays A and nobody
else, even when a listener's page turns its own microphone on; when the floor moves the next
speaker is heard within a second and A is not; a pause and the silence between turns are
silent; a reloaded listener hears the speaker again within 5 seconds.
"""

from __future__ import annotations

import math
import struct
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from listening.rehearsal import Host, create_session

from .browser import PHONE, SOON, Screens, axe_problems, chromium, heading, join, screenshot
from .live import Server

pytestmark = [pytest.mark.browser, pytest.mark.live]

#: keeps every RTCPeerConnection a page makes, so a test can read its getStats() as a
#: curious person could in the browser's own tools
PEER_WATCH = """(() => {
  const Original = window.RTCPeerConnection;
  window.peerConnections = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Original(...args);
    window.peerConnections.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
})();"""

#: what a page plays: for each roommate's audio element, whether it may be heard and its level
EARS = """() => {
  window.ears ??= new Map();
  const out = {};
  for (const el of document.querySelectorAll("audio[data-peer]")) {
    if (!el.srcObject) { out[el.dataset.peer] = {muted: el.muted, level: 0}; continue; }
    let ear = window.ears.get(el);
    if (!ear || ear.stream !== el.srcObject) {
      // One context for the page: browsers allow only a few at once.
      window.earContext ??= new AudioContext();
      const analyser = window.earContext.createAnalyser();
      analyser.fftSize = 2048;
      window.earContext.createMediaStreamSource(el.srcObject).connect(analyser);
      ear = {stream: el.srcObject, analyser};
      window.ears.set(el, ear);
    }
    const samples = new Float32Array(ear.analyser.fftSize);
    ear.analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    out[el.dataset.peer] = {muted: el.muted, level: Math.sqrt(sum / samples.length)};
  }
  return out;
}"""

#: bytes and packets this page has sent and received, over all its connections
TRAFFIC = """async () => {
  let sent = 0, received = 0, packetsReceived = 0, levels = [];
  for (const pc of window.peerConnections) {
    if (pc.connectionState === "closed") continue;
    for (const report of (await pc.getStats()).values()) {
      if (report.type === "outbound-rtp" && report.kind === "audio") sent += report.bytesSent;
      if (report.type === "inbound-rtp" && report.kind === "audio") {
        received += report.bytesReceived;
        packetsReceived += report.packetsReceived;
        levels.push(report.audioLevel);
      }
    }
  }
  return {sent, received, packetsReceived, levels};
}"""

#: a listener's page that cheats: it puts its own microphone on every connection
CHEAT = """async () => {
  const stream = await navigator.mediaDevices.getUserMedia({audio: true});
  const [track] = stream.getAudioTracks();
  for (const pc of window.peerConnections) {
    for (const sender of pc.getSenders()) await sender.replaceTrack(track);
  }
  window.cheating = true;
}"""

AUDIBLE = 0.01  # the tone's level is about 0.2; silence is 0


def tone(path: Path, seconds: float = 4.0, rate: int = 48_000) -> Path:
    """Write a steady 440 Hz tone as a WAV file, the fake microphone's sound."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = (
            struct.pack("<h", int(12_000 * math.sin(2 * math.pi * 440 * i / rate)))
            for i in range(int(seconds * rate))
        )
        out.writeframes(b"".join(frames))
    return path


def VOICE_ARGS(wav: Path) -> list[str]:  # noqa: N802 - a constant that needs the file
    """Return Chromium's flags for fake microphones playing ``wav``, on one machine."""
    return [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
        "--autoplay-policy=no-user-gesture-required",
        # Host candidates as they are (not hidden behind mDNS names): one machine.
        "--disable-features=WebRtcHideLocalIpsWithMdns",
    ]


@dataclass
class Stage:
    """A live server and everyone's browsers, for one test."""

    server: Server
    screens: Screens
    hosts: list[Host]

    def session(self, **settings) -> dict:
        """Create a session as the server's signed-in host."""
        return create_session(self.server.url, self.server.host(), **settings)

    def host(self, made: dict) -> Host:
        """Connect a simulated host to the session with its key."""
        host = Host(self.server.url, made["code"], made["host_key"])
        host.connect()
        self.hosts.append(host)
        return host


@pytest.fixture
def stage(voice_browser, tmp_path):
    server = Server(tmp_path).start()
    stage = Stage(server, Screens(voice_browser, server.url), [])
    yield stage
    for host in stage.hosts:
        host.sio.disconnect()
    stage.screens.close()
    server.stop()


@pytest.fixture(scope="module")
def voice_browser(tmp_path_factory):
    wav = tone(tmp_path_factory.mktemp("tone") / "tone.wav")
    with chromium(VOICE_ARGS(wav)) as browser:
        yield browser


def ears(page: Page) -> dict[str, dict]:
    return page.evaluate(EARS)


def heard(page: Page) -> set[str]:
    """Return whom this page is playing: unmuted, with sound in it."""
    return {peer for peer, ear in ears(page).items() if not ear["muted"] and ear["level"] > AUDIBLE}


def let_through(page: Page) -> set[str]:
    """Return whom this page lets be heard at all (unmuted), sound or not."""
    return {peer for peer, ear in ears(page).items() if not ear["muted"]}


def turn_on(page: Page) -> None:
    """Turn the microphone on from the sound check, as a person does on their first visit.

    Where the browser already allows the microphone (as this one, with its fake permission
    prompt, does after the first), the page turns it on by itself.
    """
    button = page.locator("[data-sound-check]").get_by_role("button", name="Turn on my microphone")
    try:
        button.click(timeout=1500)
    except PlaywrightTimeout:
        pass  # already on by itself
    expect(page.get_by_text("Your microphone is on.")).to_be_visible(timeout=SOON)


#: each connection's state and what its senders carry, for a failure's report
CONNECTIONS = """() => window.peerConnections.map((pc) => [
  pc.connectionState, pc.getSenders().map((s) => s.track && s.track.readyState),
])"""


def describe(pages: dict[str, Page], ids: dict[str, str]) -> None:
    """Print what every page plays, its connections and its traffic (when a check fails)."""
    for who, page in pages.items():
        print(who, ids[who], ears(page), page.evaluate(CONNECTIONS), page.evaluate(TRAFFIC))


def wait_until(check, timeout: float, what: str) -> float:
    """Poll ``check`` until true; return how long it took, or fail saying ``what``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail(f"not within {timeout} s: {what}")


def test_only_the_person_with_the_floor_is_heard_in_every_browser(stage):
    made = stage.session(
        title="Voice",
        turn_seconds=30,
        rounds=1,
        silence_seconds=2,
        grace_seconds=2,
    )
    names = ["Ada", "Ben", "Cleo", "Dev"]
    pages: dict[str, Page] = {}
    for name in names:
        page = stage.screens.open()
        page.context.add_init_script(PEER_WATCH)
        join(page, made["participant_url"], name)
        turn_on(page)
        pages[name] = page
    # The level meter moves with the (fake) voice.
    wait_until(
        lambda: pages["Ada"].locator("[data-sound-level]").evaluate("m => m.value") > 0.05,
        5,
        "the level meter moves",
    )
    expect(pages["Dev"].get_by_text("4 of 4 have checked their sound.")).to_be_visible()
    screenshot(pages["Ada"], "sound-check")
    problems = {"sound check": axe_problems(pages["Ada"])}
    ids = {
        name: page.evaluate(f"JSON.parse(localStorage.getItem('listening:{made['code']}')).id")
        for name, page in pages.items()
    }
    host = stage.host(made)
    assert host.send("start")["ok"]

    # Ada speaks first: every other page plays Ada, and nobody else.
    expect(heading(pages["Ada"])).to_have_text("You are speaking", timeout=SOON)
    listeners = [n for n in names if n != "Ada"]
    for name in listeners:
        try:
            wait_until(lambda n=name: heard(pages[n]) == {ids["Ada"]}, 10, f"{name} hears Ada")
        except BaseException:
            describe(pages, ids)
            raise
    assert heard(pages["Ada"]) == set(), "the speaker plays nobody"
    before = pages["Cleo"].evaluate(TRAFFIC)
    time.sleep(1)
    after = pages["Cleo"].evaluate(TRAFFIC)
    assert after["packetsReceived"] > before["packetsReceived"], "packets flow from Ada"
    expect(pages["Cleo"].get_by_text("You're hearing Ada, and only Ada.")).to_be_visible()
    expect(pages["Ada"].get_by_text("Your room hears you.")).to_be_visible()
    screenshot(pages["Cleo"], "listening-with-voice")
    pages["Ada"].set_viewport_size(PHONE)
    screenshot(pages["Ada"], "speaking-with-voice-phone")
    problems["speaking with voice"] = axe_problems(pages["Ada"])
    problems["listening with voice"] = axe_problems(pages["Cleo"])
    assert not any(problems.values()), problems
    # Muting for a moment keeps the floor and silences Ada everywhere.
    pages["Ada"].get_by_role("button", name="Mute for a moment").click()
    wait_until(lambda: heard(pages["Cleo"]) == set(), 3, "Ada's cough is not heard")
    expect(heading(pages["Ada"])).to_have_text("You are speaking")
    pages["Ada"].get_by_role("button", name="Unmute").click()
    wait_until(lambda: heard(pages["Cleo"]) == {ids["Ada"]}, 3, "Ada heard again")

    # Ben's page cheats and sends its microphone anyway: nobody plays Ben.
    pages["Ben"].evaluate(CHEAT)
    sent_before = pages["Ben"].evaluate(TRAFFIC)["sent"]
    time.sleep(1.5)
    assert pages["Ben"].evaluate(TRAFFIC)["sent"] > sent_before + 1000, "the cheat sends"
    for name in ("Ada", "Cleo", "Dev"):
        assert ids["Ben"] not in let_through(pages[name]), f"{name} does not play Ben"
    for name in ("Cleo", "Dev"):
        assert heard(pages[name]) == {ids["Ada"]}
    pages["Ben"].reload()  # an honest page again
    expect(heading(pages["Ben"])).to_have_text("Listening to Ada", timeout=SOON)

    # A pause is silent; resuming brings Ada back.
    host.send("pause", {"room": 1})
    for name in listeners:
        wait_until(lambda n=name: let_through(pages[n]) == set(), 3, f"{name} silent in pause")
    host.send("resume", {"room": 1})
    wait_until(lambda: heard(pages["Cleo"]) == {ids["Ada"]}, 3, "Ada heard after the pause")

    # The floor moves: the silence between turns is silent, then Ben is heard within 1 s.
    pages["Ada"].get_by_role("button", name="I've finished").click()
    wait_until(lambda: let_through(pages["Cleo"]) == set(), 2, "the silence is silent")
    expect(heading(pages["Ben"])).to_have_text("You are speaking", timeout=SOON)
    floor_moved = time.monotonic()
    for name in ("Ada", "Cleo", "Dev"):
        try:
            wait_until(lambda n=name: heard(pages[n]) == {ids["Ben"]}, 5, f"{name} hears Ben")
        except BaseException:
            describe(pages, ids)
            raise
    heard_after = time.monotonic() - floor_moved
    print(f"\nfloor change to Ben heard on every page: {heard_after:.2f} s")
    assert heard_after < 1.0 + 0.5, "heard within a second (plus the polling)"

    # A listener's connection to the speaker breaks (a network drop): the page says so
    # and mends it by itself.
    pages["Cleo"].evaluate(
        "window.peerConnections.filter((pc) => pc.connectionState === 'connected')"
        ".forEach((pc) => pc.close())"
    )
    reconnecting = pages["Cleo"].get_by_text("Reconnecting sound…")
    expect(reconnecting).to_be_visible(timeout=3000)
    mended = wait_until(
        lambda: reconnecting.is_hidden() and heard(pages["Cleo"]) == {ids["Ben"]},
        10,
        "Cleo hears Ben again, and the page says nothing is wrong",
    )
    print(f"a dropped connection is mended after {mended:.1f} s")

    # A listener reloads: they hear the speaker again within 5 s.
    pages["Dev"].reload()
    reloaded = time.monotonic()
    expect(heading(pages["Dev"])).to_have_text("Listening to Ben", timeout=SOON)
    wait_until(lambda: heard(pages["Dev"]) == {ids["Ben"]}, 5, "Dev hears Ben after reload")
    print(f"reloaded listener hears the speaker after {time.monotonic() - reloaded:.2f} s")


def test_a_group_with_its_own_call_gets_each_room_s_link_and_no_voice(stage):
    made = stage.session(
        title="Own call",
        turn_seconds=30,
        voice="call",
        call_links=["https://call.example.org/room-one"],
    )
    ada, ben = stage.screens.open(), stage.screens.open()
    for page, name in ((ada, "Ada"), (ben, "Ben")):
        page.context.add_init_script(PEER_WATCH)
        join(page, made["participant_url"], name)
    expect(ada.get_by_role("heading", name="Your group's own call")).to_be_visible()
    expect(ada.get_by_role("heading", name="Check your sound")).to_be_hidden()
    host = stage.host(made)
    assert host.send("start")["ok"]
    call = ben.get_by_role("link", name="Join your room's call")
    expect(call).to_have_attribute("href", "https://call.example.org/room-one", timeout=SOON)
    assert axe_problems(ben) == []
    assert ben.evaluate("window.peerConnections.length") == 0, "no voice in the app"
