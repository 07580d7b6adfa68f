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
  // [rounds, cap, turn seconds, silence seconds, what the host reads]
  const cases = [
    [3, 8, 120, 5, "A full room of 8 takes about 50 minutes."], // the defaults
    [1, 2, 30, 10, "A full room of 2 takes about 1 minute."], // 80 s rounds down, and one minute
    [1, 2, 40, 5, "A full room of 2 takes about 2 minutes."], // 90 s rounds up
    [1, 2, 30, 0, "A full room of 2 takes about 1 minute."],
  ];
  for (const [rounds, cap, turnSeconds, silenceSeconds, sentence] of cases) {
    test(`${rounds} × ${cap} × (${turnSeconds} s + ${silenceSeconds} s): "${sentence}"`, () => {
      assert.equal(fullRoomSentence({ rounds, cap, turnSeconds, silenceSeconds }), sentence);
    });
  }
});
