// Keep a phone's screen on while a session runs, so the cue is there when someone looks.
// Browsers drop the lock when the page is hidden; it is asked for again on return.
// Where the Screen Wake Lock API is missing or refused, nothing happens.

let wanted = false;
let sentinel = null;
let asking = false;

async function request() {
  if (!wanted || sentinel || asking || !("wakeLock" in navigator)) return;
  if (document.visibilityState !== "visible") return;
  asking = true;
  try {
    sentinel = await navigator.wakeLock.request("screen");
    sentinel.addEventListener("release", () => {
      sentinel = null;
    });
  } catch {
    sentinel = null;
  } finally {
    asking = false;
  }
  if (!wanted) release();
}

function release() {
  const held = sentinel;
  sentinel = null;
  held?.release().catch(() => {});
}

/** Hold the screen on while `on` is true; let it go when false. */
export function keepScreenOn(on) {
  wanted = on;
  if (on) request();
  else release();
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") request();
});
