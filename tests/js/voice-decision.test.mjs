import assert from "node:assert/strict";
import { test } from "node:test";

import { iOffer, micLive, peersFor, soundProblem, whoToPlay } from "../../static/js/voice-decision.js";

const room = (over = {}) => ({
  phase: "speaking",
  paused: false,
  current: "pA",
  members: [
    { id: "pA", present: true },
    { id: "pB", present: true },
    { id: "pC", present: false },
    { id: "pD", present: true },
  ],
  ...over,
});

test("listeners play the person with the floor, while speaking and in the grace", () => {
  assert.equal(whoToPlay(room(), "pB"), "pA");
  assert.equal(whoToPlay(room({ phase: "grace" }), "pD"), "pA");
});

test("the speaker does not play themselves", () => {
  assert.equal(whoToPlay(room(), "pA"), null);
});

test("between turns, while waiting, paused, closed or gathering, nobody is played", () => {
  for (const phase of ["silence", "waiting", "closed", "gathering"]) {
    assert.equal(whoToPlay(room({ phase }), "pB"), null, phase);
  }
  assert.equal(whoToPlay(room({ paused: true }), "pB"), null);
  assert.equal(whoToPlay(null, "pB"), null);
});

test("only the speaker's microphone is live, and muting it for a moment keeps the turn", () => {
  assert.equal(micLive(room(), "pA"), true);
  assert.equal(micLive(room(), "pB"), false, "a listener who force-enables is not sending by rule");
  assert.equal(micLive(room(), "pA", { selfMuted: true }), false);
  assert.equal(micLive(room({ phase: "silence" }), "pA"), false);
  assert.equal(micLive(room({ paused: true }), "pA"), false);
});

test("voice connections go to present roommates only, and one of each pair offers", () => {
  assert.deepEqual(peersFor(room(), "pB"), ["pA", "pD"]);
  assert.deepEqual(peersFor(room({ phase: "closed" }), "pB"), []);
  assert.equal(iOffer("pA", "pB"), true);
  assert.equal(iOffer("pB", "pA"), false);
});

test("the page says when the speaker cannot be heard, and not otherwise", () => {
  assert.equal(soundProblem(room(), "pB", "connected", 0), null);
  assert.equal(soundProblem(room(), "pB", "connecting", 1000), "reconnecting");
  assert.equal(soundProblem(room(), "pB", "connecting", 9000), "unheard");
  assert.equal(soundProblem(room(), "pB", "failed", 0), "unheard");
  assert.equal(soundProblem(room({ phase: "silence" }), "pB", "failed", 9000), null);
  assert.equal(soundProblem(room(), "pA", "failed", 9000), null, "the speaker hears nobody");
});
