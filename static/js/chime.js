// A soft chime for "you are next" and "time's up": a sine tone made with Web Audio, no
// sound files. On by default (it can sound once the person has touched the page), and a
// clear toggle turns it off; the choice is remembered in this browser.

const STORAGE_KEY = "listening:chime";
const TONES = {
  next: [660],
  timesup: [523.25, 392],
};

let context = null;

/** On unless the person turned it off: browsers only let it sound once they have interacted. */
function enabled() {
  try {
    return localStorage.getItem(STORAGE_KEY) !== "off";
  } catch {
    return true;
  }
}

function setEnabled(on) {
  try {
    localStorage.setItem(STORAGE_KEY, on ? "on" : "off");
  } catch {
    // Not remembered; it still works for this page.
  }
}

function audio() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  context ??= new Context();
  if (context.state === "suspended") context.resume().catch(() => {});
  return context;
}

function tone(ctx, frequency, startAt) {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = "sine";
  osc.frequency.value = frequency;
  gain.gain.setValueAtTime(0.0001, startAt);
  gain.gain.exponentialRampToValueAtTime(0.12, startAt + 0.06);
  gain.gain.exponentialRampToValueAtTime(0.0001, startAt + 1.4);
  osc.connect(gain).connect(ctx.destination);
  osc.start(startAt);
  osc.stop(startAt + 1.5);
}

/** Play the chime for `kind` ("next" or "timesup") if the person has turned chimes on. */
export function chime(kind) {
  if (!enabled() || !TONES[kind]) return;
  const ctx = audio();
  if (!ctx) return;
  TONES[kind].forEach((frequency, i) => tone(ctx, frequency, ctx.currentTime + i * 0.45));
}

/** Make every `[data-chime]` button a toggle (aria-pressed) that turns the chime on and off. */
export function setUpChimeToggles(root = document) {
  for (const button of root.querySelectorAll("[data-chime]")) setUpChimeToggle(button);
  for (const button of root.querySelectorAll("[data-chime-test]")) {
    button.addEventListener("click", () => playSample());
  }
}

/** Play the "you are next" chime once, whatever the setting: so people know what to expect. */
export function playSample() {
  const ctx = audio();
  if (ctx) TONES.next.forEach((frequency, i) => tone(ctx, frequency, ctx.currentTime + i * 0.45));
}

/** Make `button` a toggle (aria-pressed) that turns the chime on and off. */
export function setUpChimeToggle(button) {
  if (!button) return;
  if (!window.AudioContext && !window.webkitAudioContext) {
    button.hidden = true;
    return;
  }
  const show = () => {
    const on = enabled();
    button.setAttribute("aria-pressed", String(on));
    const state = button.querySelector("[data-chime-state]");
    if (state) state.textContent = on ? "on" : "off";
    // Every toggle on the page says the same.
    for (const other of document.querySelectorAll("[data-chime]")) {
      if (other !== button) other.setAttribute("aria-pressed", String(on));
      const otherState = other.querySelector("[data-chime-state]");
      if (otherState) otherState.textContent = on ? "on" : "off";
    }
  };
  button.addEventListener("click", () => {
    setEnabled(!enabled());
    show();
    // Browsers let sound start only from a click; play a sample so people know what to expect.
    if (enabled()) chime("next");
  });
  // A remembered "on" needs one touch or key press before the browser allows sound.
  const unlock = () => {
    if (enabled()) audio();
  };
  window.addEventListener("pointerdown", unlock, { once: true });
  window.addEventListener("keydown", unlock, { once: true });
  show();
}
