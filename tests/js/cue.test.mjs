// What a person in a room sees and hears: static/js/cue.js.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  LISTEN_RULE,
  announcement,
  chimeFor,
  cueFor,
  formatClock,
  hereSoFar,
  nameOf,
  secondsLeft,
  spokenThisRound,
  isMyMoment,
  tabTitle,
} from "../../static/js/cue.js";
import { ANA, KAI, LEE, NOW, SAM, member, room } from "./rooms.mjs";

describe("the speaker", () => {
  test("sees that they are speaking, with the time left on a ring", () => {
    const cue = cueFor(room({ current: SAM, deadline: NOW + 90 }), SAM, NOW);
    assert.equal(cue.heading, "You are speaking");
    assert.equal(cue.mine, true);
    assert.equal(cue.timer.seconds, 90);
    assert.equal(cue.timer.caption, "left");
    assert.equal(cue.timer.ring, true);
    assert.equal(cue.low, false);
  });

  test("is offered Finish and Pass when the server allows them to finish", () => {
    assert.equal(cueFor(room({ current: SAM }), SAM, NOW).canAct, true);
  });

  test("is not offered Finish and Pass when the server does not allow it", () => {
    const cue = cueFor(room({ current: SAM, allowed: { finish: null } }), SAM, NOW);
    assert.equal(cue.heading, "You are speaking");
    assert.equal(cue.canAct, false);
  });

  test("gets the soft low-time hint in the last 15 seconds, not before", () => {
    assert.equal(cueFor(room({ deadline: NOW + 16 }), SAM, NOW).low, false);
    assert.equal(cueFor(room({ deadline: NOW + 15 }), SAM, NOW).low, true);
  });

  test("is offered Pass only before they have begun; after that, I've finished alone", () => {
    const early = cueFor(room({ current: SAM, deadline: NOW + 110, turn_seconds: 120 }), SAM, NOW);
    assert.equal(early.canAct, true);
    assert.equal(early.canPass, true, "10 s in: not begun, passing is fine");
    const later = cueFor(room({ current: SAM, deadline: NOW + 90, turn_seconds: 120 }), SAM, NOW);
    assert.equal(later.canAct, true);
    assert.equal(later.canPass, false, "30 s in: they have spoken; finishing is what fits");
    const grace = cueFor(room({ phase: "grace", current: SAM }), SAM, NOW);
    assert.equal(grace.canPass, false);
  });

  test("sees time's up during grace, with the clock at zero", () => {
    const cue = cueFor(room({ phase: "grace", current: SAM }), SAM, NOW);
    assert.equal(cue.heading, "You are speaking");
    assert.equal(cue.detail, "Time's up — finish when you're ready");
    assert.equal(cue.timer.seconds, 0);
    assert.equal(cue.timer.caption, "Time's up");
    assert.equal(cue.low, true);
    assert.equal(cue.canAct, true);
  });

  test("a turn given extra time shows a full ring rather than an overfull one", () => {
    const cue = cueFor(room({ deadline: NOW + 150, turn_seconds: 120 }), SAM, NOW);
    assert.equal(cue.timer.seconds, 150);
    assert.equal(cue.timer.total, 150);
  });
});

describe("a listener", () => {
  test("sees who is speaking and the rule for listening", () => {
    const cue = cueFor(room({ current: SAM }), KAI, NOW);
    assert.equal(cue.heading, "Listening to Sam");
    assert.equal(cue.detail, "Listen. No need to respond or fix.");
    assert.equal(LISTEN_RULE, "Listen. No need to respond or fix.");
    assert.equal(cue.mine, false);
  });

  test("is never offered the speaker's buttons", () => {
    for (const phase of ["speaking", "grace", "silence", "waiting"]) {
      const cue = cueFor(room({ phase, current: SAM }), ANA, NOW);
      assert.equal(cue.canAct, false, phase);
      assert.equal(cue.mine, false, phase);
    }
  });

  test("someone not yet identified is never offered the buttons, even when nobody may finish", () => {
    const cue = cueFor(room({ phase: "silence", allowed: { finish: undefined } }), undefined, NOW);
    assert.equal(cue.canAct, false);
  });

  test("who is next in the queue is told so", () => {
    const cue = cueFor(room({ current: SAM, queue: [SAM, ANA, KAI] }), ANA, NOW);
    assert.equal(cue.aside, "You are next");
    assert.equal(cue.say, "Sam is speaking. You are next");
  });

  test("later in the queue is told how many will speak first", () => {
    const r = room({ current: SAM, queue: [SAM, ANA, KAI, LEE] });
    assert.equal(cueFor(r, KAI, NOW).aside, "You speak after 2 more people");
    assert.equal(cueFor(r, LEE, NOW).aside, "You speak after 3 more people");
    assert.equal(cueFor(r, KAI, NOW).say, "Sam is speaking");
  });

  test("who has spoken or passed this round is told so", () => {
    const r = room({
      current: KAI,
      queue: [KAI],
      outcomes: [
        { id: SAM, outcome: "spoke" },
        { id: ANA, outcome: "passed" },
      ],
    });
    assert.equal(cueFor(r, SAM, NOW).aside, "You have had your turn this round.");
    assert.equal(cueFor(r, ANA, NOW).aside, "You passed this round.");
  });

  test("sees calm progress without digits, and never time's up", () => {
    const speaking = cueFor(room({ current: SAM, deadline: NOW + 20 }), ANA, NOW);
    assert.equal(speaking.timer.digits, false);
    assert.equal(speaking.timer.ring, true);
    assert.equal(speaking.low, false, "the last seconds are the speaker's to notice");
    const cue = cueFor(room({ phase: "grace", current: SAM }), ANA, NOW);
    assert.equal(cue.heading, "Listening to Sam");
    assert.equal(cue.timer.digits, false);
    assert.equal(cue.timer.caption, "");
    assert.doesNotMatch(JSON.stringify(cue), /Time's up/);
  });
});

describe("between turns", () => {
  const later = { turn: 2, outcomes: [{ id: SAM, outcome: "spoke" }], queue: [ANA, KAI, LEE] };

  test("the next speaker sees that they are next, with the silence counting down", () => {
    const r = room({ phase: "silence", current: ANA, deadline: NOW + 3, silence_seconds: 5, ...later });
    const cue = cueFor(r, ANA, NOW);
    assert.equal(cue.heading, "You are next");
    assert.equal(cue.timer.seconds, 3);
    assert.equal(cue.timer.total, 5);
    assert.equal(cue.timer.caption, "until your turn");
    assert.equal(cue.chime, "next");
    assert.equal(cue.canAct, false);
  });

  test("everyone else sees a silence and who is next", () => {
    const cue = cueFor(room({ phase: "silence", current: ANA, ...later }), KAI, NOW);
    assert.equal(cue.heading, "Silence");
    assert.equal(cue.detail, "Ana is next.");
    assert.equal(cue.timer.caption, "until Ana's turn");
  });

  test("before the very first turn, everyone is getting ready and knows who speaks first", () => {
    const start = room({ phase: "silence", current: SAM, turn: 1, outcomes: [] });
    assert.equal(cueFor(start, KAI, NOW).heading, "Getting ready: Sam speaks first");
    assert.equal(cueFor(start, SAM, NOW).heading, "Getting ready: you speak first");
  });
});

describe("waiting for someone who is not connected", () => {
  const r = room({ phase: "waiting", current: ANA, offline: [ANA], deadline: NOW + 8 });

  test("the others see who the room is waiting for, and that it will move on", () => {
    const cue = cueFor(r, SAM, NOW);
    assert.equal(cue.heading, "Waiting for Ana");
    assert.equal(cue.detail, "Waiting for Ana to reconnect. If they don't, the room moves on.");
    assert.equal(cue.timer.seconds, 8);
    assert.equal(cue.timer.caption, "before moving on");
  });

  test("the person waited for, once their screen is back, sees they are next", () => {
    const cue = cueFor(r, ANA, NOW);
    assert.equal(cue.heading, "You are next");
    assert.equal(cue.canAct, false);
  });
});

describe("a paused room", () => {
  test("everyone sees Paused and the time that will be left", () => {
    const r = room({ current: SAM, paused: true, paused_left: 40 });
    for (const who of [SAM, ANA]) {
      const cue = cueFor(r, who, NOW);
      assert.equal(cue.heading, "Paused");
      assert.equal(cue.timer.seconds, 40);
      assert.equal(cue.timer.caption, "left when it resumes");
      assert.equal(cue.canAct, false);
    }
  });

  test("the speaker is told their turn carries on; listeners who has the floor", () => {
    const r = room({ current: SAM, paused: true });
    assert.equal(cueFor(r, SAM, NOW).aside, "Your turn carries on when the host resumes.");
    assert.equal(cueFor(r, ANA, NOW).aside, "Sam has the floor.");
  });

  test("the next speaker is still told they are next", () => {
    const r = room({ phase: "silence", current: ANA, paused: true });
    assert.equal(cueFor(r, ANA, NOW).aside, "You are next");
  });

  test("the clock stands still", () => {
    const r = room({ paused: true, paused_left: 40 });
    assert.equal(cueFor(r, SAM, NOW + 100).timer.seconds, 40);
  });

  test("paused during grace shows no time left", () => {
    const r = room({ phase: "grace", paused: true, paused_left: 7 });
    assert.equal(cueFor(r, SAM, NOW).timer.seconds, 0);
  });
});

describe("before and after the rounds", () => {
  test("someone alone in a room is waiting for another person", () => {
    const cue = cueFor(room({ phase: "gathering" }), SAM, NOW);
    assert.equal(cue.heading, "Waiting for someone else to join your room");
    assert.equal(cue.timer, null);
    assert.equal(cue.canAct, false);
    assert.equal(cue.round, null);
    assert.equal(cue.prompt, null);
  });

  test("a closed room thanks everyone and offers nothing to do", () => {
    const cue = cueFor(room({ phase: "closed" }), SAM, NOW);
    assert.equal(cue.heading, "Thank you for listening");
    assert.equal(cue.detail, "The space has closed. Nothing said here leaves it.");
    assert.equal(cue.canAct, false);
    assert.equal(cue.timer, null);
  });

  test("a running room shows the round and its prompt", () => {
    const cue = cueFor(room({ round: 2, rounds: 3, prompt: "What matters?" }), ANA, NOW);
    assert.equal(cue.round, "Round 2 of 3");
    assert.equal(cue.prompt, "What matters?");
  });
});

describe("formatClock", () => {
  test("shows minutes and two-digit seconds", () => {
    assert.equal(formatClock(90), "1:30");
    assert.equal(formatClock(600), "10:00");
    assert.equal(formatClock(5), "0:05");
  });

  test("rounds up, so 0:00 appears only when the time is over", () => {
    assert.equal(formatClock(59.2), "1:00");
    assert.equal(formatClock(0.01), "0:01");
    assert.equal(formatClock(0), "0:00");
  });

  test("is never negative", () => {
    assert.equal(formatClock(-5), "0:00");
    assert.equal(formatClock(null), "0:00");
  });
});

describe("secondsLeft", () => {
  test("counts down to the deadline and stops at zero", () => {
    const r = room({ deadline: NOW + 90 });
    assert.equal(secondsLeft(r, NOW), 90);
    assert.equal(secondsLeft(r, NOW + 60), 30);
    assert.equal(secondsLeft(r, NOW + 120), 0);
  });

  test("is frozen while paused", () => {
    const r = room({ paused: true, paused_left: 40 });
    assert.equal(secondsLeft(r, NOW), 40);
    assert.equal(secondsLeft(r, NOW + 1000), 40);
  });

  test("is null when nothing is being timed", () => {
    assert.equal(secondsLeft(room({ phase: "gathering" }), NOW), null);
  });
});

/** Return what is announced over `seconds` of the same room, one cue a second, from none. */
/** Return what `who` hears and which chime plays when the room changes from `from` to `to`. */
function change(from, to, who) {
  const before = cueFor(from, who, NOW);
  const after = cueFor(to, who, NOW);
  return { said: announcement(before, after), chime: chimeFor(before, after) };
}

const SPEAKING = room({ current: SAM });
const GRACE = room({ phase: "grace", current: SAM });

function announcementsOver(r, myId, seconds) {
  const said = [];
  let before = null;
  for (let t = 0; t <= seconds; t += 1) {
    const after = cueFor(r, myId, NOW + t);
    const line = announcement(before, after);
    if (line) said.push(line);
    before = after;
  }
  return said;
}

describe("announcements", () => {
  test("a whole turn tells the speaker once that they are speaking and once that 15 seconds are left", () => {
    const r = room({ current: SAM, deadline: NOW + 120 });
    assert.deepEqual(announcementsOver(r, SAM, 125), ["You are speaking", "15 seconds left"]);
  });

  test("listeners hear of a new speaker once, and never the clock", () => {
    const r = room({ current: SAM, deadline: NOW + 120 });
    assert.deepEqual(announcementsOver(r, KAI, 125), ["Sam is speaking"]);
  });

  test("time's up is announced to the speaker", () => {
    assert.equal(change(SPEAKING, GRACE, SAM).said, "Time's up");
  });

  test("the speaker's grace is not announced to listeners", () => {
    assert.equal(change(SPEAKING, GRACE, ANA).said, null);
  });

  test("the next speaker hears they are next; a silence is not announced to the others", () => {
    const speaking = room({ current: SAM, turn: 1 });
    const silence = room({ phase: "silence", current: ANA, turn: 2, queue: [ANA, KAI, LEE] });
    assert.equal(announcement(cueFor(speaking, ANA, NOW), cueFor(silence, ANA, NOW)), "You are next");
    assert.equal(announcement(cueFor(speaking, KAI, NOW), cueFor(silence, KAI, NOW)), null);
  });

  test("a pause is announced once", () => {
    const running = cueFor(room(), ANA, NOW);
    const paused = cueFor(room({ paused: true }), ANA, NOW);
    assert.equal(announcement(running, paused), "Paused");
    assert.equal(announcement(paused, cueFor(room({ paused: true }), ANA, NOW + 1)), null);
  });
});

describe("chimes", () => {
  test("the next speaker gets the next chime once as the silence begins", () => {
    const speaking = cueFor(room({ current: SAM, turn: 1 }), ANA, NOW);
    const silence = room({ phase: "silence", current: ANA, turn: 2, deadline: NOW + 5 });
    const first = cueFor(silence, ANA, NOW);
    assert.equal(chimeFor(speaking, first), "next");
    assert.equal(chimeFor(first, cueFor(silence, ANA, NOW + 1)), null);
  });

  test("the speaker gets the time's-up chime when time runs out", () => {
    assert.equal(change(SPEAKING, GRACE, SAM).chime, "timesup");
  });

  test("listeners get no chime for someone else's turn or time", () => {
    assert.equal(cueFor(SPEAKING, KAI, NOW).chime, null);
    assert.equal(change(SPEAKING, GRACE, KAI).chime, null);
  });

  test("with no silence between turns, the next person's chime comes as the turn before theirs begins", () => {
    const before = cueFor(room({ phase: "speaking", current: LEE, turn: 4, queue: [LEE] }), ANA, NOW);
    const noSilence = room({ current: SAM, turn: 5, queue: [SAM, ANA], silence_seconds: 0 });
    assert.equal(chimeFor(before, cueFor(noSilence, ANA, NOW)), "next");
    const withSilence = room({ current: SAM, turn: 5, queue: [SAM, ANA], silence_seconds: 5 });
    assert.equal(chimeFor(before, cueFor(withSilence, ANA, NOW)), null);
  });
});

describe("who has spoken this round", () => {
  test("lists finished turns in order, with a quiet note for a pass, an absence or moving on", () => {
    const r = room({
      current: null,
      outcomes: [
        { id: SAM, outcome: "spoke" },
        { id: ANA, outcome: "passed" },
        { id: KAI, outcome: "away" },
        { id: LEE, outcome: "skipped" },
      ],
    });
    assert.deepEqual(
      spokenThisRound(r).map(({ name, note }) => [name, note]),
      [
        ["Sam", ""],
        ["Ana", "passed"],
        ["Kai", "away"],
        ["Lee", "moved on"],
      ],
    );
  });

  test("is empty before anyone has finished", () => {
    assert.deepEqual(spokenThisRound(room({ outcomes: [] })), []);
  });
});

describe("nameOf", () => {
  test("gives the member's name", () => {
    assert.equal(nameOf(room(), ANA), "Ana");
  });

  test('says "someone" for an erased name or an unknown id', () => {
    const r = room({ members: [member(SAM, { name: null })] });
    assert.equal(nameOf(r, SAM), "someone");
    assert.equal(nameOf(r, "p-nobody"), "someone");
    assert.equal(nameOf({}, SAM), "someone");
  });

  test("a speaker whose name was erased is still shown as someone speaking", () => {
    const r = room({ current: SAM, members: [member(SAM, { name: null }), member(ANA)] });
    assert.equal(cueFor(r, ANA, NOW).heading, "Listening to someone");
  });
});

describe("the lobby, before rooms exist", () => {
  test("says how many are here, never who", () => {
    assert.equal(hereSoFar(1), "Just you so far.");
    assert.equal(hereSoFar(2), "You and 1 other person are here.");
    assert.equal(hereSoFar(7), "You and 6 others are here.");
    assert.equal(hereSoFar(0), "Just you so far.");
  });
});

describe("the tab, for a page behind the call", () => {
  test("says when it is nearly or now my turn, with the time I have", () => {
    const next = cueFor(room({ phase: "silence", current: ANA, turn: 2, outcomes: [{ id: SAM, outcome: "spoke" }] }), ANA, NOW);
    assert.equal(tabTitle(next, "Tuesday"), "● You're next · Tuesday");
    const speaking = cueFor(room({ current: SAM, deadline: NOW + 80 }), SAM, NOW);
    assert.equal(tabTitle(speaking, "Tuesday"), "● Speaking — 1:20 · Tuesday");
    assert.equal(isMyMoment(speaking), true);
  });

  test("stays plain while someone else speaks", () => {
    const listening = cueFor(room({ current: SAM, deadline: NOW + 80 }), ANA, NOW);
    assert.equal(tabTitle(listening, "Tuesday"), "Tuesday");
    assert.equal(isMyMoment(listening), false);
  });
});

describe("someone the host moved on from", () => {
  test("is told kindly, and welcome to stay", () => {
    const r = room({ current: SAM, outcomes: [{ id: LEE, outcome: "skipped" }], queue: [SAM, ANA, KAI] });
    assert.equal(
      cueFor(r, LEE, NOW).aside,
      "The host moved the room on from your turn. You're welcome to stay and listen.",
    );
  });
});

describe("someone who comes back after being passed over", () => {
  test("is told they are now at the end of the round", () => {
    // Ana was passed over while away; Kai speaks now; Ana is back, last in the queue.
    const r = room({ current: KAI, outcomes: [{ id: SAM, outcome: "spoke" }], queue: [KAI, LEE, ANA] });
    assert.equal(
      cueFor(r, ANA, NOW).aside,
      "Welcome back. You're now at the end of this round: you speak after 2 more people.",
    );
  });

  test("someone simply waiting their turn is not told so", () => {
    const r = room({ current: SAM, queue: [SAM, ANA, KAI, LEE] });
    assert.equal(cueFor(r, KAI, NOW).aside, "You speak after 2 more people");
  });
});
