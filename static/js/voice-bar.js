// The sound bar under a person's cue, on the participant page and on the host's page when
// the host takes part: what they hear now, problems with sound, "Mute for a moment", the
// microphone switch, and the group's own call link when the group uses one.

import { RoomVoice } from "./voice.js";
import { FLOOR_PHASES } from "./voice-decision.js";

/**
 * Return the bar over the markup in templates/_voice_bar.html.
 *
 * `connection()` returns the page's connection (or null); `turnOnMic()` asks for the
 * microphone (the sound check does, and calls `setMic` when it is on).
 */
export function createVoiceBar(root, { connection, turnOnMic }) {
  const $ = (selector) => root.querySelector(selector);
  let voice = null;
  let micTrack = null;
  let selfMuted = false;
  let problemText = "";
  let room = null;
  let me = null;
  let mode = "app";

  const nameOf = (id) => room?.members?.find((m) => m.id === id)?.name ?? "the speaker";

  function onProblem(problem, speakerId) {
    if (problem === "reconnecting") problemText = "Reconnecting sound…";
    else if (problem === "unheard") {
      problemText = `We can't hear ${nameOf(speakerId)}. They can pass, or the host can skip.`;
    } else problemText = "";
    draw();
  }

  function start() {
    const link = connection();
    if (voice || !link) return;
    voice = new RoomVoice({
      send: link.send,
      speakers: $("[data-speakers]"),
      onProblem,
      onBlocked: () => {
        $("[data-voice-play]").hidden = false;
      },
    });
    voice.configure();
    if (micTrack) voice.setMic(micTrack);
    link.socket.on("signal", (message) => voice?.onSignal(message));
  }

  function draw() {
    const inRoom = Boolean(room && me && room.phase !== "closed");
    root.hidden = !inRoom;
    if (!inRoom) return;
    const call = mode === "call";
    $("[data-call-wrap]").hidden = !call;
    const status = $("[data-voice-status]");
    const line = $("[data-voice-now]");
    if (call) {
      const link = $("[data-call-link]");
      if (room.call_link) link.href = room.call_link;
      link.hidden = !room.call_link;
      line.textContent = room.call_link
        ? "Your group uses its own call: you hear each other there."
        : "Your group uses its own call. Ask your host for your room's link.";
      status.textContent = "";
      for (const part of ["[data-voice-mute]", "[data-voice-mic]", "[data-voice-note]"]) $(part).hidden = true;
      return;
    }
    const myFloor = room.current === me && FLOOR_PHASES.has(room.phase);
    const speaking = FLOOR_PHASES.has(room.phase) && !room.paused;
    let now = "Quiet between turns: nobody is heard.";
    if (room.paused) now = "Paused: nobody is heard.";
    else if (speaking && myFloor) {
      now = !micTrack ? "Your microphone is off." : selfMuted ? "You're muted for a moment." : "Your room hears you.";
    } else if (speaking) now = `You're hearing ${nameOf(room.current)}, and only ${nameOf(room.current)}.`;
    if (line.textContent !== now) line.textContent = now;
    const mute = $("[data-voice-mute]");
    mute.hidden = !(myFloor && micTrack);
    mute.setAttribute("aria-pressed", String(selfMuted));
    mute.textContent = selfMuted ? "Unmute" : "Mute for a moment";
    $("[data-voice-mic]").hidden = Boolean(micTrack);
    const soonMine = myFloor || room.queue?.[0] === me;
    $("[data-voice-note]").hidden = Boolean(micTrack) || !soonMine;
    if (status.textContent !== problemText) status.textContent = problemText;
  }

  $("[data-voice-mute]").addEventListener("click", () => {
    selfMuted = !selfMuted;
    voice?.setSelfMuted(selfMuted);
    draw();
  });
  $("[data-voice-mic]").addEventListener("click", () => turnOnMic());
  $("[data-voice-play]").addEventListener("click", () => {
    $("[data-voice-play]").hidden = true;
    voice?.unblock();
  });

  return {
    /** Use this microphone track (the sound check turned it on). */
    setMic(track) {
      micTrack = track;
      voice?.setMic(track);
      draw();
    },
    /** Follow a room snapshot: connect, play and send as it says; stop once it closes. */
    follow(newRoom, myId, voiceMode, ended) {
      room = newRoom;
      me = myId;
      mode = voiceMode;
      if (ended || room?.phase === "closed") {
        voice?.close();
        voice = null;
      } else if (room && me && mode === "app") {
        start();
        voice?.update(room, me);
      }
      draw();
    },
    get hasMic() {
      return Boolean(micTrack);
    },
  };
}
