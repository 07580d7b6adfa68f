// One Socket.IO connection to a session, with the snapshot rules from docs/protocol.md:
// snapshots are whole, carry a version, and an older one than the newest seen is ignored.
// `io` is the global defined by /static/vendor/socket.io.min.js.

import { ServerClock } from "./clock.js";

const RESYNC_CLOCK_MS = 60_000;
const ANSWER_TIMEOUT_MS = 8000;
/** Refusals that mean "not now": the page keeps trying rather than giving up. */
const NOT_NOW = new Set(["rate_limited", "unavailable", "busy", "server_error"]);
const RETRY_LATER_MS = 5000;

/** Return a random id for this page's connection, made once per page. */
let ownScreen = null;
export function screenId() {
  if (ownScreen === null) {
    const bytes = crypto.getRandomValues(new Uint8Array(9));
    ownScreen = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  return ownScreen;
}

/** Return the key a snapshot's version is counted under: its kind, and its room if any. */
export function snapshotKey(kind, snapshot) {
  return kind === "room" ? `room:${snapshot.room?.number}` : kind;
}

/**
 * Connect with `auth` and call `handlers.snapshot(kind, data)` for each new snapshot.
 *
 * Other handlers: `refused(data)` for a refused connection ({error, message}),
 * `status(state)` with "connected" or "reconnecting", and `tick()` to redraw now (after a
 * clock measurement, or when the tab comes back to the foreground).
 * Returns {socket, clock, send(event, payload), reconnect(auth)}.
 */
export function connect(auth, handlers) {
  const clock = new ServerClock();
  const newest = new Map();
  // WebSocket first; long-polling only where a proxy will not carry WebSockets. `screen` is
  // this page's own random id: a proxy in front of several server processes keeps all of one
  // screen's requests on one process by it (docs/deploy.md), not by a shared network address.
  const socket = io({
    auth,
    query: { screen: screenId() },
    transports: ["websocket", "polling"],
    tryAllTransports: true,
  });

  function accept(kind, snapshot) {
    if (!snapshot || typeof snapshot.version !== "number") return;
    const key = snapshotKey(kind, snapshot);
    if (newest.has(key) && snapshot.version < newest.get(key)) return;
    newest.set(key, snapshot.version);
    if (typeof snapshot.server_now === "number" && clock.fromSnapshot(snapshot.server_now)) {
      clock.measure(socket);
    }
    handlers.snapshot(kind, snapshot);
  }

  for (const kind of ["lobby", "room", "console"]) {
    socket.on(kind, (snapshot) => accept(kind, snapshot));
  }

  socket.on("connect", async () => {
    handlers.status?.("connected");
    // A few round trips straight away; the shortest gives the best offset.
    for (let i = 0; i < 3; i += 1) await clock.measure(socket);
    handlers.tick?.();
  });

  socket.on("disconnect", (reason) => {
    // Our own disconnect (to reconnect as someone else) is not a lost connection.
    if (reason !== "io client disconnect") handlers.status?.("reconnecting");
  });

  socket.on("connect_error", (err) => {
    if (err && err.data && NOT_NOW.has(err.data.error)) {
      // Refused for now, not for good: the server is busy or saw too many tries. Try again.
      handlers.status?.("reconnecting");
      setTimeout(() => socket.connect(), RETRY_LATER_MS * (1 + Math.random()));
    } else if (err && err.data && err.data.error) {
      handlers.refused?.(err.data);
    } else if (!socket.active) {
      // The server said no without a reason we know.
      handlers.refused?.({ error: "refused", message: err?.message || "" });
    } else {
      handlers.status?.("reconnecting");
    }
  });

  setInterval(() => clock.measure(socket), RESYNC_CLOCK_MS);

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    handlers.tick?.();
    if (socket.connected) {
      socket.emit("sync", {}, () => {});
      clock.measure(socket).then(() => handlers.tick?.());
    } else if (socket.active) {
      // Still meant to be connected (a phone that slept): retry now rather than after backoff.
      socket.connect();
    }
  });

  /** Send an event and resolve with the server's reply, or a sentence if none came. */
  function send(event, payload = {}) {
    return new Promise((resolve) => {
      const emit = () =>
        socket.timeout(ANSWER_TIMEOUT_MS).emit(event, payload, (err, reply) => {
          if (err || !reply) {
            resolve({ ok: false, error: "timeout", message: "No answer from the server. Please try again." });
          } else {
            resolve(reply);
          }
        });
      if (socket.connected) {
        emit();
        return;
      }
      // A blip (a hospital network, a server restart): send once the connection is back rather
      // than asking a tired person to press again. The step in the payload makes a late send
      // safe: if the turn has moved on meanwhile, the server refuses it as stale.
      const onConnect = () => {
        clearTimeout(giveUp);
        emit();
      };
      const giveUp = setTimeout(() => {
        socket.off("connect", onConnect);
        resolve({ ok: false, error: "offline", message: "Not connected just now. Please try again in a moment." });
      }, ANSWER_TIMEOUT_MS);
      socket.once("connect", onConnect);
    });
  }

  /** Connect again as someone else (for a host who has just joined to take part). */
  function reconnect(newAuth) {
    socket.auth = newAuth;
    socket.disconnect();
    socket.connect();
  }

  return { socket, clock, send, reconnect };
}

/** Return a sentence for a refused connection, preferring the server's own. */
export function refusalMessage(data) {
  if (data && data.message) return data.message;
  switch (data && data.error) {
    case "unknown_session":
      return "We can't find that session. Check the link you were given.";
    case "forged_key":
      return "This host link isn't right for this session. Open the complete host link you saved.";
    case "unknown_participant":
      return "We don't recognise this browser for this session. Please join again.";
    default:
      return "We couldn't connect you to the session. Please reload the page.";
  }
}
