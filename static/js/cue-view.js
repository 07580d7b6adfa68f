// Draws a cue (from cue.js) into the markup of templates/_cue.html, announces changes
// politely, and plays the optional chime. The markup is built once by the server; this
// only changes text, `hidden` and a few data attributes, so focus is never lost to a redraw.

import { announcement, chimeFor, formatClock, formatTimeOfDay, isMyMoment, tabTitle } from "./cue.js";
import { chime } from "./chime.js";

const RING_LENGTH = 2 * Math.PI * 90; // the ring's radius in templates/_cue.html
// The tab's icon: the calm ring of templates/base.html, filled when it is the person's moment.
const ICON_CALM =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='6' fill='none' stroke='%230c6662' stroke-width='2.5'/%3E%3C/svg%3E";
const ICON_FILLED =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%23b9770e'/%3E%3C/svg%3E";
const baseTitle = document.title;
const icon = document.querySelector("link[rel=icon]");

function setText(el, text) {
  if (!el) return;
  const value = text ?? "";
  if (el.textContent !== value) el.textContent = value;
  el.hidden = value === "";
}

/** Say `text` through a polite live region, even if it is the same as last time. */
export function announce(region, text) {
  if (!region || !text) return;
  region.textContent = "";
  setTimeout(() => {
    region.textContent = text;
  }, 60);
}

/**
 * Return a view over the cue markup in `root`.
 *
 * `actions.finish()` and `actions.pass()` return promises of the server's acknowledgement
 * ({ok, message}); a refusal's message is shown beside the buttons.
 */
export function createCueView(root, announcer, actions) {
  const part = (name) => root.querySelector(`[data-part="${name}"]`);
  const el = {
    round: part("round"),
    prompt: part("prompt"),
    promptWrap: part("prompt-wrap"),
    heading: part("heading"),
    detail: part("detail"),
    aside: part("aside"),
    timerWrap: part("timer-wrap"),
    ring: part("ring"),
    ringLeft: part("ring-left"),
    time: part("time"),
    caption: part("caption"),
    actions: part("actions"),
    message: part("message"),
    spokenWrap: part("spoken-wrap"),
    spoken: part("spoken"),
    end: part("end"),
    tools: part("tools"),
  };
  const buttons = [...root.querySelectorAll("[data-action]")];
  let previous = null;
  let spokenKey = "";

  async function act(button) {
    const hadFocus = document.activeElement === button;
    buttons.forEach((b) => (b.disabled = true));
    setText(el.message, "");
    const reply = await actions[button.dataset.action]();
    buttons.forEach((b) => (b.disabled = false));
    if (reply && reply.ok === false) setText(el.message, reply.message);
    // Disabling the pressed button dropped the focus; put it back so a keyboard keeps its place.
    if (hadFocus && document.activeElement === document.body) {
      (button.closest("[hidden]") ? el.heading : button).focus();
    }
  }
  for (const button of buttons) {
    button.addEventListener("click", () => act(button));
  }

  function drawTimer(timer) {
    el.timerWrap.hidden = !timer;
    if (!timer) return;
    // The ring's whole: with it, what the ring shows can be read back as seconds.
    el.timerWrap.dataset.total = String(timer.total ?? "");
    const digits = timer.digits !== false;
    setText(el.time, digits ? formatClock(timer.seconds) : "");
    el.time.hidden = !digits;
    setText(el.caption, timer.caption);
    // An <svg> has no `hidden` property, only the attribute.
    el.ring.toggleAttribute("hidden", !timer.ring);
    if (timer.ring) {
      const fraction = timer.total ? Math.min(1, timer.seconds / timer.total) : 0;
      el.ringLeft.style.strokeDashoffset = String(RING_LENGTH * (1 - fraction));
      // A rounded end would leave a dot on an empty ring.
      el.ringLeft.style.visibility = fraction > 0 ? "" : "hidden";
    }
  }

  function drawSpoken(spoken) {
    const key = JSON.stringify(spoken);
    if (key === spokenKey) return;
    spokenKey = key;
    if (!spoken.length) {
      const li = document.createElement("li");
      li.className = "nobody";
      li.textContent = "Nobody yet";
      el.spoken.replaceChildren(li);
      return;
    }
    el.spoken.replaceChildren(
      ...spoken.map(({ name, note }) => {
        const li = document.createElement("li");
        li.textContent = name;
        if (note) {
          const small = document.createElement("span");
          small.className = "note";
          small.textContent = ` (${note})`;
          li.append(small);
        }
        return li;
      }),
    );
  }

  /** Draw `cue`, announcing and chiming only if something changed since the last one. */
  function render(cue) {
    root.dataset.kind = cue.kind;
    root.dataset.low = String(Boolean(cue.mine && cue.low));
    setText(el.round, cue.round);
    setText(el.prompt, cue.prompt);
    if (el.promptWrap) el.promptWrap.hidden = !cue.round && !cue.prompt;
    setText(el.heading, cue.heading);
    setText(el.detail, cue.detail);
    setText(el.aside, cue.aside);
    drawTimer(cue.timer);
    el.actions.hidden = !cue.canAct;
    const pass = root.querySelector('[data-action="pass"]');
    if (pass) pass.hidden = !cue.canPass;
    if (!cue.canAct) setText(el.message, "");
    el.spokenWrap.hidden = cue.kind === "closed" || cue.round == null;
    // Once the space has closed there is no turn to be told of.
    if (el.tools) el.tools.hidden = cue.kind === "closed";
    drawSpoken(cue.spoken);
    setText(el.end, cue.expectedEnd ? `Expected to finish about ${formatTimeOfDay(cue.expectedEnd)}` : "");

    if (root.contains(document.activeElement) && document.activeElement.closest("[hidden]")) {
      el.heading.focus();
    }
    const title = tabTitle(cue, baseTitle);
    if (document.title !== title) document.title = title;
    const mine = isMyMoment(cue);
    if (icon) icon.href = mine ? ICON_FILLED : ICON_CALM;
    if (mine && (!previous || previous.moment !== cue.moment)) navigator.vibrate?.([160, 90, 160]);
    const said = announcement(previous, cue);
    if (said) announce(announcer, said);
    const sound = chimeFor(previous, cue);
    if (sound) chime(sound);
    previous = cue;
  }

  return { render, root };
}
