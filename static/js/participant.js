// The participant page: join by first name, wait in the lobby, then follow the cue.

import { setUpChimeToggles } from "./chime.js";
import { connect, refusalMessage } from "./connection.js";
import { closedCue, cueFor, hereSoFar } from "./cue.js";
import { createCueView } from "./cue-view.js";
import { forgetJoin, joinFromForm, rememberedJoin } from "./joining.js";
import { createSoundCheck } from "./sound-check.js";
import { createVoiceBar } from "./voice-bar.js";
import { keepScreenOn } from "./wake-lock.js";

const REDRAW_MS = 250;

const main = document.querySelector("main");
const code = main.dataset.code;
const announcer = document.querySelector("[data-announcer]");
const statusLine = document.querySelector("[data-connection]");
const joinForm = document.querySelector("[data-join-form]");
const joinError = document.querySelector("[data-join-error]");

let joined = rememberedJoin(code);
let connection = null;
let room = null; // the newest `room` snapshot's room
let lobby = null; // the newest `lobby` snapshot
let ended = false;
let arrivedLate = false; // opened the link after the space had closed
let hasLeft = false; // left the space by their own choice
let joinedLate = false; // joined while the rooms were running: told how it works until their turn
let tookPart = false; // whether this screen saw its person in a room
let heardAsked = false; // whether "Did you feel heard?" has been offered (it is, once)

const cueView = createCueView(document.querySelector("[data-cue]"), announcer, {
  // Naming the step this screen saw means a late second press cannot end the next turn.
  finish: () => connection.send("finish", { step: room?.step }),
  pass: () => connection.send("pass", { step: room?.step }),
});
setUpChimeToggles();

/** Show one view; if focus was in the one that went away, move it to the new heading. */
function showView(name) {
  const focusLost = document.activeElement && document.activeElement !== document.body;
  for (const view of document.querySelectorAll("[data-view]")) {
    view.hidden = view.dataset.view !== name;
  }
  if (focusLost && document.activeElement.closest("[hidden]")) {
    document.querySelector(`[data-view="${name}"] [tabindex="-1"]`)?.focus();
  }
}

/** Return a turn length in words: "2 minutes", "1 minute 30 seconds". */
function turnInWords(seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  const parts = [];
  if (minutes) parts.push(minutes === 1 ? "1 minute" : `${minutes} minutes`);
  if (rest) parts.push(`${rest} seconds`);
  return parts.join(" ") || "a short while";
}

/** Show the host's words (kept as they were typed, line breaks and all, as plain text). */
function showWords(selector, text) {
  const el = document.querySelector(selector);
  el.textContent = text || "";
  el.hidden = !text;
  return Boolean(text);
}

function drawHostWords(session) {
  const welcome = showWords("[data-welcome]", session.welcome);
  const rules = showWords("[data-ground-rules]", session.ground_rules);
  document.querySelector("[data-rules-heading]").hidden = !rules;
  document.querySelector("[data-host-words]").hidden = !welcome && !rules;
  const minutes = Math.round((session.full_room_seconds || 0) / 60);
  const starts = session.starts_at
    ? `It starts at ${new Date(session.starts_at * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}. `
    : "";
  document.querySelector("[data-lobby-expect]").textContent =
    `${starts}A full room takes about ${minutes} minutes. Find a quiet place where you can speak freely.`;
}

function drawClosing() {
  const closing = document.querySelector("[data-closing]");
  const next = lobby?.session?.next;
  const line = document.querySelector("[data-next]");
  if (next) {
    const when = new Date(next.starts_at * 1000);
    const time = document.querySelector("[data-next-time]");
    time.dateTime = when.toISOString();
    time.textContent = when.toLocaleString([], { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" });
    document.querySelector("[data-next-link]").href = `/s/${next.code}`;
  }
  line.hidden = !next;
  closing.hidden = !(closing.querySelector("[data-closing-words], .support-links") || next);
}

function drawLobby() {
  // Names are for your room; the lobby says only how many are here.
  document.querySelector("[data-lobby-here]").textContent = hereSoFar(lobby.here?.connected ?? 0);
  const me = document.querySelector("[data-lobby-me]");
  const lead = document.querySelector('[data-view="lobby"] .lead');
  const running = lobby.session.status === "running";
  lead.textContent = running ? "The session has started. Finding you a room…" : "Waiting for the host to start.";
  me.textContent = joined ? `You're joining as ${joined.name}.` : "";
  document.querySelector("[data-lobby-turn]").textContent = turnInWords(lobby.session.turn_seconds);
  drawHostWords(lobby.session);
  const ready = lobby.here?.sound_ready ?? 0;
  const joinedCount = lobby.here?.joined ?? 0;
  document.querySelector("[data-sound-ready]").textContent =
    voiceMode() === "app" && joinedCount ? `${ready} of ${joinedCount} ${joinedCount === 1 ? "has" : "have"} checked their sound.` : "";
}

function draw() {
  if (room && joined && room.current === joined.id && ["speaking", "grace"].includes(room.phase)) {
    joinedLate = false; // their own turn: they know how it works now
  }
  document.querySelector("[data-late-note]").hidden = !(joinedLate && room && !ended);
  if (room) {
    showView("cue");
    cueView.render(cueFor(room, joined?.id, connection.clock.now()));
    keepScreenOn(room.phase !== "closed");
  } else if (ended) {
    showView("cue");
    cueView.render(closedCue({ late: arrivedLate, left: hasLeft }));
    keepScreenOn(false);
  } else if (lobby) {
    showView("lobby");
    drawLobby();
    keepScreenOn(true);
  }
}

// "Did you feel heard?": offered once the session has ended, to someone who was in a room.

const heard = document.querySelector("[data-heard]");
const heardStatus = document.querySelector("[data-heard-status]");

function offerHeard() {
  if (heardAsked || !ended || !tookPart || !connection) return;
  heardAsked = true;
  heard.hidden = false;
}

for (const button of heard.querySelectorAll("[data-heard-answer]")) {
  button.addEventListener("click", async () => {
    for (const other of heard.querySelectorAll("[data-heard-answer]")) other.disabled = true;
    const reply = await connection.send("heard", { answer: button.dataset.heardAnswer });
    if (reply.ok || reply.error === "answered") {
      heardStatus.textContent = "Thank you.";
      button.setAttribute("aria-pressed", "true");
    } else {
      heardStatus.textContent = reply.message || "That didn't reach us. You can try again.";
      for (const other of heard.querySelectorAll("[data-heard-answer]")) other.disabled = false;
    }
  });
}

// Hearing each other: voice in the app (the default), or the group's own call.

const voiceBar = createVoiceBar(document.querySelector("[data-voice]"), {
  connection: () => connection,
  turnOnMic: () => soundCheck.turnOn(null),
});
const soundCheck = createSoundCheck(document.querySelector("[data-sound-check]"), {
  onMic: (track) => {
    voiceBar.setMic(track);
    connection?.send("sound", { state: "ready" });
  },
  onNoMic: () => connection?.send("sound", { state: "no_mic" }),
});

function voiceMode() {
  return lobby?.session?.voice ?? "app";
}

function followVoice() {
  const call = voiceMode() === "call";
  document.querySelector("[data-sound-check]").hidden = call;
  document.querySelector("[data-call-note]").hidden = !call;
  voiceBar.follow(room, joined?.id, voiceMode(), ended);
}

function onSnapshot(kind, snapshot) {
  if (kind === "room") room = snapshot.room;
  if (room && joined && room.members?.some((member) => member.id === joined.id)) tookPart = true;
  if (kind === "lobby") lobby = snapshot;
  if (snapshot.session?.status === "ended" && !ended) {
    ended = true;
    // Nothing of this session stays in the browser once it has ended: not even the name.
    forgetJoin(code);
  }
  draw();
  followVoice();
  offerHeard();
  drawLeave();
  if (ended) drawClosing();
}

function onRefused(data) {
  if (data.error === "unknown_participant") {
    forgetJoin(code);
    joined = null;
    askForName(refusalMessage(data));
    return;
  }
  document.querySelector("[data-problem-message]").textContent = refusalMessage(data);
  showView("problem");
}

function onStatus(state) {
  statusLine.hidden = state === "connected";
  statusLine.textContent = state === "connected" ? "" : "Connection lost. Reconnecting…";
}

function start() {
  const auth = { session: code, token: joined.token };
  if (connection) {
    connection.reconnect(auth);
    return;
  }
  connection = connect(auth, {
    snapshot: onSnapshot,
    refused: onRefused,
    status: onStatus,
    tick: () => room && draw(),
  });
  setInterval(() => room && draw(), REDRAW_MS);
  // A microphone turned on before this connection existed (allowed on an earlier visit).
  if (voiceBar.hasMic) connection.send("sound", { state: "ready" });
}

function askForName(message = "") {
  joinError.textContent = message;
  showView("join");
}

joinForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const result = await joinFromForm(joinForm, joinError, code, ["ended"]);
  if (result?.ok) {
    joined = result.joined;
    joinedLate = main.dataset.status === "running";
    showView("cue");
    start();
  } else if (result?.error === "ended") {
    ended = true;
    draw();
  }
});

// Leaving: asked first; the room carries on without them.

const leaveDialog = document.querySelector("[data-leave-dialog]");
document.querySelector("[data-leave]").addEventListener("click", () => leaveDialog.showModal());
document.querySelector("[data-leave-cancel]").addEventListener("click", () => leaveDialog.close());
document.querySelector("[data-leave-confirm]").addEventListener("click", async () => {
  const reply = await connection.send("leave", {});
  leaveDialog.close();
  if (!reply.ok && reply.error !== "stale") return;
  hasLeft = true;
  ended = true;
  room = null;
  forgetJoin(code);
  followVoice();
  draw();
  document.querySelector("[data-leave-wrap]").hidden = true;
  document.querySelector("[data-cue] [data-part=heading]").focus();
});

function drawLeave() {
  document.querySelector("[data-leave-wrap]").hidden = !joined || ended || !connection;
}

if (main.dataset.status === "ended") {
  // The page itself says the session is over: nothing to join or remember.
  arrivedLate = !joined;
  forgetJoin(code);
  ended = true;
  draw();
  drawClosing();
} else if (joined) {
  showView("cue"); // "Connecting…" until the first snapshot arrives
  start();
} else {
  askForName();
}
