// The create page: show how long a full room will take, as the settings change.
// The form posts without this; the server renders the same sentence to begin with.

import { fullRoomSentence, settingFrom } from "./estimate.js";
import { weekdayOfMonth } from "./schedule-words.js";

const form = document.querySelector("[data-create-form]");
const estimate = document.querySelector("[data-estimate]");

/** Return a field's value as the server reads it, from the limits it rendered on the field. */
function setting(field) {
  const options = field.options ? [...field.options].map((o) => Number(o.value)) : null;
  return settingFrom(field.value, {
    fallback: Number(field.dataset.default),
    low: options ? Math.min(...options) : Number(field.min),
    high: options ? Math.max(...options) : Number(field.max),
  });
}

function update() {
  const text = fullRoomSentence({
    rounds: setting(form.elements.rounds),
    cap: Number(estimate.dataset.roomCap),
    turnSeconds: setting(form.elements.turn_seconds),
    silenceSeconds: setting(form.elements.silence_seconds),
  });
  if (estimate.textContent.trim() !== text) estimate.textContent = text;
}

// After a refused post, start at the list of what to fix, as the page's alert says.
document.querySelector(".error-summary")?.focus();

if (form && estimate) {
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
}

// When: suggest the host's own time zone, and say which weekday a monthly session keeps.

const zone = form?.elements.time_zone;
if (zone && !zone.hasAttribute("data-chosen")) {
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if ([...zone.options].some((option) => option.value === own)) zone.value = own;
}

const repeatHint = document.querySelector("[data-repeat-hint]");
function describeRepeat() {
  const repeat = form.elements.repeat.value;
  const which = form.elements.date.value ? weekdayOfMonth(form.elements.date.value) : null;
  let text = "A repeating session keeps its time on your clock when the clocks change.";
  if (repeat === "monthly" && which) text = `Every month on ${which}, at the same time on your clock.`;
  if (repeat === "weekly" && which) text = `Every ${which.split(" ").pop()}, at the same time on your clock.`;
  if (repeatHint.textContent !== text) repeatHint.textContent = text;
}
if (form?.elements.repeat && repeatHint) {
  form.elements.repeat.addEventListener("change", describeRepeat);
  form.elements.date.addEventListener("change", describeRepeat);
  describeRepeat();
}
