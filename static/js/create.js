// The create page: show how long a full room will take, as the settings change.
// The form posts without this; the server renders the same sentence to begin with.

import { fullRoomSentence, settingFrom } from "./estimate.js";

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
