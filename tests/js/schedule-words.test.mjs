import assert from "node:assert/strict";
import { test } from "node:test";

import { spanInWords, weekdayOfMonth } from "../../static/js/schedule-words.js";

test("a date names its weekday of the month, the fifth as the last", () => {
  assert.equal(weekdayOfMonth("2027-02-18"), "the third Thursday");
  assert.equal(weekdayOfMonth("2027-01-01"), "the first Friday");
  assert.equal(weekdayOfMonth("2027-01-29"), "the last Friday");
  assert.equal(weekdayOfMonth("2027-01-28"), "the fourth Thursday");
});

test("a date that is not one names nothing", () => {
  assert.equal(weekdayOfMonth(""), null);
  assert.equal(weekdayOfMonth("2027-02-30"), null);
  assert.equal(weekdayOfMonth("soon"), null);
});

test("a countdown reads as words, to the minute", () => {
  assert.equal(spanInWords(30_000), "less than a minute");
  assert.equal(spanInWords(60_000), "1 minute");
  assert.equal(spanInWords((2 * 1440 + 3 * 60 + 5) * 60_000), "2 days, 3 hours and 5 minutes");
  assert.equal(spanInWords(61 * 60_000 + 59_000), "1 hour and 1 minute");
  assert.equal(spanInWords(1440 * 60_000), "1 day");
});
