// The server's clock as seen from this browser.
//
// Countdowns are drawn from absolute deadlines in server time, so all that matters is the
// offset between the two clocks. Each snapshot gives a rough offset (it ignores network
// delay); a `clock` round trip gives a better one, offset = server_now - midpoint of the trip.

const KEEP_SAMPLES = 5;
/** A snapshot claiming the server is this far ahead of our estimate means a clock changed. */
const AHEAD_SECONDS = 1;
/** A snapshot can arrive late on a slow network, but not this late: a clock changed. */
const BEHIND_SECONDS = 10;

export class ServerClock {
  constructor() {
    this.offset = 0;
    this.samples = []; // {offset, rtt}, newest last
  }

  /** Return the server's time now, in seconds since the epoch. */
  now() {
    return Date.now() / 1000 + this.offset;
  }

  /** Take the rough offset from a snapshot; return true if the clocks seem to have changed. */
  fromSnapshot(serverNow) {
    const rough = serverNow - Date.now() / 1000;
    if (!this.samples.length) {
      this.offset = rough;
      return false;
    }
    // A snapshot's offset runs low by the network delay, never high. A gap beyond that
    // means one of the clocks was changed under us: start again from this snapshot.
    const gap = rough - this.offset;
    if (gap > AHEAD_SECONDS || gap < -BEHIND_SECONDS) {
      this.samples = [];
      this.offset = rough;
      return true;
    }
    return false;
  }

  /** Measure the offset over a `clock` round trip on this socket; resolve when done. */
  measure(socket) {
    return new Promise((resolve) => {
      if (!socket.connected) return resolve();
      const t0 = Date.now() / 1000;
      socket.timeout(5000).emit("clock", {}, (err, reply) => {
        const t1 = Date.now() / 1000;
        if (!err && reply && reply.ok && typeof reply.server_now === "number") {
          this.addSample(reply.server_now - (t0 + t1) / 2, t1 - t0);
        }
        resolve();
      });
    });
  }

  /** Keep the last few samples and trust the one with the shortest round trip. */
  addSample(offset, rtt) {
    this.samples.push({ offset, rtt });
    if (this.samples.length > KEEP_SAMPLES) this.samples.shift();
    const best = this.samples.reduce((a, b) => (b.rtt < a.rtt ? b : a));
    this.offset = best.offset;
  }
}
