// What this screen plays and sends, decided from the room snapshot alone (pure: no page, no
// WebRTC). The server's snapshot names who has the floor; every receiving screen plays only
// that person, so a modified page that turns its own microphone on is still not heard.
// tests/js/voice-decision.test.mjs checks these.

/** The phases in which the person with the floor is heard. */
export const FLOOR_PHASES = new Set(["speaking", "grace"]);

/** Return the roommate this screen plays, or null for silence (between turns, paused, or me). */
export function whoToPlay(room, myId) {
  if (!room || room.paused || !FLOOR_PHASES.has(room.phase)) return null;
  if (!room.current || room.current === myId) return null;
  return room.current;
}

/** Return whether this screen's microphone is live: it has the floor and is not muted. */
export function micLive(room, myId, { selfMuted = false } = {}) {
  return Boolean(
    room && myId && !room.paused && FLOOR_PHASES.has(room.phase) && room.current === myId && !selfMuted,
  );
}

/** Return the roommates to keep a voice connection with: everyone present but me. */
export function peersFor(room, myId) {
  if (!room || room.phase === "closed" || !myId) return [];
  return room.members.filter((m) => m.id !== myId && m.present).map((m) => m.id);
}

/** Return whether I make the offer to this roommate: the lower id does, so exactly one of us. */
export function iOffer(myId, theirId) {
  return myId < theirId;
}

/**
 * Return what to tell the person about sound now, or null when all is well:
 * "reconnecting" while the speaker's connection is being made or mended, "unheard" when it
 * has failed for a while, so the room knows the speaker can pass or the host can skip.
 */
export function soundProblem(room, myId, speakerState, sinceMs, { unheardAfterMs = 8000 } = {}) {
  const speaker = whoToPlay(room, myId);
  if (!speaker || speakerState === "connected") return null;
  if (speakerState === "failed" || sinceMs >= unheardAfterMs) return "unheard";
  return "reconnecting";
}
