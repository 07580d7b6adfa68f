// What a person in a room should see, worked out from a `room` snapshot.
//
// Everything here is a pure function of (room, myId, now): no DOM, no clock, no socket.
// `now` is the server's time in seconds (the caller adds its clock offset), so every
// screen in a room draws the same countdown from the same deadline.

/** Seconds left at which the speaker (and only the speaker) gets a soft hint. */
export const LOW_TIME_SECONDS = 15;

/** For how long into a turn "Pass" is offered; after that the person has begun: "I've finished". */
export const PASS_SECONDS = 20;

/** The rule, in a few words, for everyone who is listening. */
export const LISTEN_RULE = "Listen. No need to respond or fix.";

// How a finished turn reads to the room: a skip is "moved on", never a mark against someone.
const OUTCOME_NOTES = { spoke: "", passed: "passed", away: "away", skipped: "moved on" };

/** Return seconds as m:ss, rounding up so a turn shows 0:00 only when it is over. */
export function formatClock(seconds) {
  const whole = Math.max(0, Math.ceil(seconds ?? 0));
  const minutes = Math.floor(whole / 60);
  const rest = String(whole % 60).padStart(2, "0");
  return `${minutes}:${rest}`;
}

/** Return an epoch time as a local 24-hour clock time, like 14:35. */
export function formatTimeOfDay(epochSeconds) {
  const date = new Date(epochSeconds * 1000);
  const hours = String(date.getHours()).padStart(2, "0");
  const minutes = String(date.getMinutes()).padStart(2, "0");
  return `${hours}:${minutes}`;
}

/** Return "1 more person" / "3 more people". */
export function morePeople(count) {
  return count === 1 ? "1 more person" : `${count} more people`;
}

/** Return "Just you so far." / "You and 1 other person are here." / "You and 6 others are here." */
export function hereSoFar(connected) {
  const others = Math.max(0, connected - 1);
  if (others === 0) return "Just you so far.";
  return `You and ${others === 1 ? "1 other person" : `${others} others`} are here.`;
}

/** Return the seconds left in the room's current phase, frozen while paused; null if timeless. */
export function secondsLeft(room, now) {
  if (room.paused) return Math.max(0, room.paused_left ?? 0);
  if (room.deadline == null) return null;
  return Math.max(0, room.deadline - now);
}

/** Return a member's name by id, or a neutral word if it is not known (or already erased). */
export function nameOf(room, id) {
  const member = (room.members || []).find((m) => m.id === id);
  return member?.name || "someone";
}

/** Return this round's finished turns as names with a quiet note for passes and absences. */
export function spokenThisRound(room) {
  return (room.outcomes || []).map(({ id, outcome }) => ({
    id,
    name: nameOf(room, id),
    outcome,
    note: OUTCOME_NOTES[outcome] ?? outcome,
  }));
}

/** Return "Round 2 of 3", or null before the first round. */
export function roundLabel(room) {
  return room.round > 0 ? `Round ${room.round} of ${room.rounds}` : null;
}

/**
 * Return the closing cue, also used when the session ended before a room was formed; someone
 * who arrives after the end (`late`) is told it has closed, not thanked for listening.
 */
export function closedCue({ late = false, left = false } = {}) {
  if (left) {
    return {
      ...closedCue(),
      heading: "You've left",
      detail: "Thank you for being here. Your room carries on.",
      moment: "left",
      say: "You've left",
    };
  }
  return {
    kind: "closed",
    heading: late ? "This space has closed" : "Thank you for listening",
    detail: late
      ? "It has ended. Nothing said in it was kept."
      : "The space has closed. Nothing said here leaves it.",
    aside: late ? null : "You can close this page.",
    mine: false,
    canAct: false,
    canPass: false,
    timer: null,
    low: false,
    round: null,
    prompt: null,
    spoken: [],
    expectedEnd: null,
    moment: "closed",
    say: "Thank you for listening",
    chime: null,
  };
}

/**
 * Return what to show one person in a room at time `now`.
 *
 * The result is plain data: the cue heading and its quieter lines, whether the speaker's
 * buttons apply, the timer, and a `moment` key that changes only when something worth
 * announcing happens (with `say`, the sentence to announce, and `chime`, which chime fits).
 */
export function cueFor(room, myId, now) {
  if (room.phase === "closed") return closedCue();
  const canAct = myId != null && room.allowed?.finish === myId;
  const base = {
    mine: false,
    // The server says who may finish or pass now; the buttons appear for them alone.
    canAct,
    // Pass is for not speaking at all: offered before the person has begun (the first seconds
    // of the turn); later, "I've finished" alone, so having spoken is never recorded as a pass.
    canPass: canAct && passStillFits(room, now),
    timer: null,
    low: false,
    round: roundLabel(room),
    prompt: room.round > 0 ? room.prompt : null,
    spoken: spokenThisRound(room),
    expectedEnd: room.expected_end ?? null,
    chime: null,
  };
  if (room.phase === "gathering") {
    return {
      ...base,
      kind: "gathering",
      heading: "Waiting for someone else to join your room",
      detail: "The first round begins as soon as a second person arrives.",
      aside: null,
      moment: "gathering",
      say: "Waiting for someone else to join your room",
    };
  }
  const cue = room.paused ? pausedCue(room, myId, now) : runningCue(room, myId, now);
  return { ...base, ...cue };
}

/** Return whether "Pass" still fits: within the first seconds of a turn, not in its grace. */
export function passStillFits(room, now) {
  if (room.phase !== "speaking") return false;
  const left = secondsLeft(room, now);
  return left == null || room.turn_seconds - left < PASS_SECONDS;
}

/** Return whether this is the silence before the room's very first turn. */
function atTheStart(room) {
  return room.round === 1 && !(room.outcomes || []).length && room.turn <= 1;
}

function runningCue(room, myId, now) {
  const current = room.current;
  const name = nameOf(room, current);
  const left = secondsLeft(room, now);
  const turnTimer = (seconds) => ({
    seconds,
    total: Math.max(room.turn_seconds, seconds),
    ring: true,
  });

  if (room.phase === "speaking" || room.phase === "grace") {
    const over = room.phase === "grace";
    if (current === myId) {
      const seconds = over ? 0 : left;
      return {
        kind: "speaking",
        heading: "You are speaking",
        detail: over ? "Time's up — finish when you're ready" : "Take your time. Passing is fine.",
        aside: null,
        mine: true,
        timer: { ...turnTimer(seconds), caption: over ? "Time's up" : "left" },
        low: over || seconds <= LOW_TIME_SECONDS,
        moment: `${over ? "grace" : "speaking"}:${room.turn}:me`,
        say: over ? "Time's up" : "You are speaking",
        chime: over ? "timesup" : null,
      };
    }
    const next = nextLine(room, myId);
    return {
      kind: "listening",
      heading: `Listening to ${name}`,
      detail: LISTEN_RULE,
      aside: next,
      // Listeners see calm progress without digits, and never "Time's up": the time is the
      // speaker's, not something for the room to watch run out.
      timer: { ...turnTimer(over ? 0 : left), caption: "", digits: false },
      // Listeners hear of a new speaker once; the speaker's grace is theirs, not announced.
      moment: `speaking:${room.turn}:${current}`,
      say: next === "You are next" ? `${name} is speaking. You are next` : `${name} is speaking`,
      chime: next === "You are next" && !room.silence_seconds ? "next" : null,
    };
  }

  if (room.phase === "silence") {
    const starting = atTheStart(room);
    if (current === myId) {
      return {
        kind: "next",
        heading: starting ? "Getting ready: you speak first" : "You are next",
        detail: starting
          ? "A moment of quiet to settle in. Your turn begins in a moment."
          : "A short silence first. Your turn begins in a moment.",
        aside: null,
        timer: { seconds: left, total: room.silence_seconds, ring: false, caption: "until your turn" },
        moment: `silence:${room.turn}:me`,
        say: "You are next",
        chime: "next",
      };
    }
    return {
      kind: "silence",
      heading: starting ? `Getting ready: ${name} speaks first` : "Silence",
      detail: starting ? "A moment of quiet to settle in." : `${name} is next.`,
      aside: laterLine(room, myId),
      timer: { seconds: left, total: room.silence_seconds, ring: false, caption: `until ${name}'s turn` },
      moment: `silence:${room.turn}:${current}`,
      say: null,
    };
  }

  // waiting: the next speaker is not connected; the room waits briefly, then moves on.
  if (current === myId) {
    return {
      kind: "next",
      heading: "You are next",
      detail: "Your turn begins in a moment.",
      aside: null,
      timer: null,
      moment: `waiting:${room.turn}:me`,
      say: "You are next",
      chime: "next",
    };
  }
  return {
    kind: "waiting",
    heading: `Waiting for ${name}`,
    detail: `Waiting for ${name} to reconnect. If they don't, the room moves on.`,
    aside: laterLine(room, myId),
    timer: left == null ? null : { seconds: left, total: null, ring: false, caption: "before moving on" },
    moment: `waiting:${room.turn}:${current}`,
    say: null,
  };
}

function pausedCue(room, myId, now) {
  const speaking = room.phase === "speaking" || room.phase === "grace";
  const mine = speaking && room.current === myId;
  const seconds = room.phase === "grace" ? 0 : secondsLeft(room, now);
  let aside;
  if (mine) aside = "Your turn carries on when the host resumes.";
  else if (speaking) aside = `${nameOf(room, room.current)} has the floor.`;
  else if (room.current === myId) aside = "You are next";
  else aside = laterLine(room, myId);
  return {
    kind: "paused",
    heading: "Paused",
    detail: "The host has paused the room. The clock is stopped.",
    aside,
    mine,
    timer: {
      seconds,
      total: speaking ? Math.max(room.turn_seconds, seconds) : null,
      ring: speaking,
      caption: "left when it resumes",
    },
    moment: "paused",
    say: "Paused",
  };
}

/** Return the quiet line for a listener: next, later in this round, or already heard. */
function nextLine(room, myId) {
  const queue = room.queue || [];
  if (queue[1] === myId) return "You are next";
  return laterLine(room, myId);
}

/**
 * Return whether someone was passed over while away and has come back: the room put them at
 * the end of this round's queue, behind people who come after them in the round's order.
 */
export function cameBack(room, myId) {
  const ids = (room.members || []).map((m) => m.id);
  if (!ids.length || !room.round) return false;
  const shift = (room.round - 1) % ids.length;
  const order = [...ids.slice(shift), ...ids.slice(0, shift)];
  const mine = order.indexOf(myId);
  const queue = room.queue || [];
  const place = queue.indexOf(myId);
  if (mine < 0 || place < 0) return false;
  // Anyone later in the order who has already spoken, or is queued ahead of me, means I moved.
  const done = new Set((room.outcomes || []).map((o) => o.id));
  const later = new Set(order.slice(mine + 1));
  return [...done].some((id) => later.has(id)) || queue.slice(0, place).some((id) => later.has(id));
}

function laterLine(room, myId) {
  const queue = room.queue || [];
  const place = queue.indexOf(myId);
  if (place > 0 && cameBack(room, myId)) {
    return `Welcome back. You're now at the end of this round: you speak after ${morePeople(place)}.`;
  }
  if (place > 0) return `You speak after ${morePeople(place)}`;
  const mine = (room.outcomes || []).find((o) => o.id === myId);
  if (mine && mine.outcome === "passed") return "You passed this round.";
  if (mine && mine.outcome === "spoke") return "You have had your turn this round.";
  if (mine && mine.outcome === "skipped") {
    return "The host moved the room on from your turn. You're welcome to stay and listen.";
  }
  return null;
}

/**
 * Return what to announce on the change from `before` to `after`, or null.
 *
 * Only changes are announced (a new speaker, being next, 30 seconds left, time's up),
 * never the clock itself.
 */
export function announcement(before, after) {
  if (!before || before.moment !== after.moment) return after.say;
  if (after.mine && after.kind === "speaking" && after.low && !before.low) {
    return `${LOW_TIME_SECONDS} seconds left`;
  }
  return null;
}

/** Return which chime fits the change from `before` to `after` ("next", "timesup"), or null. */
export function chimeFor(before, after) {
  if (before && before.moment === after.moment) return null;
  return after.chime;
}

/**
 * Return the tab's title for this cue, so a person whose page is behind the call still sees
 * their moment: "● You're next · Tuesday space", "● Speaking — 1:20 · Tuesday space".
 */
export function tabTitle(cue, base) {
  if (cue.kind === "next") return `● You're next · ${base}`;
  if (cue.kind === "speaking" && cue.mine) {
    const time = cue.timer && cue.timer.seconds > 0 ? ` — ${formatClock(cue.timer.seconds)}` : "";
    return `● Speaking${time} · ${base}`;
  }
  if (cue.kind === "paused") return `Paused · ${base}`;
  return base;
}

/** Return whether this cue is the person's own moment (the tab's icon fills, phones buzz). */
export function isMyMoment(cue) {
  return cue.kind === "next" || (cue.kind === "speaking" && cue.mine);
}
