// The create form's estimate of how long a full room takes: static/js/estimate.js.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { fullRoomSentence, settingFrom } from "../../static/js/estimate.js";

const TURN = { fallback: 120, low: 30, high: 300 };

describe("settingFrom", () => {
  test("reads a whole number as typed, with spaces or a sign", () => {
    assert.equal(settingFrom("90", TURN), 90);
    assert.equal(settingFrom(" 45 ", TURN), 45);
    assert.equal(settingFrom("+60", TURN), 60);
  });

  test("anything that is not a whole number gives the default", () => {
    for (const text of ["", "  ", "abc", "1.5", "2e2", "90s", "0x50"]) {
      assert.equal(settingFrom(text, TURN), 120, JSON.stringify(text));
    }
  });

  test("a number out of range is brought within it", () => {
    assert.equal(settingFrom("1000", TURN), 300);
    assert.equal(settingFrom("5", TURN), 30);
    assert.equal(settingFrom("-10", TURN), 30);
    assert.equal(settingFrom("30", TURN), 30);
    assert.equal(settingFrom("300", TURN), 300);
  });
});

describe("fullRoomSentence", () => {
  test("says how long a full room takes, in whole minutes", () => {
    assert.equal(
      fullRoomSentence({ rounds: 3, cap: 8, turnSeconds: 120, silenceSeconds: 5 }),
      "A full room of 8 takes about 50 minutes.",
    );
  });

  test("rounds to the nearest minute", () => {
    // 2 × 40 s = 80 s and 2 × 45 s = 90 s
    assert.equal(
      fullRoomSentence({ rounds: 1, cap: 2, turnSeconds: 30, silenceSeconds: 10 }),
      "A full room of 2 takes about 1 minute.",
    );
    assert.equal(
      fullRoomSentence({ rounds: 1, cap: 2, turnSeconds: 40, silenceSeconds: 5 }),
      "A full room of 2 takes about 2 minutes.",
    );
  });

  test('says "minute" for one minute', () => {
    assert.equal(
      fullRoomSentence({ rounds: 1, cap: 2, turnSeconds: 30, silenceSeconds: 0 }),
      "A full room of 2 takes about 1 minute.",
    );
  });
});
