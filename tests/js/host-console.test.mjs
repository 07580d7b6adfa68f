// The host's summary of each room: static/js/host-console.js (the cards themselves need a DOM).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { roomSummary, roomsPlan } from "../../static/js/host-console.js";
import { ANA, KAI, LEE, NOW, SAM, room } from "./rooms.mjs";

describe("roomsPlan", () => {
  test("one room says how many people are in it", () => {
    assert.equal(roomsPlan([5]), "Starting now makes one room of 5.");
  });

  test("several rooms list their sizes", () => {
    assert.equal(roomsPlan([7, 6]), "Starting now makes 2 rooms (7 and 6 people).");
    assert.equal(roomsPlan([6, 6, 5]), "Starting now makes 3 rooms (6, 6 and 5 people).");
  });

  test("fewer than two people cannot start", () => {
    assert.equal(roomsPlan([1]), "You need at least 2 people to start.");
    assert.equal(roomsPlan([]), "You need at least 2 people to start.");
  });

  test("the server's plan is left as it was", () => {
    const sizes = [7, 6];
    roomsPlan(sizes);
    assert.deepEqual(sizes, [7, 6]);
  });
});

describe("roomSummary", () => {
  test("names the room and its round", () => {
    const s = roomSummary(room({ number: 2, round: 2, rounds: 3 }), NOW);
    assert.equal(s.title, "Room 2");
    assert.equal(s.round, "Round 2 of 3");
    assert.equal(roomSummary(room({ phase: "gathering" }), NOW).round, "Not started yet");
  });

  test("labels each phase in words, the grace as time's up and a closed room as finished", () => {
    assert.equal(roomSummary(room({ phase: "grace" }), NOW).phase, "Time's up");
    assert.equal(roomSummary(room({ phase: "closed" }), NOW).phase, "Finished");
    for (const phase of ["gathering", "silence", "waiting", "speaking"]) {
      const s = roomSummary(room({ phase }), NOW);
      assert.equal(s.phase.toLowerCase(), phase);
      assert.equal(s.phaseKind, phase);
    }
  });

  test("a paused room says Paused, whatever its phase", () => {
    for (const phase of ["speaking", "silence", "grace"]) {
      const s = roomSummary(room({ phase, paused: true }), NOW);
      assert.equal(s.phase, "Paused");
      assert.equal(s.phaseKind, "paused");
    }
  });

  test("says who is speaking, next or waited for", () => {
    const line = (overrides) => roomSummary(room(overrides), NOW).speaker;
    assert.equal(line({ phase: "speaking", current: SAM }), "Sam is speaking");
    assert.equal(line({ phase: "grace", current: SAM }), "Sam: time's up");
    assert.equal(line({ phase: "silence", current: ANA }), "Ana is next");
    assert.equal(line({ phase: "waiting", current: ANA, offline: [ANA] }), "Waiting for Ana to reconnect");
    assert.equal(line({ phase: "gathering" }), "Waiting for a second person to join");
    assert.equal(line({ phase: "closed" }), "This room has closed.");
  });

  test("shows who speaks next while someone has the floor, not during the silence", () => {
    assert.equal(roomSummary(room({ current: SAM, queue: [SAM, ANA] }), NOW).next, "Next: Ana");
    assert.equal(roomSummary(room({ current: SAM, queue: [SAM] }), NOW).next, "");
    const silence = room({ phase: "silence", current: ANA, queue: [ANA, KAI] });
    assert.equal(roomSummary(silence, NOW).next, "");
  });

  describe("the host's controls come from what the server allows", () => {
    test("Pause when the server allows pausing", () => {
      const s = roomSummary(room({ allowed: { pause: true, resume: false } }), NOW);
      assert.deepEqual(s.pause, { action: "pause", label: "Pause" });
    });

    test("Resume when the server allows resuming", () => {
      const s = roomSummary(room({ paused: true, allowed: { pause: false, resume: true } }), NOW);
      assert.deepEqual(s.pause, { action: "resume", label: "Resume" });
    });

    test("no Pause or Resume when the server allows neither, even mid-turn", () => {
      const s = roomSummary(room({ phase: "speaking", allowed: { pause: false, resume: false } }), NOW);
      assert.equal(s.pause, null);
    });

    test("a room as the server sends it offers Pause while running and nothing once closed", () => {
      assert.equal(roomSummary(room({ phase: "silence" }), NOW).pause.action, "pause");
      assert.equal(roomSummary(room({ paused: true }), NOW).pause.action, "resume");
      assert.equal(roomSummary(room({ phase: "gathering" }), NOW).pause, null);
      assert.equal(roomSummary(room({ phase: "closed" }), NOW).pause, null);
    });

    test("Extend only when the server allows it", () => {
      assert.equal(roomSummary(room({ allowed: { extend: true } }), NOW).canExtend, true);
      assert.equal(roomSummary(room({ allowed: { extend: false } }), NOW).canExtend, false);
      assert.equal(roomSummary(room({ phase: "silence" }), NOW).canExtend, false);
    });

    test("Skip names the person the server says may be skipped, with the room's step", () => {
      const r = room({ phase: "waiting", current: ANA, offline: [ANA], step: 7 });
      assert.deepEqual(roomSummary(r, NOW).skip, {
        member: ANA,
        name: "Ana",
        step: 7,
        label: "Skip Ana",
        careful: false, // gone: one click
      });
    });

    test("Skip follows the server, not the room's current speaker", () => {
      const r = room({ current: SAM, step: 3, allowed: { skip: KAI } });
      assert.deepEqual(roomSummary(r, NOW).skip, {
        member: KAI,
        name: "Kai",
        step: 3,
        label: "Skip Kai",
        careful: false,
      });
    });

    test("skipping someone connected who has the floor needs care: confirm, then undo", () => {
      const speaking = room({ current: SAM, step: 3, allowed: { skip: SAM } });
      assert.equal(roomSummary(speaking, NOW).skip.careful, true);
      const gone = room({ current: SAM, step: 3, offline: [SAM], allowed: { skip: SAM } });
      assert.equal(roomSummary(gone, NOW).skip.careful, false);
    });

    test("no Skip when the server names nobody", () => {
      assert.equal(roomSummary(room({ allowed: { skip: null } }), NOW).skip, null);
      assert.equal(roomSummary(room({ phase: "closed" }), NOW).skip, null);
    });
  });

  test("lists who is away and who is not connected", () => {
    const s = roomSummary(room({ away: [KAI], offline: [LEE] }), NOW);
    assert.equal(s.absent, "Away: Kai. Not connected: Lee");
    assert.equal(roomSummary(room({ offline: [ANA, LEE] }), NOW).absent, "Not connected: Ana, Lee");
    assert.equal(roomSummary(room({ away: [ANA] }), NOW).absent, "Away: Ana");
    assert.equal(roomSummary(room(), NOW).absent, "");
  });

  test("shows the time left with a caption for the phase", () => {
    const time = (overrides) => {
      const s = roomSummary(room(overrides), NOW);
      return [s.time, s.timeCaption];
    };
    assert.deepEqual(time({ phase: "speaking", deadline: NOW + 90 }), ["1:30", "left"]);
    assert.deepEqual(time({ phase: "silence", deadline: NOW + 3 }), ["0:03", "of silence"]);
    assert.deepEqual(time({ phase: "waiting", deadline: NOW + 8 }), ["0:08", "before moving on"]);
    assert.deepEqual(time({ phase: "grace", deadline: NOW + 10 }), ["0:10", "of grace"]);
    assert.deepEqual(time({ phase: "speaking", paused: true, paused_left: 40 }), ["0:40", "left (paused)"]);
  });

  test("shows no time while gathering or once closed", () => {
    assert.equal(roomSummary(room({ phase: "gathering" }), NOW).time, null);
    assert.equal(roomSummary(room({ phase: "closed", deadline: NOW + 10 }), NOW).time, null);
  });

  test("says when a running room expects to finish, and nothing once it is closed", () => {
    const running = roomSummary(room({ expected_end: NOW + 1500 }), NOW);
    assert.match(running.end, /^Expected to finish about \d\d:\d\d$/);
    assert.equal(roomSummary(room({ expected_end: null, paused: true }), NOW).end, "");
    assert.equal(roomSummary(room({ phase: "closed", expected_end: NOW }), NOW).end, "");
  });
});

describe("a room card, for a host who reads the prompt aloud", () => {
  test("shows the round's prompt and who is in the room", () => {
    const s = roomSummary(room({ prompt: "What is on your mind today?" }), NOW);
    assert.equal(s.prompt, "Prompt: What is on your mind today?");
    assert.match(s.members, /^In this room: /);
  });

  test("shows no prompt before the first round or once closed", () => {
    assert.equal(roomSummary(room({ phase: "gathering" }), NOW).prompt, "");
    assert.equal(roomSummary(room({ phase: "closed" }), NOW).prompt, "");
  });
});
