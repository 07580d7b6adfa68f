"""Guards in front of Engine.IO and Socket.IO, for what a client can send below the events.

- Long-polling POSTs are bounded before Engine.IO reads them (413), so an oversized body
  never reaches the code path that used to hang (see ``close_without_waiting``).
- The app uses no binary, so a client that sends any (a packet announcing attachments, or a
  binary frame) has its connection ended before Socket.IO buffers anything; a message that
  does not decode is dropped quietly.
- Socket.IO packets are checked as they are decoded: an event named like a lifecycle event
  (``connect``, ``disconnect``) or with no name is ignored, so a client cannot forge its own
  arrival or departure.
- Engine.IO's server-side disconnect no longer waits for a long-polling client to collect a
  goodbye it may never collect (upstream, that wait holds the request's worker forever).
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterable

from socketio import packet

log = logging.getLogger(__name__)

#: event names the Socket.IO library keeps for its own lifecycle; a client may not send them
RESERVED_EVENTS = frozenset({"connect", "disconnect", "connect_error"})
#: what an ignored event is renamed to: no handler has this name, so nothing runs
IGNORED_EVENT = "\x00ignored"


class GuardedPacket(packet.Packet):
    """A Socket.IO packet that refuses binary attachments and forged lifecycle events."""

    packet_type: int
    data: object

    def decode(self, encoded_packet):
        """Decode as usual, then neutralise what this app never accepts from a client."""
        if not isinstance(encoded_packet, str):
            # A binary frame: only ever an attachment, which nothing here waits for.
            self.packet_type, self.data = packet.EVENT, [IGNORED_EVENT]
            return 0
        attachments = super().decode(encoded_packet)
        if self.packet_type in (packet.BINARY_EVENT, packet.BINARY_ACK) or attachments:
            # guard_messages() has already ended such a client; never wait for attachments.
            self.packet_type, self.data = packet.EVENT, [IGNORED_EVENT]
        elif self.packet_type == packet.EVENT and not _ordinary_event(self.data):
            self.data = [IGNORED_EVENT]
        return 0


def _ordinary_event(data: object) -> bool:
    return (
        isinstance(data, list)
        and bool(data)
        and isinstance(data[0], str)
        and data[0] not in RESERVED_EVENTS
    )


def guard_messages(eio_server) -> None:
    """Check every Socket.IO message before the library acts on it.

    A client that sends binary has its connection ended before Socket.IO buffers any of it (a
    binary event announces how many binary frames follow, up to ten digits' worth, and the
    library keeps them all until the count is met; this app sends and expects none). A message
    that is empty or does not decode is dropped with a line in the log at most once a minute,
    not a traceback each: anyone who can open a connection could otherwise fill the log.
    """
    deliver = eio_server.handlers["message"]
    dropped = QuietCount("dropped %d malformed Socket.IO message(s)")

    def message(eio_sid: str, data: object) -> object:
        if not isinstance(data, str) or data[:1] in BINARY_PACKET_TYPES:
            log.warning("a client sent binary data; ending its connection")
            eio_server.disconnect(eio_sid)
            return None
        if not data:
            dropped.add()
            return None
        try:
            return deliver(eio_sid, data)
        except Exception:
            dropped.add()
            return None

    eio_server.on("message", message)


class QuietCount:
    """Count something that may happen very often; log the count at most once a minute."""

    EVERY = 60.0

    def __init__(self, message: str):
        self.message, self.count, self.last = message, 0, float("-inf")

    def add(self) -> None:
        """Count one more, and log the count if a minute has passed since the last line."""
        self.count += 1
        now = time.monotonic()
        if now - self.last >= self.EVERY:
            log.warning(self.message, self.count)
            self.count, self.last = 0, now


#: how a Socket.IO packet announcing attachments begins (binary event, binary ack)
BINARY_PACKET_TYPES = (str(packet.BINARY_EVENT), str(packet.BINARY_ACK))


def close_without_waiting(eio_server) -> None:
    """Make Engine.IO's ``disconnect`` close a socket without waiting for it to drain.

    python-engineio's ``Server.disconnect`` closes with ``wait=True``, which blocks until a
    long-polling client fetches the close packet. Engine.IO calls it from inside a POST that
    carried a bad packet, so a client that sends one and never polls again holds that
    request's worker (a greenlet of eventlet's pool, or a thread) forever; a thousand such
    POSTs stop the server. Closing without waiting loses nothing here: the client finds the
    session gone on its next request and reconnects.
    """

    def disconnect(sid: str | None = None) -> None:
        for one in [sid] if sid is not None else list(eio_server.sockets):
            socket = eio_server.sockets.get(one)
            if socket is not None:
                socket.close(wait=False, reason=eio_server.reason.SERVER_DISCONNECT)
                eio_server.sockets.pop(one, None)

    eio_server.disconnect = disconnect


class BoundedPolling:
    """WSGI middleware: refuse a long-polling POST without a length, longer than ``limit``, or
    whose body does not all arrive.

    Engine.IO checks the length too, but only by disconnecting from inside the request (the
    path that used to hang); refusing here answers at once and never reads the body.
    """

    def __init__(self, app: Callable, path: str, limit: int):
        self.app, self.prefix, self.limit = app, f"/{path.strip('/')}/", limit

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "").startswith(
            self.prefix
        ):
            length = environ.get("CONTENT_LENGTH") or ""
            if not length.isdigit():
                return _refuse(start_response, "411 Length Required")
            if int(length) > self.limit:
                return _refuse(start_response, "413 Content Too Large")
            # Read the (small) body here: a client that stops half-way is answered 408 after
            # the idle limit, instead of Engine.IO logging a traceback and answering 200.
            try:
                body = environ["wsgi.input"].read(int(length))
            except OSError:  # the idle limit ran out (TimeoutError) or the client went
                body = b""
            if len(body) < int(length):
                return _refuse(start_response, "408 Request Timeout")
            environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


def _refuse(start_response: Callable, status: str) -> list[bytes]:
    body = status.encode()
    start_response(
        status,
        [
            ("Content-Type", "text/plain"),
            ("Content-Length", str(len(body))),
            ("Connection", "close"),
        ],
    )
    return [body]
