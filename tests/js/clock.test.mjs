// The server's clock as a browser sees it: static/js/clock.js.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ServerClock } from "../../static/js/clock.js";

/** Make Date.now() return `seconds` (since the epoch) for the rest of test `t`; restored after it. */
function clockAt(t, seconds) {
  t.mock.method(Date, "now", () => seconds * 1000);
}

/** Return a clock that has measured one round trip giving `offset`. */
function measuredClock(offset) {
  const clock = new ServerClock();
  clock.addSample(offset, 0.05);
  return clock;
}

describe("ServerClock", () => {
  test("a first snapshot sets the rough offset", (t) => {
    clockAt(t, 1000);
    const clock = new ServerClock();
    assert.equal(clock.fromSnapshot(1010.5), false);
    assert.equal(clock.offset, 10.5);
    assert.equal(clock.now(), 1010.5);
  });

  test("before any round trip, every snapshot simply replaces the rough offset", (t) => {
    clockAt(t, 1000);
    const clock = new ServerClock();
    clock.fromSnapshot(1010);
    assert.equal(clock.fromSnapshot(1500), false);
    assert.equal(clock.offset, 500);
  });

  test("the sample with the shortest round trip is trusted", () => {
    const clock = new ServerClock();
    clock.addSample(2, 0.3);
    assert.equal(clock.offset, 2);
    clock.addSample(3, 0.1);
    clock.addSample(4, 0.2);
    assert.equal(clock.offset, 3);
  });

  test("at most five samples are kept, so an old best one is forgotten", () => {
    const clock = new ServerClock();
    clock.addSample(9, 0.01);
    for (let i = 0; i < 4; i += 1) clock.addSample(1, 0.5);
    assert.equal(clock.offset, 9);
    clock.addSample(1, 0.5);
    assert.equal(clock.samples.length, 5);
    assert.equal(clock.offset, 1);
  });

  test("a snapshot up to 10 s behind (network delay) or 1 s ahead of the measured clock changes nothing", (t) => {
    clockAt(t, 1000);
    const clock = measuredClock(10);
    assert.equal(clock.fromSnapshot(1005), false); // 5 s late: a slow network
    assert.equal(clock.fromSnapshot(1010.5), false); // half a second ahead: within measuring error
    assert.equal(clock.fromSnapshot(1011), false); // the limits themselves: 1 s ahead, 10 s behind
    assert.equal(clock.fromSnapshot(1000), false);
    assert.equal(clock.offset, 10);
    assert.equal(clock.samples.length, 1);
  });

  test("a snapshot more than a second ahead means a clock changed: start again from it", (t) => {
    clockAt(t, 1000);
    const clock = measuredClock(10);
    assert.equal(clock.fromSnapshot(1011.5), true);
    assert.equal(clock.offset, 11.5);
    assert.deepEqual(clock.samples, []);
  });

  test("a snapshot more than ten seconds behind means a clock changed: start again from it", (t) => {
    clockAt(t, 1000);
    const clock = measuredClock(10);
    assert.equal(clock.fromSnapshot(999), true);
    assert.equal(clock.offset, -1);
    assert.deepEqual(clock.samples, []);
  });

  test("a round trip sets the offset from the midpoint of the trip", async (t) => {
    const times = [1000_000, 1000_200]; // sent at 1000.0 s, answered at 1000.2 s
    t.mock.method(Date, "now", () => times.shift());
    const socket = {
      connected: true,
      timeout: () => ({ emit: (event, payload, reply) => reply(null, { ok: true, server_now: 1010.1 }) }),
    };
    const clock = new ServerClock();
    await clock.measure(socket);
    assert.equal(clock.samples.length, 1);
    assert.ok(Math.abs(clock.offset - 10) < 1e-9, `offset ${clock.offset}`);
    assert.ok(Math.abs(clock.samples[0].rtt - 0.2) < 1e-9);
  });

  test("no round trip is measured while disconnected, or from a failed reply", async () => {
    const clock = new ServerClock();
    await clock.measure({ connected: false });
    const failing = {
      connected: true,
      timeout: () => ({ emit: (event, payload, reply) => reply(new Error("timeout")) }),
    };
    await clock.measure(failing);
    assert.deepEqual(clock.samples, []);
    assert.equal(clock.offset, 0);
  });
});
