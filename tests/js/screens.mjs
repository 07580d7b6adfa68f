// What the browser modules would show for snapshots and form values the Python tests send on
// stdin, printed as JSON on stdout. tests/test_screens_follow_the_server.py compares it with
// what the server decided; this file only renders, so a mismatch is the browser's or the
// snapshot's, never a copy of the rules here.

import { cueFor } from "../../static/js/cue.js";
import { fullRoomSentence, settingFrom } from "../../static/js/estimate.js";
import { roomSummary, roomsPlan } from "../../static/js/host-console.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { rooms, plans, forms } = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const out = {
  rooms: rooms.map(({ room, now, viewers }) => {
    const host = roomSummary(room, now);
    return {
      canAct: Object.fromEntries(viewers.map((id) => [id, cueFor(room, id, now).canAct])),
      pause: host.pause,
      canExtend: host.canExtend,
      skip: host.skip && host.skip.member,
    };
  }),
  plans: plans.map((sizes) => roomsPlan(sizes)),
  forms: forms.map(({ values, limits, defaults, cap }) => {
    const setting = (name) =>
      settingFrom(values[name], { fallback: defaults[name], low: limits[name][0], high: limits[name][1] });
    return fullRoomSentence({
      rounds: setting("rounds"),
      cap,
      turnSeconds: setting("turn_seconds"),
      silenceSeconds: setting("silence_seconds"),
    });
  }),
};
process.stdout.write(JSON.stringify(out));
