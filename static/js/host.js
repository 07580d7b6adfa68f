// The host console: share the link, watch the lobby fill, start, and keep every room
// at a glance. The host key comes from the URL fragment (#key=...), which browsers never
// send to the server in HTTP requests. A host who takes part also gets their own cue.

import { setUpChimeToggles } from "./chime.js";
import { connect, refusalMessage } from "./connection.js";
import { cueFor } from "./cue.js";
import { createCueView } from "./cue-view.js";
import { createRoomCards, roomSummary, roomsPlan } from "./host-console.js";
import { forgetJoin, joinFromForm, rememberedJoin } from "./joining.js";
import { createVoiceBar } from "./voice-bar.js";
import { keepScreenOn } from "./wake-lock.js";

const REDRAW_MS = 250;

const $ = (selector) => document.querySelector(selector);
const code = $("main").dataset.code;
const hostKey = new URLSearchParams(window.location.hash.slice(1)).get("key");
// The signed-in host who created the session needs no key: the server knows them.
const owner = $("main").hasAttribute("data-owner");

let joined = rememberedJoin(code);
let connection = null;

const rooms = new Map(); // every room by number: the newest view, from `room` or a whole console
let myRoom = null; // the host's own room, when they take part
let peopleKey = ""; // what the people list was last drawn from

const roomCards = createRoomCards($("[data-room-grid]"), $("[data-room-template]"), (event, payload) =>
  connection.send(event, payload),
);
const cueView = createCueView($("[data-cue]"), $("[data-announcer]"), {
  // Naming the step this screen saw means a late second press cannot end the next turn.
  finish: () => connection.send("finish", { step: myRoom?.step }),
  pass: () => connection.send("pass", { step: myRoom?.step }),
});
setUpChimeToggles();

// Sharing the participant link.

/** Copy a link field's value, or select it for copying by hand where the clipboard is closed. */
async function copyLink(field, status) {
  try {
    await navigator.clipboard.writeText(field.value);
    status.textContent = "Link copied.";
  } catch {
    field.focus();
    field.select();
    status.textContent = "The link is selected: copy it with your device's copy command.";
  }
}

$("[data-copy]").addEventListener("click", () => copyLink($("[data-link]"), $("[data-copy-status]")));
$("[data-host-link]").value = hostKey ? window.location.href : "";
$("[data-copy-host]").addEventListener("click", () =>
  copyLink($("[data-host-link]"), $("[data-copy-host-status]")),
);

// The lobby and the rooms.

function describePerson(person) {
  const li = document.createElement("li");
  const name = document.createElement("span");
  name.className = "person-name";
  name.textContent = person.id === joined?.id ? `${person.name} (you)` : person.name;
  const state = document.createElement("span");
  state.className = `person-state ${person.present ? "is-here" : "is-away"}`;
  const where = person.room != null ? `Room ${person.room}, ` : "";
  const sound = { ready: ", sound checked", no_mic: ", no microphone: listens only" }[person.sound] ?? "";
  state.textContent = `${where}${person.present ? "connected" : "not connected"}${sound}`;
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "button button-quiet person-remove";
  remove.textContent = "Remove";
  remove.setAttribute("aria-label", `Remove ${person.name}`);
  remove.dataset.member = person.id;
  remove.addEventListener("click", () => askToRemove(person));
  li.append(name, " ", state, remove);
  return li;
}

// Taking someone out: asked first, then only the host is told.

const removeDialog = $("[data-remove-dialog]");
let removing = null;

function askToRemove(person) {
  removing = person;
  $("[data-remove-heading]").textContent = `Remove ${person.name}?`;
  $("[data-remove-confirm]").textContent = `Remove ${person.name}`;
  removeDialog.showModal();
}

$("[data-remove-cancel]").addEventListener("click", () => removeDialog.close());
$("[data-remove-confirm]").addEventListener("click", async () => {
  removeDialog.close();
  const reply = await connection.send("remove", { member: removing?.id });
  $("[data-people-message]").textContent = reply.ok ? `${removing?.name} has been removed.` : reply.message;
});

function drawPeople(snapshot) {
  const people = snapshot.people || [];
  const status = snapshot.session.status;
  $("[data-lobby-heading]").textContent = status === "lobby" ? "Lobby" : "People";
  if (status === "ended") {
    // Names are erased when a session ends; only the count is left.
    const took = people.length === 1 ? "1 person took part." : `${people.length} people took part.`;
    $("[data-lobby-count]").textContent = took;
    $("[data-people]").replaceChildren();
    return;
  }
  const here = people.filter((p) => p.present).length;
  const away = people.length - here;
  let count = people.length
    ? `${here} ${here === 1 ? "person" : "people"} connected`
    : "Nobody has arrived yet.";
  if (away) count += `, ${away} not connected`;
  $("[data-lobby-count]").textContent = count;
  // Rebuilt only when who is here changes, so a keyboard user's place is not lost to a redraw.
  const key = JSON.stringify(people.map((p) => [p.id, p.name, p.present, p.room, p.sound, joined?.id]));
  if (key !== peopleKey) {
    peopleKey = key;
    const focused = document.activeElement?.dataset?.member;
    $("[data-people]").replaceChildren(...people.map(describePerson));
    if (focused) $(`[data-people] [data-member="${CSS.escape(focused)}"]`)?.focus();
  }
  const cap = snapshot.session.room_cap;
  const minutes = Math.round((snapshot.session.full_room_seconds || 0) / 60);
  $("[data-rooms-plan]").textContent =
    `${roomsPlan(snapshot.rooms_plan || [])} A full room of ${cap} takes about ${minutes} minutes.`;
}

function drawSession(snapshot) {
  const status = snapshot.session.status;
  $("[data-start-wrap]").hidden = status !== "lobby";
  $("[data-end-wrap]").hidden = status === "ended";
  $("[data-rooms]").hidden = status === "lobby" && rooms.size === 0;
  $("[data-session-ended]").hidden = status !== "ended";
  const summary = snapshot.summary;
  if (summary) {
    const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
    $("[data-summary]").textContent =
      `${plural(summary.took_part, "person", "people")} took part in ${plural(summary.rooms, "room", "rooms")}: ` +
      `${plural(summary.spoke, "turn", "turns")} spoken, ${summary.passed} passed, ` +
      `about ${plural(summary.minutes, "minute", "minutes")} of listening.`;
  }
  $("[data-take-part]").hidden = status === "ended";
  $("[data-share]").hidden = status === "ended";
  keepScreenOn(status !== "ended");
  // The host's own place (and name) in this session is not kept once it has ended.
  if (status === "ended" && joined) forgetJoin(code);
}

function draw() {
  const now = connection.clock.now();
  roomCards.render([...rooms.values()], now, myRoom?.number ?? null);
  if (myRoom && joined) {
    $("[data-my-cue]").hidden = false;
    cueView.render(cueFor(myRoom, joined.id, now));
  }
  drawStrip(now);
}

/**
 * While the host's own cue fills the top of the page, keep every other room in view: one
 * line each, redrawn only when its words change (the time is left to the cards below).
 */
function drawStrip(now) {
  const strip = $("[data-room-strip]");
  const others = myRoom && joined ? [...rooms.values()].filter((r) => r.number !== myRoom.number) : [];
  strip.hidden = others.length === 0;
  const lines = others
    .sort((a, b) => a.number - b.number)
    .map((r) => {
      const s = roomSummary(r, now);
      return `${s.title}: ${s.phase === "Paused" ? "paused" : s.speaker}`;
    });
  const key = lines.join("|");
  if (strip.dataset.key === key) return;
  strip.dataset.key = key;
  $("[data-room-strip-list]").replaceChildren(
    ...lines.map((line) => {
      const li = document.createElement("li");
      li.textContent = line;
      return li;
    }),
  );
}

/** Keep a room's view if it is newer than the one already kept. */
function keepRoom(view) {
  const known = rooms.get(view.number);
  if (!known || view.version >= known.version) rooms.set(view.number, view);
  if (joined && view.members.some((m) => m.id === joined.id)) myRoom = rooms.get(view.number);
}

// Hearing the room when the host takes part: the same sound bar as everyone's.

let voiceMode = "app";
let sessionEnded = false;
const voiceBar = createVoiceBar($("[data-voice]"), {
  connection: () => connection,
  turnOnMic: async () => {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
      voiceBar.setMic(stream.getAudioTracks()[0]);
      connection?.send("sound", { state: "ready" });
    } catch {
      connection?.send("sound", { state: "no_mic" });
    }
  },
});

/** Someone left by their own choice: the host is told once, by name (it is erased after). */
function onLeft({ name }) {
  $("[data-people-message]").textContent = `${name || "Someone"} has left.`;
}

function onSnapshot(kind, snapshot) {
  if (snapshot.session?.voice) voiceMode = snapshot.session.voice;
  if (snapshot.session?.status === "ended") sessionEnded = true;
  if (kind === "room") {
    // Every room of the session comes to the host as it changes; one of them may be theirs.
    keepRoom(snapshot.room);
  } else if (kind === "console") {
    // The console has everything the lobby snapshot has, and everyone's names; the first one
    // after connecting also has every room.

    (snapshot.rooms || []).forEach(keepRoom);
    drawPeople(snapshot);
    drawSession(snapshot);
  }
  draw();
  voiceBar.follow(joined ? myRoom : null, joined?.id, voiceMode, sessionEnded);
}

// Connecting, and what to say when the key or the token is refused.

function showKeyProblem(message) {
  $("[data-key-problem-message]").textContent = message;
  const problem = $("[data-key-problem]");
  problem.hidden = false;
  for (const part of ["[data-take-part]", "[data-lobby]", "[data-end-wrap]", "[data-rooms]"]) {
    $(part).hidden = true;
  }
  problem.focus();
}

function authNow() {
  const auth = hostKey ? { session: code, host_key: hostKey } : { session: code, owner: true };
  if (joined) auth.token = joined.token;
  return auth;
}

function onRefused(data) {
  if (data.error === "unknown_participant" && joined) {
    // The host key is fine; the remembered place in the session is not. Carry on as host.
    forgetJoin(code);
    joined = null;
    showTakingPart();
    $("[data-join-error]").textContent = "Your earlier place in this session was not recognised. Join again to take part.";
    connection.reconnect(authNow());
    return;
  }
  if (data.error === "forged_key") {
    showKeyProblem(
      "The key in this host link isn't right for this session. Open the complete host link " +
        "you saved when you created it.",
    );
    return;
  }
  showKeyProblem(refusalMessage(data));
}

function onStatus(state) {
  const line = $("[data-connection]");
  line.hidden = state === "connected";
  line.textContent = state === "connected" ? "" : "Connection lost. Reconnecting…";
}

// Taking part.

function showTakingPart() {
  $("[data-take-part-form-wrap]").hidden = Boolean(joined);
  const note = $("[data-taking-part]");
  note.hidden = !joined;
  if (joined) {
    note.textContent = `You're taking part as ${joined.name}. Your cue appears at the top of this page once your room begins.`;
  } else {
    $("[data-my-cue]").hidden = true;
    myRoom = null;
  }
}

$("[data-join-form]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const result = await joinFromForm(event.currentTarget, $("[data-join-error]"), code);
  if (!result?.ok) return;
  joined = result.joined;
  showTakingPart();
  $("[data-taking-part]").setAttribute("tabindex", "-1");
  $("[data-taking-part]").focus();
  connection.reconnect(authNow());
});

// Starting and ending.

$("[data-start]").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  const message = $("[data-start-message]");
  button.disabled = true;
  message.textContent = "";
  const reply = await connection.send("start");
  button.disabled = false;
  if (!reply.ok) message.textContent = reply.message;
});

const endDialog = $("[data-end-dialog]");
$("[data-end]").addEventListener("click", () => endDialog.showModal());
$("[data-end-cancel]").addEventListener("click", () => endDialog.close());
$("[data-end-confirm]").addEventListener("click", async () => {
  endDialog.close();
  const reply = await connection.send("end");
  $("[data-end-message]").textContent = reply.ok ? "" : reply.message;
});

// Off we go.

showTakingPart();
if (!hostKey && owner) {
  // Opened from "Your sessions": the host link to share with a co-host is not kept anywhere.
  $("[data-host-link-wrap]").hidden = true;
  $("[data-owner-note]").hidden = false;
}
if (!hostKey && !owner) {
  showKeyProblem(
    "This link is missing its host key. Open the complete host link you were given when you " +
      "created the session: it ends with #key= and a long code.",
  );
} else {
  connection = connect(authNow(), {
    snapshot: onSnapshot,
    refused: onRefused,
    status: onStatus,
    tick: draw,
  });
  connection.socket.on("left", onLeft);
  setInterval(draw, REDRAW_MS);
}
