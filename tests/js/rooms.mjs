// Room snapshots for the unit tests, shaped like the `room` object in docs/protocol.md.
//
// `room()` gives a running room of four where Sam is speaking with 90 seconds left at NOW;
// a test overrides only what its rule is about. Unless a test sets `allowed`, it is worked out
// the way the server's engine does (listening/engine.py `allowed`), so a room is one the
// server could really send.

export const NOW = 1_764_236_050;

export const SAM = "p-sam";
export const ANA = "p-ana";
export const KAI = "p-kai";
export const LEE = "p-lee";

const NAMES = { [SAM]: "Sam", [ANA]: "Ana", [KAI]: "Kai", [LEE]: "Lee" };

/** Return a member entry: present and not away unless told. */
export function member(id, { name = NAMES[id], present = true, away = false } = {}) {
  return { id, name, present, away };
}

const RUNNING = ["silence", "waiting", "speaking", "grace"];

/** Return what the server would allow in `room`, as engine.allowed() does. */
export function allowedIn(room) {
  const running = RUNNING.includes(room.phase);
  const speaker = room.phase === "speaking" || room.phase === "grace" ? room.current : null;
  return {
    finish: room.paused ? null : speaker,
    pause: running && !room.paused,
    resume: running && room.paused,
    extend: running && speaker != null,
    skip: running ? room.current : null,
  };
}

const PHASE_DEFAULTS = {
  speaking: { deadline: NOW + 90 },
  grace: { deadline: NOW + 10 },
  silence: { deadline: NOW + 3 },
  waiting: { deadline: NOW + 8 },
  gathering: {
    round: 0,
    prompt: null,
    turn: 0,
    step: 0,
    current: null,
    queue: [],
    deadline: null,
    members: [member(SAM)],
    expected_end: null,
  },
  closed: { current: null, queue: [], deadline: null, expected_end: null },
};

/**
 * Return a room snapshot. `overrides` are snapshot fields, plus two shorthands:
 * `away: [ids]` and `offline: [ids]` mark those members as away or not connected.
 */
export function room({ away = [], offline = [], allowed, ...overrides } = {}) {
  const phase = overrides.phase ?? "speaking";
  const snapshot = {
    number: 1,
    phase,
    paused: false,
    paused_left: null,
    round: 1,
    rounds: 3,
    prompt: "What is on your mind today?",
    turn: 1,
    step: 0,
    current: SAM,
    deadline: null,
    turn_seconds: 120,
    silence_seconds: 5,
    grace_seconds: 15,
    queue: [SAM, ANA, KAI, LEE],
    outcomes: [],
    members: [SAM, ANA, KAI, LEE].map((id) => member(id)),
    expected_end: NOW + 1500,
    ...PHASE_DEFAULTS[phase],
    ...(overrides.paused ? { deadline: null, paused_left: 40, expected_end: null } : {}),
    ...overrides,
  };
  snapshot.members = snapshot.members.map((m) => ({
    ...m,
    away: m.away || away.includes(m.id),
    present: m.present && !away.includes(m.id) && !offline.includes(m.id),
  }));
  snapshot.allowed = { ...allowedIn(snapshot), ...allowed };
  return snapshot;
}
