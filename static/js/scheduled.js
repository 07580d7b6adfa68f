// Before a scheduled session: count down to its start, and open the lobby when it opens.
// The countdown changes once a minute (once a second in the last minute) and is not a
// live region: a screen reader reads it when asked, not every time it changes.

import { spanInWords } from "./schedule-words.js";

const page = document.querySelector("[data-scheduled]");
const starts = Date.parse(page.dataset.starts);
const opens = Date.parse(page.dataset.opens);
const countdown = document.querySelector("[data-countdown]");
// Counted on the server's clock, so a phone whose clock runs fast does not reload too soon.
const offset = Date.parse(page.dataset.now) - Date.now();
const SLACK_MS = 2000;

function update() {
  const now = Date.now() + (Number.isNaN(offset) ? 0 : offset);
  if (now >= opens + SLACK_MS) {
    window.location.reload();
    return;
  }
  countdown.hidden = false;
  countdown.textContent = `Starts in ${spanInWords(starts - now)}.`;
  setTimeout(update, Math.min(opens + SLACK_MS - now, 60_000 - (now % 60_000) + 50));
}

if (page && !Number.isNaN(starts) && !Number.isNaN(opens)) {
  document.querySelector("[data-opens-note]").hidden = false;
  update();
}
