// The create page: show how long a full room will take, as the settings change.
// The form posts without this; the server renders the same sentence to begin with.

const form = document.querySelector("[data-create-form]");
const estimate = document.querySelector("[data-estimate]");

/** Return whole minutes for a full room: every person speaks once per round, with a silence. */
export function fullRoomMinutes({ rounds, cap, turnSeconds, silenceSeconds }) {
  return Math.round((rounds * cap * (turnSeconds + silenceSeconds)) / 60);
}

function numberFrom(field, fallback) {
  const value = Number.parseInt(field.value, 10);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

function update() {
  const cap = Number.parseInt(estimate.dataset.roomCap, 10) || 8;
  const minutes = fullRoomMinutes({
    rounds: numberFrom(form.elements.rounds, 3),
    cap,
    turnSeconds: numberFrom(form.elements.turn_seconds, 120),
    silenceSeconds: numberFrom(form.elements.silence_seconds, 0),
  });
  const text = `A full room of ${cap} takes about ${minutes} ${minutes === 1 ? "minute" : "minutes"}.`;
  if (estimate.textContent.trim() !== text) estimate.textContent = text;
}

// After a refused post, start at the list of what to fix, as the page's alert says.
document.querySelector(".error-summary")?.focus();

if (form && estimate) {
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
}
