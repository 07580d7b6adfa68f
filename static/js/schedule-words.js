// Words for a schedule, pure (no page): "the third Thursday", "2 days, 3 hours and 5 minutes".
// The server says the same in listening/schedules.py; tests/js/schedule-words.test.mjs checks these.

const ORDINALS = ["first", "second", "third", "fourth"];

/** Return "the third Thursday" for a yyyy-mm-dd date (from the 29th on: "the last"). */
export function weekdayOfMonth(isoDate) {
  const [year, month, day] = String(isoDate).split("-").map(Number);
  if (!year || !month || !day) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCDate() !== day) return null; // 30 February and the like
  const weekday = date.toLocaleDateString("en-GB", { weekday: "long", timeZone: "UTC" });
  const nth = Math.floor((day - 1) / 7);
  return `the ${nth >= 4 ? "last" : ORDINALS[nth]} ${weekday}`;
}

/** Return "2 days, 3 hours and 5 minutes" for a span of milliseconds. */
export function spanInWords(ms) {
  if (ms < 60_000) return "less than a minute";
  const minutes = Math.floor(ms / 60_000);
  const parts = [
    [Math.floor(minutes / 1440), "day"],
    [Math.floor((minutes % 1440) / 60), "hour"],
    [minutes % 60, "minute"],
  ]
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n} ${unit}${n === 1 ? "" : "s"}`);
  return parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : parts[0];
}
