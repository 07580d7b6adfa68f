// The host's view of every room at a glance: a pure summary of each `room` object
// (from the `console` snapshot) and the cards that show it, with the host's controls.

import { formatClock, formatTimeOfDay, nameOf, roundLabel, secondsLeft } from "./cue.js";

const PHASE_LABELS = {
  gathering: "Gathering",
  silence: "Silence",
  waiting: "Waiting",
  speaking: "Speaking",
  grace: "Time's up",
  closed: "Finished",
};

/** Return a sentence saying how people would be split into rooms, from the server's plan. */
export function roomsPlan(sizes) {
  const people = sizes.reduce((sum, size) => sum + size, 0);
  if (people < 2) return "You need at least 2 people to start.";
  if (sizes.length === 1) return `Starting now makes one room of ${people}.`;
  const rest = sizes.slice(0, -1);
  const last = sizes.at(-1);
  return `Starting now makes ${sizes.length} rooms (${rest.join(", ")} and ${last} people).`;
}

function names(members) {
  return members.map((m) => m.name || "someone").join(", ");
}

function pauseControl(allowed) {
  if (allowed?.pause) return { action: "pause", label: "Pause" };
  if (allowed?.resume) return { action: "resume", label: "Resume" };
  return null;
}

/** The seconds a careful skip can be undone before it is sent. */
export const UNDO_SECONDS = 5;

/**
 * Return the Skip button for a room: who it skips, at which step, and whether it needs care.
 * Skipping someone connected who has the floor interrupts them: it is confirmed first and can
 * be undone for a few seconds. Skipping someone who has gone is one click.
 */
export function skipControl(room) {
  const member = room.allowed.skip;
  const name = nameOf(room, member);
  const present = (room.members || []).some((m) => m.id === member && m.present);
  const speaking = ["speaking", "grace"].includes(room.phase) && room.current === member;
  return { member, name, step: room.step, label: `Skip ${name}`, careful: present && speaking };
}

/** Return what the host needs to see and do for one room at server time `now`. */
export function roomSummary(room, now) {
  const current = room.current;
  const name = current ? nameOf(room, current) : null;
  const running = !["gathering", "closed"].includes(room.phase);
  const next = room.queue && room.queue[1] ? nameOf(room, room.queue[1]) : null;
  let speaker;
  if (room.phase === "speaking") speaker = `${name} is speaking`;
  else if (room.phase === "grace") speaker = `${name}: time's up`;
  else if (room.phase === "silence") speaker = `${name} is next`;
  else if (room.phase === "waiting") speaker = `Waiting for ${name} to reconnect`;
  else if (room.phase === "gathering") speaker = "Waiting for a second person to join";
  else speaker = "This room has closed.";

  const away = (room.members || []).filter((m) => m.away);
  const offline = (room.members || []).filter((m) => !m.present && !m.away);
  const absent = [
    away.length ? `Away: ${names(away)}` : "",
    offline.length ? `Not connected: ${names(offline)}` : "",
  ].filter(Boolean);

  const left = running ? secondsLeft(room, now) : null;
  let timeCaption = "left";
  if (room.phase === "silence") timeCaption = "of silence";
  if (room.phase === "waiting") timeCaption = "before moving on";
  if (room.phase === "grace") timeCaption = "of grace";
  if (room.paused) timeCaption = "left (paused)";

  return {
    number: room.number,
    title: `Room ${room.number}`,
    round: roundLabel(room) ?? "Not started yet",
    phase: room.paused ? "Paused" : (PHASE_LABELS[room.phase] ?? room.phase),
    phaseKind: room.paused ? "paused" : room.phase,
    speaker,
    time: left == null ? null : formatClock(left),
    timeCaption,
    next: running && next && room.phase !== "silence" ? `Next: ${next}` : "",
    // The round's prompt, for a host who reads it aloud; and who is in the room.
    prompt: running && room.round > 0 && room.prompt ? `Prompt: ${room.prompt}` : "",
    members: (room.members || []).length ? `In this room: ${names(room.members)}` : "",
    absent: absent.join(". "),
    end: running && room.expected_end ? `Expected to finish about ${formatTimeOfDay(room.expected_end)}` : "",
    // What the host may do comes from the server, which refuses anything else.
    pause: pauseControl(room.allowed),
    canExtend: Boolean(room.allowed?.extend),
    skip: room.allowed?.skip ? skipControl(room) : null,
  };
}

function setText(el, text) {
  const value = text ?? "";
  if (el.textContent !== value) el.textContent = value;
  el.hidden = value === "";
}

/**
 * Return the room cards in `grid`, built from `template`.
 *
 * `send(event, payload)` resolves with the server's acknowledgement; a refusal's message is
 * shown on the card. Call `render(rooms, now)` as often as you like: it only changes text.
 */
export function createRoomCards(grid, template, send) {
  const cards = new Map();

  function build(number) {
    const card = template.content.firstElementChild.cloneNode(true);
    const q = (name) => card.querySelector(`[data-${name}]`);
    const el = {
      card,
      title: q("room-title"),
      round: q("room-round"),
      phase: q("room-phase"),
      speaker: q("room-speaker"),
      timeWrap: q("room-time-wrap"),
      time: q("room-time"),
      timeCaption: q("room-time-caption"),
      next: q("room-next"),
      prompt: q("room-prompt"),
      mine: q("room-mine"),
      members: q("room-members"),
      absent: q("room-absent"),
      end: q("room-end"),
      message: q("room-message"),
      pause: card.querySelector('[data-room-action="pause"]'),
      extend: card.querySelector('[data-room-action="extend"]'),
      skip: card.querySelector('[data-room-action="skip"]'),
    };
    el.title.id = `room-${number}-title`;
    card.setAttribute("aria-labelledby", el.title.id);
    el.time.setAttribute("aria-label", `Time left in room ${number}`);

    async function act(button, event, payload) {
      const hadFocus = document.activeElement === button;
      button.disabled = true;
      setText(el.message, "");
      const reply = await send(event, payload);
      button.disabled = false;
      if (reply && reply.ok === false) setText(el.message, reply.message);
      // Disabling the button dropped the focus; give it back (Pause becomes Resume in place).
      if (hadFocus && document.activeElement === document.body && !button.closest("[hidden]")) {
        button.focus();
      }
    }
    el.pause.addEventListener("click", () =>
      act(el.pause, el.pause.dataset.event, { room: number }),
    );
    el.extend.addEventListener("click", () => act(el.extend, "extend", { room: number }));
    // The button names who it skips, so a second click never skips the next person too.
    const skipNow = (payload) => act(el.skip, "skip", payload);
    let pending = null; // a confirmed skip, waiting out its seconds of undo
    function choice(text, buttons) {
      el.message.replaceChildren(text, ...buttons);
      el.message.hidden = false;
      buttons[0]?.focus();
    }
    function button(label, onClick, kind = "button") {
      const b = document.createElement("button");
      b.type = "button";
      b.className = `button ${kind}`;
      b.textContent = label;
      b.addEventListener("click", onClick);
      return b;
    }
    el.skip.addEventListener("click", () => {
      const payload = {
        room: number,
        member: el.skip.dataset.member,
        step: Number(el.skip.dataset.step),
      };
      if (el.skip.dataset.careful !== "true") {
        skipNow(payload);
        return;
      }
      const name = el.skip.dataset.name;
      choice(`${name} is connected and speaking. `, [
        button(`Skip ${name} now`, () => {
          choice(`Moving on from ${name} in ${UNDO_SECONDS} seconds. `, [
            button("Undo", () => {
              clearTimeout(pending);
              pending = null;
              el.message.replaceChildren(`${name}'s turn goes on.`);
              el.skip.focus();
            }),
          ]);
          pending = setTimeout(() => {
            pending = null;
            el.message.replaceChildren("");
            skipNow(payload);
          }, UNDO_SECONDS * 1000);
        }, "button-danger"),
        button("Keep listening", () => {
          el.message.replaceChildren("");
          el.skip.focus();
        }),
      ]);
    });
    const after = [...cards.keys()].filter((n) => n > number).sort((a, b) => a - b)[0];
    grid.insertBefore(card, after != null ? cards.get(after).card : null);
    cards.set(number, el);
    return el;
  }

  function draw(el, s) {
    el.card.dataset.phase = s.phaseKind;
    setText(el.title, s.title);
    setText(el.round, s.round);
    setText(el.phase, s.phase);
    setText(el.speaker, s.speaker);
    el.timeWrap.hidden = s.time == null;
    if (s.time != null) {
      setText(el.time, s.time);
      setText(el.timeCaption, s.timeCaption);
    }
    setText(el.next, s.next);
    setText(el.prompt, s.prompt);
    setText(el.members, s.members);
    setText(el.absent, s.absent);
    setText(el.end, s.end);
    el.pause.hidden = !s.pause;
    if (s.pause) {
      el.pause.dataset.event = s.pause.action;
      setText(el.pause, s.pause.label);
    }
    el.extend.hidden = !s.canExtend;
    el.skip.hidden = !s.skip;
    if (s.skip) {
      el.skip.dataset.member = s.skip.member;
      el.skip.dataset.step = String(s.skip.step);
      el.skip.dataset.name = s.skip.name;
      el.skip.dataset.careful = String(s.skip.careful);
      setText(el.skip, s.skip.label);
    }
  }

  /** Draw every room in `rooms` at server time `now`; `mine` is the host's own room's number. */
  function render(rooms, now, mine = null) {
    for (const room of rooms) {
      const el = cards.get(room.number) ?? build(room.number);
      draw(el, roomSummary(room, now));
      const own = room.number === mine;
      el.card.dataset.mine = String(own);
      if (el.mine) el.mine.hidden = !own;
    }
  }

  return { render };
}
