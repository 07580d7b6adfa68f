"""A bare python-socketio server: the floor that bench/side_by_side.py measures the app against.

No Flask, no database, no app logic: a plain ``socketio.Server`` in the chosen async mode, served
by the same WSGI server the app uses in that mode (eventlet.wsgi, gevent's pywsgi, Werkzeug's
threaded server). It speaks just enough of the app's protocol for the same client code:

- ``connect`` with any ``auth``: ``{"host_key": ...}`` is a host; anyone else is put in a room of
  ``--room-size`` in arrival order, and is sent one small ``lobby`` event, as the app sends the
  current snapshots on connect;
- ``clock`` answers ``{ok: true, server_now}``;
- ``start`` (from anyone; the bench sends it from the host) sends every room a first ``room``
  event at once, then each room its next ``room`` event (about ``--payload`` bytes of JSON, with
  ``version``, ``server_now``, ``phase``, ``turn``, ``step`` and a ``deadline``) when its
  deadline falls due, every ``--interval-min``..``--interval-max`` seconds (random), scheduled
  precisely (a heap of deadlines, no polling), until ``--seconds`` have passed; then each room is
  sent ``phase: closed``.

So "deadline -> snapshot on the last screen", "lateness" (``server_now`` minus the deadline)
and memory measured against this server are what the async mode, python-socketio and the
machine cost by themselves.

Usage: .venv/bin/python bench/bare_server.py --port 5001 --async-mode eventlet
(bench/side_by_side.py starts it; ``GET /healthz`` answers 200 when it is up).
"""

from __future__ import annotations

import argparse
import sys

MODES = ("eventlet", "gevent", "threading")


def options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/bare_server.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--async-mode", choices=MODES, default="eventlet")
    parser.add_argument("--room-size", type=int, default=8)
    parser.add_argument("--interval-min", type=float, default=1.0)
    parser.add_argument("--interval-max", type=float, default=2.0)
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="emit for this long, then close"
    )
    parser.add_argument("--payload", type=int, default=500, help="approximate bytes of each event")
    parser.add_argument("--max-connections", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = options(argv)
    # Patch before anything else is imported, as listening/serve.py does.
    if args.async_mode == "eventlet":
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import eventlet

        eventlet.monkey_patch()
    elif args.async_mode == "gevent":
        from gevent import monkey

        monkey.patch_all()

    import heapq
    import json
    import random
    import resource
    import time

    import socketio

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = args.max_connections + 256
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))

    rng = random.Random(args.seed)
    sio = socketio.Server(async_mode=args.async_mode)
    rooms: list[list[str]] = []
    state = {"started": False, "joined": 0}

    def padded(body: dict) -> dict:
        """Pad the event to about ``--payload`` bytes of JSON, like a room snapshot."""
        size = len(json.dumps(body))
        if size < args.payload:
            body["room"]["pad"] = "x" * (args.payload - size - 10)
        return body

    def snapshot(number: int, phase: str, turn: int, deadline: float | None) -> dict:
        members = rooms[number - 1]
        return padded(
            {
                "version": turn + 1,
                "server_now": time.time(),
                "session": {"code": "bare", "title": "bare", "status": "running"},
                "room": {
                    "number": number,
                    "phase": phase,
                    "paused": False,
                    "turn": turn,
                    "step": turn,
                    "current": members[turn % len(members)] if members else None,
                    "deadline": deadline,
                    "members": [{"id": sid, "present": True} for sid in members],
                },
            }
        )

    @sio.on("connect")
    def connect(sid, _environ, auth=None):
        auth = auth if isinstance(auth, dict) else {}
        if "host_key" in auth:
            sio.enter_room(sid, "hosts")
        else:
            if not rooms or len(rooms[-1]) >= args.room_size:
                rooms.append([])
            rooms[-1].append(sid)
            sio.enter_room(sid, f"room:{len(rooms)}")
            state["joined"] += 1
        sio.emit(
            "lobby",
            {"version": 1, "server_now": time.time(), "here": {"joined": state["joined"]}},
            to=sid,
        )

    @sio.on("clock")
    def clock(_sid, _data=None):
        return {"ok": True, "server_now": time.time()}

    @sio.on("start")
    def start(_sid, _data=None):
        if state["started"]:
            return {"ok": False, "error": "started"}
        state["started"] = True
        sio.start_background_task(run)
        return {"ok": True}

    @sio.on("*")
    def anything(_event, _sid, _data=None):
        return {"ok": True}

    def run() -> None:
        """Emit a first event to every room now, then each room's next at its deadline."""
        began = time.time()
        stop = began + args.seconds
        due: list[tuple[float, int, int]] = []  # (deadline, room number, turn)
        phases = ("silence", "speaking", "grace")
        for number in range(1, len(rooms) + 1):
            deadline = began + rng.uniform(args.interval_min, args.interval_max)
            sio.emit("room", snapshot(number, "silence", 0, deadline), to=f"room:{number}")
            heapq.heappush(due, (deadline, number, 0))
        while due:
            deadline, number, turn = due[0]
            wait = deadline - time.time()
            if wait > 0:
                sio.sleep(wait)
                continue
            heapq.heappop(due)
            turn += 1
            if deadline >= stop:
                body = snapshot(number, "closed", turn, None)
                body["session"]["status"] = "ended"
            else:
                following = deadline + rng.uniform(args.interval_min, args.interval_max)
                body = snapshot(number, phases[turn % 3], turn, following)
                heapq.heappush(due, (following, number, turn))
            sio.emit("room", body, to=f"room:{number}")

    socket_app = socketio.WSGIApp(sio)

    def app(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"ok": true}']
        return socket_app(environ, start_response)

    print(f"bare server running ({args.async_mode}) on {args.host}:{args.port}", flush=True)
    if args.async_mode == "eventlet":
        import eventlet
        import eventlet.wsgi

        listener = eventlet.listen((args.host, args.port), backlog=1024)
        eventlet.wsgi.server(
            listener,
            app,
            custom_pool=eventlet.GreenPool(args.max_connections),
            log_output=False,
            debug=False,
        )
    elif args.async_mode == "gevent":
        from gevent import pywsgi
        from gevent.pool import Pool

        pywsgi.WSGIServer(
            (args.host, args.port), app, log=None, spawn=Pool(args.max_connections)
        ).serve_forever()
    else:
        import logging

        from werkzeug.serving import run_simple

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    main(sys.argv[1:])
