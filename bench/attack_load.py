"""Attack load: show that one outsider cannot stop the server for everyone.

A bounded load test of the fixes for three findings, each phase on a fresh server process
(``python -m listening serve``, eventlet) with its own temporary SQLite database and a
coordinator account (``python -m listening create-coordinator``), signed in to once from
127.0.0.1: creating a session needs a signed-in account, and each create sends that cookie.

1. hostile long-polling, in waves (5 by default): ~1,000 Engine.IO polling sessions, then
   ~1,000 concurrent POSTs to them that are oversized (a 20 KB body, or a Content-Length of
   10^9) or malformed ('9abc', '2probe', '6'), some waiting for the answer and some hanging up
   at once, plus a few that announce a body and never finish it. Measures how many POSTs were
   answered and with what, /healthz latency before, during and after, the server's open
   descriptors, and that a normal join and connection still work afterwards.
2. connections: 2,000 authenticated Socket.IO screens (raw websockets speaking Engine.IO /
   Socket.IO v4 by hand) plus 1,000 idle TCP sockets that send nothing, spread over loopback
   source addresses 127.0.0.2, 127.0.0.3, ... so no address passes the server's per-address
   limit. Measures how many screens connected, /healthz latency with everything open, when the
   server dropped the idle sockets (``LISTENING_IDLE_SECONDS`` is set short), that screens still
   connect and answer while ~3,000 connections are open, the server's memory, and what happens
   when every screen hangs up at once.
3. rate limits (``LISTENING_LIMIT_EXEMPT=""`` so loopback counts, default limits otherwise):
   5,000 session creations from one address as fast as the client can, 200 joins of one
   session from one address, many live connections from one address, and that other addresses
   are still served.

Everything is loopback; the client is one asyncio process (plus one small process probing
/healthz on a fresh connection every ``--probe-interval`` seconds), so figures include the
client's own limits: the report gives the client's CPU use so a saturated client shows.
The whole run stops itself after ``--time-limit`` seconds; every phase is bounded too.

Usage: .venv/bin/python bench/attack_load.py [--phases 1,2,3] [--time-limit 600] ...
(``--help`` lists every option). The report (markdown) goes to standard output, progress to
standard error; the exit status is 1 when any check in the report does not hold.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import http.client
import importlib.metadata
import json
import multiprocessing
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from wire import (  # noqa: E402  (bench/ is on the path when this runs as a script)
    KeepAlive,
    counts,
    die_with_parent,
    frame,
    free_port,
    log,
    make_account_and_sign_in,
    mask,
    open_conn,
    percentile,
    proc_cpu,
    read_head,
    table,
)

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
#: settings a caller's shell might hold; the servers here get only what each phase sets
SERVER_SETTINGS = ("LISTENING_", "DATABASE_URL", "PORT", "SOCKETIO_MESSAGE_QUEUE", "SECRET_KEY")
BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith(SERVER_SETTINGS)}
#: every server started, so the watchdog and the exit path can stop them all
RUNNING: list[Server] = []
PROBERS: list[Prober] = []
START = time.monotonic()
#: the coordinator account each server gets (creating a session needs one signed in)


def address(n: int) -> str:
    """The n-th loopback source address: 127.0.0.n (n from 1 to 254)."""
    if not 1 <= n <= 254:
        raise ValueError("ran out of loopback source addresses; lower the counts")
    return f"127.0.0.{n}"


def spread(count: int, per_address: int, first: int) -> list[str]:
    """Source addresses for ``count`` connections, at most ``per_address`` each, from .first."""
    return [address(first + i // per_address) for i in range(count)]


# --------------------------------------------------------------------------- figures


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value * 1000:.1f}"


def secs(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


# --------------------------------------------------------------------------- the server


class Server:
    """One ``python -m listening serve`` process (eventlet) with its own SQLite database."""

    def __init__(self, workdir: Path, name: str, env: dict[str, str]):
        self.name = name
        self.port = free_port()
        self.log_path = workdir / f"{name}.log"
        self.settings = dict(env)
        self.env = {
            **BASE_ENV,
            "DATABASE_URL": f"sqlite:///{workdir / (name + '.sqlite')}",
            "SECRET_KEY": secrets.token_urlsafe(32),  # so nothing is written to instance/
            "LISTENING_ALLOW_SHORT_TURNS": "1",
            **env,
        }
        self.process: subprocess.Popen | None = None
        #: the sign-in cookie, to send with each create
        self.cookie: str | None = None

    async def start(self, timeout: float = 40) -> Server:
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "listening", "serve", "--port", str(self.port)]
                + ["--async-mode", "eventlet"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        RUNNING.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server {self.name} exited at start:\n{self.log_text()}")
            if healthz_once(self.port, HOST, 1.0)[1] == 200:
                log(f"server {self.name} up on port {self.port} (pid {self.process.pid})")
                await self.sign_in()
                return self
            await asyncio.sleep(0.1)
        raise RuntimeError(f"server {self.name} did not answer within {timeout} s")

    async def sign_in(self) -> None:
        """Make the app's coordinator account and sign in once; keep the cookie."""
        self.cookie = await make_account_and_sign_in(self.port, self.env, ROOT)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def status(self) -> dict[str, int]:
        """VmRSS, VmHWM (kB) and thread count from /proc."""
        found = {}
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM", "Threads"):
                    found[key] = int(value.split()[0])
        except (OSError, ValueError):
            pass
        return found

    def cpu(self) -> float:
        return proc_cpu(self.pid)

    def fds(self) -> int:
        try:
            return len(os.listdir(f"/proc/{self.pid}/fd"))
        except OSError:
            return -1

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def problems(self) -> tuple[Counter, list[str]]:
        """Count the log's tracebacks, ERROR/WARNING lines and exception lines; keep the first
        few distinct ones (startup lines are skipped)."""
        kinds: Counter = Counter()
        first: list[str] = []
        for line in self.log_text().splitlines():
            if line.startswith(("INFO  [alembic", "listening is running")):
                continue
            if line.startswith("Traceback"):
                kind = "Traceback"
            elif re.match(r"(ERROR|CRITICAL|WARNING)\b", line):
                kind = line.split()[0]
            elif re.match(r"[A-Za-z_.]+(Error|Exception|Exit)\b", line):
                kind = "exception line"
            else:
                continue
            kinds[kind] += 1
            short = line.strip()[:200]
            if short not in first and len(first) < 8:
                first.append(short)
        return kinds, first


def healthz_once(port: int, source: str, timeout: float) -> tuple[float, object]:
    """One GET /healthz on a fresh connection: (seconds taken, status or error name)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", "/healthz", headers={"Connection": "close"})
        response = conn.getresponse()
        response.read()
        outcome: object = response.status
    except Exception as error:  # noqa: BLE001 - every failure is a measured outcome
        outcome = type(error).__name__
    finally:
        conn.close()
    return time.perf_counter() - started, outcome


# --------------------------------------------------------------------------- /healthz prober


def _probe(port: int, source: str, interval: float, timeout: float, stop, pipe) -> None:
    samples = []
    parent = os.getppid()
    while not stop.is_set() and os.getppid() == parent:
        began = time.time()
        took, outcome = healthz_once(port, source, timeout)
        samples.append((began, took, outcome))
        rest = interval - took
        if rest > 0:
            stop.wait(rest)
    pipe.send(samples)
    pipe.close()


class Prober:
    """A separate process that GETs /healthz on a fresh connection every ``interval`` s.

    It runs in its own process so that the attacking client's work does not delay it (they
    still share the machine's two cores with the server).
    """

    def __init__(self, port: int, interval: float, timeout: float, source: str = HOST):
        context = multiprocessing.get_context("spawn")
        self.stop_event = context.Event()
        self.receive, send = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_probe,
            args=(port, source, interval, timeout, self.stop_event, send),
            daemon=True,
        )
        self.samples: list[tuple[float, float, object]] = []
        self.marks: list[tuple[str, float]] = []

    def start(self) -> Prober:
        self.process.start()
        PROBERS.append(self)
        return self

    def mark(self, label: str) -> None:
        """Start a named window of the probe's samples now (it ends at the next mark)."""
        self.marks.append((label, time.time()))

    def stop(self) -> None:
        self.mark("end")
        self.stop_event.set()
        if self.receive.poll(30):
            self.samples = self.receive.recv()
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()

    def cpu(self) -> float:
        return proc_cpu(self.process.pid) if self.process.pid else 0.0

    def windows(self) -> list[list[object]]:
        """One row per window: probes that overlapped it, how many got 200, other outcomes,
        and p50, p99 and max latency (ms) of those probes. A probe can overlap two windows."""
        rows = []
        bounds = [
            (label, start, self.marks[i + 1][1]) for i, (label, start) in enumerate(self.marks[:-1])
        ]
        bounds.append(("whole phase", float("-inf"), float("inf")))
        for label, start, end in bounds:
            inside = [s for s in self.samples if s[0] < end and s[0] + s[1] >= start]
            took = [s[1] for s in inside]
            bad = Counter(str(s[2]) for s in inside if s[2] != 200)
            rows.append(
                [
                    label,
                    len(inside),
                    len(inside) - sum(bad.values()),
                    counts(bad),
                    ms(percentile(took, 50)),
                    ms(percentile(took, 99)),
                    ms(max(took, default=None)),
                ]
            )
        return rows

    def failures(self) -> int:
        return sum(1 for s in self.samples if s[2] != 200)

    def worst(self, *prefixes: str) -> float | None:
        """The slowest probe; with prefixes, of those overlapping windows named so."""
        if not prefixes:
            return max((s[1] for s in self.samples), default=None)
        marks = self.marks
        spans = [
            (start, marks[i + 1][1])
            for i, (label, start) in enumerate(marks[:-1])
            if label.startswith(prefixes)
        ]
        return max(
            (s[1] for s in self.samples for a, b in spans if s[0] < b and s[0] + s[1] >= a),
            default=None,
        )


HEALTHZ_HEADER = [
    "window",
    "probes overlapping it",
    "200",
    "other outcomes",
    "p50 ms",
    "p99 ms",
    "max ms",
]


# --------------------------------------------------------------------------- raw HTTP (asyncio)


SESSION_BODY = {"title": "Attack load", "prompts": ["What is on your mind?"], "turn_seconds": 30}


async def create_sessions(
    port: int, count: int, cookie: str | None, source: str = HOST
) -> list[dict]:
    conn = KeepAlive(port, source, cookie)
    made = []
    try:
        for _ in range(count):
            status, _, body = await conn.json("POST", "/api/sessions", SESSION_BODY)
            if status != 201:
                raise RuntimeError(f"creating a session answered {status}: {body}")
            made.append(body)
    finally:
        await conn.close()
    return made


async def join_people(
    port: int, codes: list[str], parallel: int, source: str = HOST
) -> tuple[list[tuple[str, str]], Counter, float]:
    """Join one person per entry of ``codes``: ([(code, token)], statuses, seconds)."""
    todo = list(enumerate(codes))
    joined: list[tuple[str, str] | None] = [None] * len(codes)
    statuses: Counter = Counter()
    began = time.monotonic()

    async def worker() -> None:
        conn = KeepAlive(port, source)
        try:
            while todo:
                i, code = todo.pop()
                try:
                    status, _, body = await conn.json(
                        "POST", f"/api/sessions/{code}/join", {"name": f"P{i}"}
                    )
                except Exception as error:  # noqa: BLE001
                    statuses[type(error).__name__] += 1
                    continue
                statuses[status] += 1
                if status == 201:
                    joined[i] = (code, body["token"])
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(parallel)))
    return [j for j in joined if j], statuses, time.monotonic() - began


# --------------------------------------------------------------------------- websocket screens


class Screen:
    """A Socket.IO v4 client over a raw websocket, as light as it can be: it answers pings,
    counts the events it is sent, and can call an event and wait for its acknowledgement."""

    def __init__(self, port: int, source: str | None, auth: dict):
        self.port, self.source, self.auth = port, source, auth
        self.reader = self.writer = None
        self.events = 0
        self.pings = 0
        self.closed_by: str | None = None
        self.acks: dict[int, asyncio.Future] = {}
        self.next_ack = 0
        self.task: asyncio.Task | None = None
        self.refusal: dict | None = None

    async def connect(self, timeout: float) -> str:
        """'connected', 'refused:<error>' or 'failed:<what>'; on success a reader runs on."""
        try:
            return await asyncio.wait_for(self._connect(), timeout)
        except TimeoutError:
            await self.close()
            return "failed:timeout"
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            await self.close()
            return f"failed:{type(error).__name__}"

    async def _connect(self) -> str:
        self.reader, self.writer = await open_conn(self.port, self.source)
        key = base64.b64encode(os.urandom(16)).decode()
        self.writer.write(
            f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        status, _ = await read_head(self.reader)
        if status != 101:
            await self.close()
            return f"failed:http {status}"
        opening = await self._text()
        if opening is None or not opening.startswith("0"):
            await self.close()
            return "failed:no open packet"
        self.send("40" + json.dumps(self.auth))
        while True:
            message = await self._text()
            if message is None:
                await self.close()
                return "failed:closed before connect"
            if message == "2":
                self.send("3")
            elif message.startswith("42"):
                self.events += 1  # sent from the connect handler, before the connect packet
            elif message.startswith("40"):
                self.task = asyncio.ensure_future(self._read())
                return "connected"
            elif message.startswith("44"):
                try:
                    self.refusal = json.loads(message[2:])
                    reason = (self.refusal.get("data") or {}).get("error", "?")
                except (ValueError, AttributeError):
                    reason = "?"
                await self.close()
                return f"refused:{reason}"

    def send(self, text: str) -> None:
        if self.writer is not None and not self.writer.is_closing():
            self.writer.write(frame(1, text.encode()))

    async def frame(self) -> tuple[int, bytes]:
        parts, first = [], None
        while True:
            b0, b1 = await self.reader.readexactly(2)
            opcode, size = b0 & 0x0F, b1 & 0x7F
            if size == 126:
                size = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            key = await self.reader.readexactly(4) if b1 & 0x80 else None
            data = await self.reader.readexactly(size) if size else b""
            if key:
                data = mask(data, key)
            if opcode >= 8:
                return opcode, data
            first = opcode if first is None else first
            parts.append(data)
            if b0 & 0x80:
                return first, b"".join(parts)

    async def _text(self) -> str | None:
        """The next text message; None when the server closed the websocket."""
        while True:
            opcode, data = await self.frame()
            if opcode == 8:
                return None
            if opcode == 9:
                self.writer.write(frame(10, data))
            elif opcode == 1:
                return data.decode("utf-8", "replace")

    async def _read(self) -> None:
        try:
            while True:
                message = await self._text()
                if message is None:
                    self.closed_by = "server closed the websocket"
                    break
                if message == "2":
                    self.pings += 1
                    self.send("3")
                elif message.startswith("42"):
                    self.events += 1
                elif message.startswith("43"):
                    found = re.match(r"43(\d+)", message)
                    future = self.acks.pop(int(found.group(1)), None) if found else None
                    if future and not future.done():
                        future.set_result(json.loads(message[found.end() :]))
                elif message.startswith("41") or message == "1":
                    self.closed_by = "server disconnected the client"
                    break
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            self.closed_by = "connection ended"
        except asyncio.CancelledError:
            pass

    async def call(self, event: str, data: dict, timeout: float) -> object:
        """Emit an event with an acknowledgement and return the reply (None if none came)."""
        if self.closed_by or self.writer is None:
            return None
        ack = self.next_ack
        self.next_ack += 1
        future = asyncio.get_running_loop().create_future()
        self.acks[ack] = future
        self.send(f"42{ack}" + json.dumps([event, data]))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            self.acks.pop(ack, None)
            return None

    def hang_up(self) -> None:
        """Drop the connection without a goodbye, as a lost network does."""
        if self.task is not None:
            self.task.cancel()
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.writer is not None:
            with contextlib.suppress(Exception):
                if not self.writer.is_closing():
                    self.writer.write(frame(8, struct.pack("!H", 1000)))
                self.writer.close()
        self.reader = self.writer = None


async def connect_screens(
    screens: list[Screen], parallel: int, timeout: float
) -> tuple[Counter, list[float], float]:
    """Connect screens, ``parallel`` at a time: (outcomes, seconds each, seconds in all)."""
    outcomes: Counter = Counter()
    took: list[float] = []
    gate = asyncio.Semaphore(parallel)
    began = time.monotonic()

    async def one(screen: Screen) -> None:
        async with gate:
            t = time.monotonic()
            outcome = await screen.connect(timeout)
            took.append(time.monotonic() - t)
            outcomes[outcome] += 1

    await asyncio.gather(*(one(s) for s in screens))
    return outcomes, took, time.monotonic() - began


async def clock_round(
    screens: list[Screen], parallel: int, timeout: float
) -> tuple[int, int, list[float]]:
    """Every connected screen calls ``clock``: (asked, answered ok, seconds each)."""
    gate = asyncio.Semaphore(parallel)
    took: list[float] = []
    live = [s for s in screens if s.writer is not None and not s.closed_by]

    async def one(screen: Screen) -> None:
        async with gate:
            t = time.monotonic()
            reply = await screen.call("clock", {}, timeout)
            if (
                isinstance(reply, list)
                and reply
                and isinstance(reply[0], dict)
                and reply[0].get("ok")
            ):
                took.append(time.monotonic() - t)

    await asyncio.gather(*(one(s) for s in live))
    return len(live), len(took), took


# --------------------------------------------------------------------------- idle sockets


class IdleSockets:
    """TCP connections that send nothing; notes when (and whether) the server closes each."""

    def __init__(self, port: int, sources: list[str], hold: float):
        self.port, self.sources, self.hold = port, sources, hold
        self.outcomes: list[tuple[str, float]] = []  # (what happened, seconds after opening)
        self.opened = 0
        self.failed: Counter = Counter()
        self.all_open = asyncio.Event()
        self.tasks: list[asyncio.Task] = []

    async def open(self, parallel: int = 200) -> float:
        """Open them all (``parallel`` at a time); return the seconds it took."""
        gate = asyncio.Semaphore(parallel)
        began = time.monotonic()
        ready = asyncio.Queue()

        async def one(source: str) -> None:
            async with gate:
                try:
                    reader, writer = await open_conn(self.port, source)
                except (TimeoutError, OSError) as error:
                    self.failed[type(error).__name__] += 1
                    ready.put_nowait(None)
                    return
            self.opened += 1
            opened = time.monotonic()
            ready.put_nowait(None)
            try:
                data = await asyncio.wait_for(reader.read(1), self.hold)
                what = "closed by server" if data == b"" else "server sent data"
            except TimeoutError:
                what = "still open"
            except ConnectionResetError:
                what = "reset by server"
            except asyncio.CancelledError:
                what = "still open"
            self.outcomes.append((what, time.monotonic() - opened))
            writer.close()

        self.tasks = [asyncio.ensure_future(one(s)) for s in self.sources]
        for _ in self.sources:
            await ready.get()
        return time.monotonic() - began

    async def settle(self) -> None:
        await asyncio.gather(*self.tasks, return_exceptions=True)

    def cancel(self) -> None:
        for task in self.tasks:
            task.cancel()

    def summary(self) -> list[object]:
        kinds = Counter(what for what, _ in self.outcomes)
        closed = [t for what, t in self.outcomes if what in ("closed by server", "reset by server")]
        at_once = sum(1 for t in closed if t < 1.0)
        return [
            len(self.sources),
            self.opened,
            counts(self.failed),
            counts(kinds),
            at_once,
            secs(min(closed, default=None)),
            secs(percentile(closed, 50)),
            secs(max(closed, default=None)),
        ]


IDLE_HEADER = [
    "sockets",
    "opened",
    "failed to open",
    "outcome",
    "closed < 1 s after opening",
    "closed after: min s",
    "p50 s",
    "max s",
]


# --------------------------------------------------------------------------- phases


class Phase:
    """What one phase measured, rendered as markdown whatever stage it reached."""

    def __init__(self, title: str):
        self.title = title
        self.lines: list[str] = []
        self.verdicts: list[tuple[str, bool, str]] = []

    def add(self, text: str = "") -> None:
        self.lines.append(text)

    def check(self, claim: str, holds: bool, measured: str) -> None:
        self.verdicts.append((claim, holds, measured))

    def render(self) -> str:
        out = [f"## {self.title}", ""] + self.lines
        if self.verdicts:
            out += ["", "| check | result | measured |", "|---|---|---|"]
            out += [
                f"| {c} | {'holds' if ok else '**DOES NOT HOLD**'} | {m} |"
                for c, ok, m in self.verdicts
            ]
        return "\n".join(out) + "\n"


class Usage:
    """CPU used by the server, this client and the prober over a stretch of wall time."""

    def __init__(self, server: Server, prober: Prober | None):
        self.server, self.prober = server, prober
        self.wall = time.monotonic()
        self.client = time.process_time()
        self.server_cpu = server.cpu()
        self.prober_cpu = prober.cpu() if prober else 0.0

    def row(self, label: str) -> list[object]:
        wall = time.monotonic() - self.wall
        per = lambda used: f"{used:.1f} s ({100 * used / wall:.0f}% of a core)"  # noqa: E731
        return [
            label,
            f"{wall:.1f}",
            per(self.server.cpu() - self.server_cpu),
            per(time.process_time() - self.client),
            per((self.prober.cpu() - self.prober_cpu) if self.prober else 0.0),
        ]


USAGE_HEADER = [
    "stretch",
    "wall s",
    "server CPU",
    "client CPU (asyncio, 1 thread)",
    "/healthz prober CPU",
]


def server_notes(phase: Phase, server: Server) -> None:
    kinds, first = server.problems()
    alive = "still running" if server.alive() else f"EXITED with {server.process.returncode}"
    phase.add("")
    phase.add(
        f"Server process at the end: {alive}. Its log, apart from startup lines: "
        f"{counts(kinds)}{'; first distinct lines:' if first else '.'}"
    )
    for line in first:
        phase.add(f"    {line}")
    phase.check(
        "server log has no traceback or ERROR",
        not (kinds["Traceback"] or kinds["ERROR"] or kinds["CRITICAL"]),
        counts(kinds),
    )


BODIES = {
    # name: (body sent, Content-Length announced)
    "20 KB body": (b"4" + b"x" * 20_000, 20_001),
    "Content-Length 10^9": (b"4x", 10**9),
    "'9abc'": (b"9abc", 4),
    "'2probe'": (b"2probe", 6),
    "'6'": (b"6", 1),
}


async def phase_hostile_polling(args, phase: Phase, workdir: Path) -> None:
    server = await Server(workdir, "phase1", {}).start()
    prober = Prober(server.port, args.probe_interval, args.probe_timeout).start()
    try:
        await _hostile_polling(args, phase, server, prober)
    finally:
        prober.stop()
        phase.add("")
        phase.add(
            "/healthz, one GET on a fresh connection from 127.0.0.1 every "
            f"{args.probe_interval} s (timeout {args.probe_timeout} s):"
        )
        phase.add("")
        phase.add(table(HEALTHZ_HEADER, prober.windows()))
        phase.check(
            "/healthz answered 200 every time",
            prober.failures() == 0 and bool(prober.samples),
            f"{len(prober.samples)} probes, {prober.failures()} not 200",
        )
        phase.check(
            f"/healthz never slower than {args.slo_ms} ms",
            (prober.worst() or 0) * 1000 < args.slo_ms,
            f"max {ms(prober.worst())} ms",
        )
        server.stop()
        server_notes(phase, server)


async def _hostile_polling(args, phase: Phase, server: Server, prober: Prober) -> None:
    usage = Usage(server, prober)
    phase.add(
        "Server: `LISTENING_IDLE_SECONDS` and connection limits at their defaults; hostile "
        f"clients spread over source addresses 127.0.0.2…, at most {args.per_address} each."
    )
    prober.mark("baseline (nothing else)")
    await asyncio.sleep(args.baseline)
    base_fds = server.fds()
    names = list(BODIES)
    behaviours = ("waits for the answer", "hangs up at once")
    results: dict[tuple[str, str], list] = {}
    stalls: list[tuple[str, float]] = []
    waves: list[list[object]] = []
    peak_fds = base_fds

    async def watch_fds() -> None:
        nonlocal peak_fds
        while True:
            peak_fds = max(peak_fds, server.fds())
            await asyncio.sleep(0.1)

    watcher = asyncio.ensure_future(watch_fds())
    prober.mark(f"{args.waves} attack waves (open sessions, connect, fire, answers)")
    stall_tasks: list[asyncio.Task] = []
    for wave in range(1, args.waves + 1):
        stalled = args.stalled if wave == 1 else 0
        row, tasks = await _wave(args, server, wave, stalled, results, stalls)
        stall_tasks += tasks
        waves.append(row)
        log(f"phase 1: wave {wave}: " + ", ".join(str(c) for c in row[1:]))
    after_waves_fds = server.fds()
    phase.add("")
    phase.add(
        f"{args.waves} waves, one after another. Each opens its Engine.IO polling sessions "
        "(10 keep-alive connections from 127.0.0.1), connects one socket per hostile POST, then "
        "sends every POST at once, each to its own session:"
    )
    phase.add("")
    phase.add(
        table(
            [
                "wave",
                "sessions opened",
                "open s",
                "POST sockets connected",
                "server descriptors then",
                "fired → last answer s",
            ],
            waves,
        )
    )
    rows = []
    answered = expected = 0
    for kind in names:
        for behaviour in behaviours:
            got = results.get((kind, behaviour), [])
            outcome = Counter(o for o, _ in got)
            took = [t for o, t in got if t is not None and o.isdigit()]
            if behaviour == behaviours[0]:
                expected += len(got)
                answered += len(took)
            rows.append(
                [
                    kind,
                    behaviour,
                    len(got),
                    counts(outcome),
                    ms(percentile(took, 50)),
                    ms(percentile(took, 99)),
                    ms(max(took, default=None)),
                ]
            )
    phase.add("")
    phase.add("Every hostile POST, all waves together:")
    phase.add("")
    phase.add(
        table(
            ["body", "client", "POSTs", "outcome", "answer p50 ms", "p99 ms", "max ms"],
            rows,
        )
    )
    prober.mark("after the waves (stalled POSTs still held)")
    await asyncio.gather(*stall_tasks)
    prober.mark("after everything")
    await asyncio.sleep(args.baseline)
    watcher.cancel()
    end_fds = server.fds()
    if stalls:
        kinds = Counter(w for w, _ in stalls)
        took = [t for _, t in stalls]
        phase.add("")
        phase.add(
            f"{len(stalls)} more POSTs (first wave) announced a 100-byte body, sent 1 byte and "
            f"waited (up to {args.stall_wait:g} s): {counts(kinds)}, "
            f"{secs(min(took, default=None))}–{secs(max(took, default=None))} s after sending "
            "(the server's idle limit is 30 s by default)."
        )
    phase.add("")
    phase.add(
        f"Server open descriptors: {base_fds} before, {peak_fds} at most, {after_waves_fds} "
        f"after the last wave, {end_fds} at the end."
    )
    phase.check(
        "every hostile POST that waited got an HTTP answer",
        answered == expected > 0,
        f"{answered} of {expected}",
    )
    slowest = max((t for got in results.values() for o, t in got if t and o.isdigit()), default=0)
    phase.check(
        f"…within {args.slo_ms:g} ms", slowest * 1000 < args.slo_ms, f"slowest {ms(slowest)} ms"
    )
    phase.check(
        "no connection or descriptor is held after the attack",
        end_fds <= base_fds + 5,
        f"descriptors {base_fds} before, {end_fds} after",
    )

    # A normal person still gets in.
    began = time.monotonic()
    normal = await normal_join(server.port, server.cookie)
    phase.add("")
    phase.add(f"Afterwards, a normal person: {normal} ({time.monotonic() - began:.2f} s in all).")
    phase.check(
        "a normal create, join and connect work afterwards", normal.startswith("ok"), normal
    )
    phase.add("")
    phase.add(table(USAGE_HEADER, [usage.row("phase 1")]))


async def _wave(args, server: Server, wave: int, stalled: int, results: dict, stalls: list):
    """One wave of hostile POSTs: returns its table row and the tasks of its stalled POSTs."""
    total = args.posts + stalled
    sids: list[str] = []
    began = time.monotonic()

    async def opener(n: int) -> None:
        conn = KeepAlive(server.port, HOST)
        try:
            for _ in range(n):
                status, _, body = await conn.request("GET", "/socket.io/?EIO=4&transport=polling")
                if status == 200 and body[:1] == b"0":
                    sids.append(json.loads(body[1:])["sid"])
        finally:
            await conn.close()

    await asyncio.gather(*(opener(total // 10 + (i < total % 10)) for i in range(10)))
    opened_in = time.monotonic() - began
    names = list(BODIES)
    plan = [
        (
            names[i % len(names)],
            ("waits for the answer", "hangs up at once")[(i // len(names)) % 2],
            sids[i],
        )
        for i in range(min(args.posts, len(sids)))
    ]
    stalled_sids = sids[len(plan) : len(plan) + stalled]
    sources = spread(len(plan) + len(stalled_sids), args.per_address, 2)
    fire = asyncio.Event()
    all_connected = asyncio.Event()
    state = {"connected": 0, "ready": 0}
    answered_at: list[float] = []
    waiting_for = len(plan) + len(stalled_sids)

    def ready(ok: bool) -> None:
        state["connected"] += ok
        state["ready"] += 1
        if state["ready"] >= waiting_for:
            all_connected.set()

    def head(sid: str, length: int) -> bytes:
        return (
            f"POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\n"
            f"Host: {HOST}:{server.port}\r\nContent-Type: text/plain;charset=UTF-8\r\n"
            f"Content-Length: {length}\r\n\r\n"
        ).encode()

    async def hostile(kind: str, behaviour: str, sid: str, source: str) -> None:
        got = results.setdefault((kind, behaviour), [])
        try:
            reader, writer = await open_conn(server.port, source)
        except (TimeoutError, OSError) as error:
            got.append((f"could not connect ({type(error).__name__})", None))
            ready(False)
            return
        ready(True)
        await fire.wait()
        body, length = BODIES[kind]
        sent = time.monotonic()
        try:
            writer.write(head(sid, length) + body)
            if behaviour == "hangs up at once":
                writer.close()
                got.append(("sent, hung up", None))
                return
            line = await asyncio.wait_for(reader.readline(), args.answer_timeout)
            took = time.monotonic() - sent
            answered_at.append(time.monotonic())
            if line.startswith(b"HTTP/"):
                got.append((line.split()[1].decode(), took))
            else:
                got.append(("closed without an answer", took))
        except TimeoutError:
            got.append((f"no answer within {args.answer_timeout:g} s", None))
        except (ConnectionError, OSError) as error:
            got.append((type(error).__name__, time.monotonic() - sent))
        finally:
            writer.close()

    async def stall(sid: str, source: str) -> None:
        """Announce a 100-byte body, send 1 byte, then wait to see what the server does."""
        try:
            reader, writer = await open_conn(server.port, source)
        except (TimeoutError, OSError) as error:
            stalls.append((f"could not connect ({type(error).__name__})", 0.0))
            ready(False)
            return
        ready(True)
        await fire.wait()
        sent = time.monotonic()
        writer.write(head(sid, 100) + b"4")
        try:
            data = await asyncio.wait_for(reader.read(200), args.stall_wait)
            if data.startswith(b"HTTP/"):
                what = "answered " + data.split()[1].decode()
            else:
                what = "closed by server" if data == b"" else "other bytes"
        except TimeoutError:
            what = f"still held after {args.stall_wait:g} s"
        except (ConnectionError, OSError) as error:
            what = type(error).__name__
        stalls.append((what, time.monotonic() - sent))
        writer.close()

    tasks = [
        asyncio.ensure_future(hostile(k, b, s, sources[i])) for i, (k, b, s) in enumerate(plan)
    ]
    stall_tasks = [
        asyncio.ensure_future(stall(s, sources[len(plan) + i])) for i, s in enumerate(stalled_sids)
    ]
    await asyncio.wait_for(all_connected.wait(), 60)
    held = server.fds()
    fired = time.monotonic()
    fire.set()
    await asyncio.gather(*tasks)
    last = (max(answered_at) - fired) if answered_at else None
    row = [
        wave,
        f"{len(sids)} of {total}",
        f"{opened_in:.2f}",
        state["connected"],
        held,
        secs(last),
    ]
    return row, stall_tasks


async def normal_join(port: int, cookie: str | None, source: str = HOST) -> str:
    """Create a session, join it, connect a screen and call ``clock``: 'ok: …' or what failed."""
    conn = KeepAlive(port, source, cookie)
    try:
        t = time.monotonic()
        status, _, made = await conn.json("POST", "/api/sessions", SESSION_BODY)
        if status != 201:
            return f"create answered {status}"
        created = time.monotonic() - t
        t = time.monotonic()
        status, _, joined = await conn.json(
            "POST", f"/api/sessions/{made['code']}/join", {"name": "Ada"}
        )
        if status != 201:
            return f"join answered {status}"
        join_s = time.monotonic() - t
    except Exception as error:  # noqa: BLE001
        return f"failed: {type(error).__name__}"
    finally:
        await conn.close()
    screen = Screen(port, source, {"session": made["code"], "token": joined["token"]})
    t = time.monotonic()
    outcome = await screen.connect(10)
    connect_s = time.monotonic() - t
    reply = await screen.call("clock", {}, 10) if outcome == "connected" else None
    await asyncio.sleep(0.2)
    events = screen.events
    await screen.close()
    if outcome != "connected":
        return f"connect: {outcome}"
    if not reply:
        return "connected, but clock had no reply"
    return (
        f"ok: created {ms(created)} ms, joined {ms(join_s)} ms, connected {ms(connect_s)} ms, "
        f"{events} snapshot(s) received, clock answered"
    )


async def phase_connections(args, phase: Phase, workdir: Path) -> None:
    sessions_needed = -(-(args.screens + args.late_screens) // args.per_session)
    idle_sources = spread(args.idle, args.per_address, 2)
    first_screen = int(idle_sources[-1].rsplit(".", 1)[1]) + 1 if idle_sources else 2
    screen_sources = spread(args.screens, args.per_address, first_screen)
    late_first = int(screen_sources[-1].rsplit(".", 1)[1]) + 1 if screen_sources else first_screen
    late_sources = spread(args.late_screens, args.per_address, late_first)
    exempt = sorted(
        set(["127.0.0.1", "::1"] + screen_sources + late_sources), key=lambda a: (len(a), a)
    )
    env = {
        "LISTENING_IDLE_SECONDS": str(args.idle_seconds),
        "LISTENING_LIMIT_EXEMPT": ",".join(exempt),
    }
    if args.per_session > 200:
        env["LISTENING_MAX_PEOPLE"] = str(args.per_session)
    server = await Server(workdir, "phase2", env).start()
    prober = Prober(server.port, args.probe_interval, args.probe_timeout).start()
    phase.add(
        f"Server: `LISTENING_IDLE_SECONDS={args.idle_seconds}`, "
        "`LISTENING_MAX_CONNECTIONS` and `LISTENING_CONNECTIONS_PER_ADDRESS` at their "
        f"defaults; screens' addresses exempt from the rate limits (phase 3 tests those). "
        f"Idle sockets from {idle_sources[0] if idle_sources else '–'}…"
        f"{idle_sources[-1] if idle_sources else '–'}, screens from "
        f"{screen_sources[0] if screen_sources else '–'}…"
        f"{screen_sources[-1] if screen_sources else '–'}, at most {args.per_address} "
        "connections per address."
    )
    screens: list[Screen] = []
    batches: list[IdleSockets] = []
    try:
        await _connections(
            args,
            phase,
            server,
            prober,
            sessions_needed,
            idle_sources,
            screen_sources,
            late_sources,
            screens,
            batches,
        )
    finally:
        for batch in batches:
            batch.cancel()
        for screen in screens:
            await screen.close()
        prober.stop()
        phase.add("")
        phase.add(
            "/healthz, one GET on a fresh connection from 127.0.0.1 every "
            f"{args.probe_interval} s (timeout {args.probe_timeout} s):"
        )
        phase.add("")
        phase.add(table(HEALTHZ_HEADER, prober.windows()))
        phase.check(
            "/healthz answered 200 every time",
            prober.failures() == 0 and bool(prober.samples),
            f"{len(prober.samples)} probes, {prober.failures()} not 200",
        )
        for what, prefixes in (
            ("during set-up (sessions and joins)", ("creating",)),
            ("while idle sockets and screens connect and sit (A, B)", ("A:", "B:")),
            ("while every screen hangs up at once (C)", ("C: all",)),
        ):
            worst = prober.worst(*prefixes)
            phase.check(
                f"/healthz never slower than {args.slo_ms:g} ms {what}",
                worst is not None and worst * 1000 < args.slo_ms,
                f"max {ms(worst)} ms",
            )
        server.stop()
        server_notes(phase, server)


async def _connections(
    args,
    phase,
    server,
    prober,
    sessions_needed,
    idle_sources,
    screen_sources,
    late_sources,
    screens,
    batches,
) -> None:
    usage = Usage(server, prober)
    usages = []
    prober.mark("baseline")
    await asyncio.sleep(args.baseline)
    base_fds = server.fds()
    base_rss = server.status().get("VmRSS", 0)

    prober.mark("creating sessions, joining people")
    stretch = Usage(server, prober)
    made = await create_sessions(server.port, sessions_needed, server.cookie)
    codes = [made[i // args.per_session]["code"] for i in range(args.screens + args.late_screens)]
    people, statuses, join_s = await join_people(server.port, codes, 8)
    phase.add("")
    phase.add(
        f"Set-up: {len(made)} sessions, {len(people)} people joined ({counts(statuses)}) "
        f"in {join_s:.1f} s ({len(codes) / join_s:.0f} joins/s over 8 keep-alive "
        "connections)."
    )
    usages.append(stretch.row("set-up (joins)"))
    log(f"phase 2: {len(people)} people joined in {join_s:.1f} s")
    if len(people) < len(codes):
        raise RuntimeError(f"only {len(people)} of {len(codes)} people could join")

    main_people, late_people = people[: args.screens], people[args.screens :]
    screens.extend(
        Screen(server.port, screen_sources[i], {"session": c, "token": t})
        for i, (c, t) in enumerate(main_people)
    )
    late = [
        Screen(server.port, late_sources[i], {"session": c, "token": t})
        for i, (c, t) in enumerate(late_people)
    ]

    # A: idle sockets first, then every screen connects while they sit there.
    hold = args.idle_seconds + args.idle_grace
    first_batch = IdleSockets(server.port, idle_sources, hold)
    batches.append(first_batch)
    prober.mark("A: idle sockets opening")
    opened_s = await first_batch.open()
    log(f"phase 2: {first_batch.opened} idle sockets open in {opened_s:.1f} s; connecting screens")
    prober.mark("A: screens connecting (idle sockets open)")
    stretch = Usage(server, prober)
    peak = {"fds": server.fds(), "rss": 0}

    async def watch() -> None:
        while True:
            peak["fds"] = max(peak["fds"], server.fds())
            peak["rss"] = max(peak["rss"], server.status().get("VmRSS", 0))
            await asyncio.sleep(0.5)

    watcher = asyncio.ensure_future(watch())
    idle_open_at_start = first_batch.opened - len(first_batch.outcomes)
    outcomes, took, connect_s = await connect_screens(
        screens, args.connect_parallel, args.connect_timeout
    )
    usages.append(stretch.row("A: screens connecting"))
    connected = outcomes.get("connected", 0)
    log(f"phase 2: {connected} of {len(screens)} screens connected in {connect_s:.1f} s")
    phase.add("")
    phase.add(
        f"**A.** {first_batch.opened} idle sockets opened in {opened_s:.1f} s, then "
        f"{len(screens)} screens connected {args.connect_parallel} at a time "
        f"({idle_open_at_start} idle sockets still open when they began): {counts(outcomes)} "
        f"in {connect_s:.1f} s ({len(screens) / connect_s:.0f}/s); connect took "
        f"p50 {ms(percentile(took, 50))} ms, p99 {ms(percentile(took, 99))} ms, "
        f"max {ms(max(took, default=None))} ms (websocket handshake to Socket.IO `40`)."
    )
    phase.check(
        f"all {len(screens)} screens connected",
        connected == len(screens),
        f"{connected} of {len(screens)}",
    )
    prober.mark("A: waiting for idle sockets to be dropped")
    await first_batch.settle()

    # B: a second batch of idle sockets while every screen is connected.
    second_batch = IdleSockets(server.port, idle_sources, hold)
    batches.append(second_batch)
    prober.mark("B: idle sockets opening (screens connected)")
    opened2_s = await second_batch.open()
    prober.mark(f"B: {second_batch.opened} idle + {connected} screens open")
    stretch = Usage(server, prober)
    open_fds = server.fds()
    open_rss = server.status().get("VmRSS", 0)
    asked, answered, clock_took = await clock_round(screens, args.connect_parallel * 4, 15)
    late_outcomes, late_took, late_s = await connect_screens(
        late, args.connect_parallel, args.connect_timeout
    )
    screens.extend(late)
    usages.append(stretch.row("B: clock round + late screens"))
    idle_when_late = second_batch.opened - len(second_batch.outcomes)
    prober.mark("B: waiting for idle sockets to be dropped")
    await second_batch.settle()
    quiet_from = time.monotonic()
    await asyncio.sleep(max(0.0, args.idle_seconds + 2 - (time.monotonic() - quiet_from)))
    quiet = time.monotonic() - quiet_from
    prober.mark("B: after the idle sockets were dropped")
    asked2, answered2, clock_took2 = await clock_round(screens, args.connect_parallel * 4, 15)
    closed = Counter(s.closed_by for s in screens if s.closed_by)
    events = sum(s.events for s in screens)
    status = server.status()

    # C: every screen hangs up at once, as when a building's network drops.
    prober.mark(f"C: all {len(screens)} screens hang up at once, server lets go")
    stretch = Usage(server, prober)
    hung = time.monotonic()
    for screen in screens:
        screen.hang_up()
    while server.fds() > base_fds + 5 and time.monotonic() - hung < args.drain_limit:
        await asyncio.sleep(0.05)
    released_s, released_fds = time.monotonic() - hung, server.fds()
    usages.append(stretch.row("C: screens hang up"))
    prober.mark("C: after")
    await asyncio.sleep(args.baseline)
    watcher.cancel()
    log(f"phase 2: server let go of the screens in {released_s:.1f} s")
    phase.add("")
    phase.add(
        f"**B.** With every screen connected, {second_batch.opened} idle sockets opened "
        f"again in {opened2_s:.1f} s. Then, with {idle_when_late} idle sockets and "
        f"{asked} screens open (server descriptors {open_fds}): `clock` answered on "
        f"{answered} of {asked} screens (p50 {ms(percentile(clock_took, 50))} ms, max "
        f"{ms(max(clock_took, default=None))} ms), and {len(late)} more screens connected: "
        f"{counts(late_outcomes)} in {late_s:.1f} s (max {ms(max(late_took, default=None))} ms)."
    )
    phase.add(
        f"After the idle sockets were dropped and {quiet:.1f} s with no client traffic "
        f"(longer than `LISTENING_IDLE_SECONDS`), `clock` answered on {answered2} of "
        f"{asked2} open screens. Screens the server closed during the phase: "
        f"{counts(closed)}. Events (snapshots) delivered to screens: {events}."
    )
    phase.add("")
    phase.add(
        "Idle sockets (sent nothing; watched for up to "
        f"`LISTENING_IDLE_SECONDS` + {args.idle_grace:g} s = {hold:g} s):"
    )
    phase.add("")
    phase.add(
        table(
            ["batch"] + IDLE_HEADER,
            [
                ["A (before screens)"] + first_batch.summary(),
                ["B (screens connected)"] + second_batch.summary(),
            ],
        )
    )
    phase.add("")
    phase.add(
        f"Server memory: RSS {base_rss / 1024:.0f} MB at the start, "
        f"{open_rss / 1024:.0f} MB with {second_batch.opened} idle + {asked} screens open, "
        f"{peak['rss'] / 1024:.0f} MB at most while sampled, peak (VmHWM) "
        f"{status.get('VmHWM', 0) / 1024:.0f} MB. Open descriptors: {base_fds} at the start, "
        f"{peak['fds']} at most."
    )
    for batch, name in ((first_batch, "A"), (second_batch, "B")):
        dropped = [t for w, t in batch.outcomes if w in ("closed by server", "reset by server")]
        in_time = [t for t in dropped if args.idle_seconds - 1 <= t <= args.idle_seconds + 5]
        phase.check(
            f"batch {name}: every idle socket opened and was dropped "
            f"{args.idle_seconds:g}–{args.idle_seconds + 5:g} s after opening",
            len(in_time) == len(batch.sources),
            f"{len(in_time)} of {len(batch.sources)} (dropped at all: {len(dropped)})",
        )
    phase.check(
        f"late screens connect with ~{second_batch.opened + asked} connections open",
        late_outcomes.get("connected", 0) == len(late),
        f"{late_outcomes.get('connected', 0)} of {len(late)}",
    )
    phase.check(
        "every screen answers `clock` after a quiet spell longer than the idle limit",
        answered2 == asked2 == len(screens) and not closed,
        f"{answered2} of {len(screens)}; closed by server: {sum(closed.values())}",
    )
    phase.add("")
    phase.add(
        f"**C.** Every screen hung up at once (TCP close, no goodbye): the server's open "
        f"descriptors were back to {released_fds} (from {open_fds}) {released_s:.1f} s later"
        f"{'' if released_fds <= base_fds + 5 else ' (still above the start: gave up waiting)'}."
        " /healthz meanwhile: the window C rows below."
    )
    phase.add("")
    phase.add(table(USAGE_HEADER, usages + [usage.row("whole phase 2")]))


def _expected(limit: str) -> int:
    """The count in a limit such as '20 per hour' or '60/minute'."""
    found = re.match(r"\s*(\d+)", limit)
    return int(found.group(1)) if found else -1


def server_defaults() -> dict[str, str]:
    """The limits a server started with no settings uses, as the server's own code says."""
    code = (
        "from listening.config import Config as C; import json; print(json.dumps({"
        "'create': C.LIMIT_CREATE, 'join': C.LIMIT_JOIN, 'connect': C.LIMIT_CONNECT, "
        "'max_people': C.MAX_PEOPLE}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=BASE_ENV,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(out.stdout)


async def phase_rate_limits(args, phase: Phase, workdir: Path) -> None:
    defaults = server_defaults()
    server = await Server(workdir, "phase3", {"LISTENING_LIMIT_EXEMPT": ""}).start()
    prober = Prober(
        server.port, args.probe_interval, args.probe_timeout, source=args.prober_source
    ).start()
    phase.add(
        f'Server: `LISTENING_LIMIT_EXEMPT=""` (loopback is limited too), every limit at '
        f"its default: create `{defaults['create']}`, join `{defaults['join']}`, connect "
        f"`{defaults['connect']}`. /healthz probed from {args.prober_source}."
    )
    try:
        await _rate_limits(args, phase, server, prober, defaults)
    finally:
        prober.stop()
        phase.add("")
        phase.add(
            f"/healthz, one GET on a fresh connection from {args.prober_source} every "
            f"{args.probe_interval} s (timeout {args.probe_timeout} s):"
        )
        phase.add("")
        phase.add(table(HEALTHZ_HEADER, prober.windows()))
        phase.check(
            "/healthz answered 200 every time",
            prober.failures() == 0 and bool(prober.samples),
            f"{len(prober.samples)} probes, {prober.failures()} not 200",
        )
        phase.check(
            f"/healthz never slower than {args.slo_ms} ms",
            (prober.worst() or 0) * 1000 < args.slo_ms,
            f"max {ms(prober.worst())} ms",
        )
        server.stop()
        server_notes(phase, server)


async def bulk(
    port: int,
    source: str,
    count: int,
    parallel: int,
    limit_s: float,
    method: str,
    path: str,
    payload: dict,
    cookie: str | None = None,
) -> dict:
    """Send ``count`` requests over ``parallel`` keep-alive connections, within ``limit_s``."""
    statuses: Counter = Counter()
    retry_after: Counter = Counter()
    took: list[float] = []
    bodies: list[dict] = []
    left = [count]
    stop_at = time.monotonic() + limit_s

    async def worker() -> None:
        conn = KeepAlive(port, source, cookie)
        try:
            while left[0] > 0 and time.monotonic() < stop_at:
                left[0] -= 1
                t = time.monotonic()
                try:
                    status, headers, body = await conn.json(method, path, payload)
                except Exception as error:  # noqa: BLE001
                    statuses[type(error).__name__] += 1
                    continue
                took.append(time.monotonic() - t)
                statuses[status] += 1
                if status == 429:
                    retry_after[
                        "Retry-After: " + headers["retry-after"]
                        if "retry-after" in headers
                        else "no Retry-After"
                    ] += 1
                elif status in (200, 201):
                    bodies.append(body)
        finally:
            await conn.close()

    began = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(parallel)))
    wall = time.monotonic() - began
    return {
        "statuses": statuses,
        "retry_after": retry_after,
        "took": took,
        "wall": wall,
        "sent": sum(statuses.values()),
        "bodies": bodies,
    }


def bulk_line(what: str, result: dict) -> str:
    took, retry = result["took"], result["retry_after"]
    values = sorted(
        int(k.split(": ")[1])
        for k in retry
        if k.startswith("Retry-After: ") and k.split(": ")[1].isdigit()
    )
    carried = sum(retry.values()) - retry.get("no Retry-After", 0)
    said = f"Retry-After {values[0]}–{values[-1]} s" if values else "no Retry-After values"
    return (
        f"{what}: {result['sent']} sent in {result['wall']:.2f} s "
        f"({result['sent'] / result['wall']:.0f} requests/s); answers "
        f"{counts(result['statuses'])}; of the 429s, {carried} "
        f"carried Retry-After ({said}); latency p50 {ms(percentile(took, 50))} ms, "
        f"p99 {ms(percentile(took, 99))} ms, max {ms(max(took, default=None))} ms."
    )


async def _rate_limits(args, phase: Phase, server: Server, prober: Prober, defaults) -> None:
    usage = Usage(server, prober)
    prober.mark("baseline")
    await asyncio.sleep(args.baseline)

    # Creating sessions from one address.
    prober.mark(f"{args.creates} creates from 127.0.0.1")
    stretch = Usage(server, prober)
    created = await bulk(
        server.port,
        HOST,
        args.creates,
        args.bulk_parallel,
        args.bulk_limit,
        "POST",
        "/api/sessions",
        SESSION_BODY,
        server.cookie,
    )
    create_usage = stretch.row("creates")
    log(f"phase 3: creates {counts(created['statuses'])} in {created['wall']:.1f} s")
    expect_create = _expected(defaults["create"])
    phase.add("")
    phase.add(
        bulk_line(
            f"**Creates** from 127.0.0.1 ({args.bulk_parallel} keep-alive "
            "connections, as fast as they go)",
            created,
        )
    )
    no_retry = created["retry_after"].get("no Retry-After", 0)
    phase.check(
        f"creates from one address: exactly {expect_create} succeed",
        created["statuses"].get(201, 0) == expect_create,
        f"{created['statuses'].get(201, 0)} × 201 of {created['sent']}",
    )
    phase.check(
        "every other create gets 429 with Retry-After",
        created["statuses"].get(429, 0) == created["sent"] - expect_create and not no_retry,
        f"{created['statuses'].get(429, 0)} × 429, {no_retry} without Retry-After",
    )
    phase.check(
        f"all {args.creates} requests were sent within {args.bulk_limit:g} s",
        created["sent"] == args.creates,
        f"{created['sent']} in {created['wall']:.1f} s",
    )
    took, status = healthz_once(server.port, HOST, args.probe_timeout)
    phase.add(f"/healthz from 127.0.0.1 right after: {status} in {ms(took)} ms.")

    # Joining one session from one address.
    prober.mark(f"{args.joins} joins from 127.0.0.1")
    sessions = created["bodies"]
    if not sessions:
        phase.add("No session was created, so the join and connect steps cannot run.")
        return
    code = sessions[0]["code"]
    joined = await bulk(
        server.port,
        HOST,
        args.joins,
        10,
        args.bulk_limit,
        "POST",
        f"/api/sessions/{code}/join",
        {"name": "Flood"},
    )
    expect_join = _expected(defaults["join"])
    phase.add("")
    phase.add(bulk_line("**Joins** of one session from 127.0.0.1 (10 connections)", joined))
    no_retry = joined["retry_after"].get("no Retry-After", 0)
    phase.check(
        f"joins from one address: exactly {expect_join} get in",
        joined["statuses"].get(201, 0) == expect_join,
        f"{joined['statuses'].get(201, 0)} × 201 of {joined['sent']}",
    )
    phase.check(
        "every other join gets 429 with Retry-After",
        joined["statuses"].get(429, 0) == joined["sent"] - expect_join and not no_retry,
        f"{joined['statuses'].get(429, 0)} × 429, {no_retry} without Retry-After",
    )

    # Other addresses are not affected.
    prober.mark("other addresses")
    other = {}
    for source in ("127.0.0.2",):
        conn = KeepAlive(server.port, source, server.cookie)
        try:
            other["join"] = await conn.json(
                "POST", f"/api/sessions/{code}/join", {"name": "Neighbour"}
            )
            other["create"] = await conn.json("POST", "/api/sessions", SESSION_BODY)
        finally:
            await conn.close()
    join_status, create_status = other["join"][0], other["create"][0]
    phase.add(
        f"From 127.0.0.2 at the same moment: join answered {join_status}, "
        f"create answered {create_status}."
    )
    phase.check("another address can still join", join_status == 201, str(join_status))
    phase.check("another address can still create", create_status == 201, str(create_status))

    # Live connections from one address.
    if args.connects:
        prober.mark(f"{args.connects} connects from 127.0.0.3")
        conn = KeepAlive(server.port, "127.0.0.3")
        try:
            status, _, person = await conn.json(
                "POST", f"/api/sessions/{code}/join", {"name": "Screens"}
            )
        finally:
            await conn.close()
        outcomes: Counter = Counter()
        gate = asyncio.Semaphore(20)
        began = time.monotonic()

        async def one() -> None:
            async with gate:
                screen = Screen(
                    server.port, "127.0.0.3", {"session": code, "token": person["token"]}
                )
                outcomes[await screen.connect(args.connect_timeout)] += 1
                await screen.close()

        await asyncio.gather(*(one() for _ in range(args.connects)))
        wall = time.monotonic() - began
        expect_connect = _expected(defaults["connect"])
        fresh = Screen(server.port, "127.0.0.4", {"session": code, "token": person["token"]})
        other_outcome = await fresh.connect(args.connect_timeout)
        await fresh.close()
        phase.add("")
        phase.add(
            f"**Connects**: {args.connects} Socket.IO connections, one after another "
            f"(20 at a time), from 127.0.0.3 with one valid token: {counts(outcomes)} in "
            f"{wall:.1f} s. The same token from 127.0.0.4 right after: {other_outcome}."
        )
        phase.check(
            f"connects from one address: exactly {expect_connect} accepted",
            outcomes.get("connected", 0) == expect_connect,
            f"{outcomes.get('connected', 0)} of {args.connects}",
        )
        phase.check(
            "the rest are refused as rate_limited",
            outcomes.get("refused:rate_limited", 0) == args.connects - expect_connect,
            counts(outcomes),
        )
        phase.check(
            "another address can still connect", other_outcome == "connected", other_outcome
        )
    prober.mark("after")
    await asyncio.sleep(args.baseline)
    phase.add("")
    phase.add(table(USAGE_HEADER, [create_usage, usage.row("whole phase 3")]))


PHASES = {
    "1": ("Phase 1: hostile long-polling (item 1)", phase_hostile_polling),
    "2": ("Phase 2: idle sockets and websocket screens (item 2)", phase_connections),
    "3": ("Phase 3: rate limits from one address (item 9)", phase_rate_limits),
}


# --------------------------------------------------------------------------- running it all


def stop_everything() -> None:
    for prober in PROBERS:
        with contextlib.suppress(Exception):
            prober.stop_event.set()
            if prober.process.is_alive():
                prober.process.kill()
    for server in RUNNING:
        with contextlib.suppress(Exception):
            server.stop()


def watchdog(limit: float, report: list[Phase]) -> None:
    """Stop the whole run, whatever it is doing, a little after the time limit."""
    time.sleep(limit + 30)
    print(
        f"\n**The run passed its time limit of {limit:g} s; stopped by the watchdog.**\n",
        flush=True,
    )
    for phase in report:
        print(phase.render(), flush=True)
    stop_everything()
    os._exit(3)


def options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/attack_load.py",
        description="Bounded attack load against fresh `listening serve` processes (eventlet): "
        "hostile long-polling (phase 1), idle sockets plus thousands of websocket screens "
        "(phase 2) and per-address rate limits (phase 3). Prints a markdown report.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    general = parser.add_argument_group("the run")
    general.add_argument(
        "--phases", default="1,2,3", help="which phases to run, comma-separated, in this order"
    )
    general.add_argument(
        "--time-limit",
        type=float,
        default=600,
        help="hard limit for the whole run in seconds; phases that have not "
        "started by then are skipped, and a watchdog ends the run 30 s after it",
    )
    general.add_argument(
        "--phase-limit",
        type=float,
        default=240,
        help="the most seconds any one phase may take before it is cut short",
    )
    general.add_argument(
        "--per-address",
        type=int,
        default=400,
        help="the most connections the client opens from one loopback source "
        "address (127.0.0.2, .3, ...); keep it under the server's "
        "LISTENING_CONNECTIONS_PER_ADDRESS (500)",
    )
    general.add_argument(
        "--probe-interval",
        type=float,
        default=0.05,
        help="seconds between /healthz probes (each on a fresh connection)",
    )
    general.add_argument(
        "--probe-timeout",
        type=float,
        default=10,
        help="a /healthz probe that takes longer counts as failed",
    )
    general.add_argument(
        "--slo-ms",
        type=float,
        default=1000,
        help="the slowest /healthz answer (and, in phase 1, hostile POST answer) a check accepts",
    )
    general.add_argument(
        "--baseline",
        type=float,
        default=3,
        help="seconds of quiet probing before and after each phase's load",
    )
    general.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary folder with the servers' logs and databases",
    )
    one = parser.add_argument_group("phase 1: hostile long-polling")
    one.add_argument(
        "--waves", type=int, default=5, help="attack waves, one after another, of --posts each"
    )
    one.add_argument(
        "--posts",
        type=int,
        default=1000,
        help="hostile POSTs, each to its own Engine.IO polling session, sent together",
    )
    one.add_argument(
        "--stalled",
        type=int,
        default=100,
        help="extra POSTs in the first wave that announce 100 bytes, send 1 and wait",
    )
    one.add_argument(
        "--answer-timeout",
        type=float,
        default=20,
        help="seconds a hostile POST that waits gives the server to answer",
    )
    one.add_argument(
        "--stall-wait",
        type=float,
        default=45,
        help="seconds a stalled POST waits to see the server drop it",
    )
    two = parser.add_argument_group("phase 2: connections")
    two.add_argument("--idle", type=int, default=1000, help="idle TCP sockets (sending nothing)")
    two.add_argument(
        "--screens",
        type=int,
        default=2000,
        help="authenticated Socket.IO websocket screens, one person each",
    )
    two.add_argument(
        "--late-screens",
        type=int,
        default=50,
        help="screens connected later, while idle sockets and screens are all open",
    )
    two.add_argument(
        "--per-session",
        type=int,
        default=200,
        help="people per session (over 200 raises LISTENING_MAX_PEOPLE)",
    )
    two.add_argument(
        "--idle-seconds",
        type=float,
        default=10,
        help="the server's LISTENING_IDLE_SECONDS in this phase",
    )
    two.add_argument(
        "--idle-grace",
        type=float,
        default=15,
        help="how long past the idle limit an idle socket is watched",
    )
    two.add_argument("--connect-parallel", type=int, default=50, help="screens connecting at once")
    two.add_argument(
        "--drain-limit",
        type=float,
        default=60,
        help="seconds to wait for the server to let go of every screen after they all hang up",
    )
    two.add_argument(
        "--connect-timeout", type=float, default=30, help="seconds a screen may take to connect"
    )
    three = parser.add_argument_group("phase 3: rate limits")
    three.add_argument(
        "--creates", type=int, default=5000, help="POST /api/sessions from one address"
    )
    three.add_argument(
        "--joins", type=int, default=200, help="joins of one session from one address"
    )
    three.add_argument(
        "--connects",
        type=int,
        default=320,
        help="Socket.IO connections from one address (0 skips this step)",
    )
    three.add_argument(
        "--bulk-parallel",
        type=int,
        default=20,
        help="keep-alive connections the creates are spread over",
    )
    three.add_argument(
        "--bulk-limit",
        type=float,
        default=90,
        help="seconds the creates (and the joins) may take before the rest are not sent",
    )
    three.add_argument(
        "--prober-source",
        default="127.0.0.9",
        help="source address of the /healthz prober in phase 3 (its own, so "
        "the limits counted for 127.0.0.1 are not disturbed)",
    )
    args = parser.parse_args(argv)
    unknown = set(args.phases.split(",")) - set(PHASES)
    if unknown:
        parser.error(f"unknown phase(s): {', '.join(sorted(unknown))}; choose from 1, 2, 3")
    return args


async def run(args, report: list[Phase], workdir: Path, deadline: float) -> None:
    for key in args.phases.split(","):
        title, body = PHASES[key]
        phase = Phase(title)
        report.append(phase)
        left = deadline - time.monotonic()
        if left < 30:
            phase.add(f"Skipped: only {left:.0f} s of the time limit were left.")
            continue
        budget = min(args.phase_limit, left - 10)
        began = time.monotonic()
        log(f"{title}: starting (at most {budget:.0f} s)")
        try:
            await asyncio.wait_for(body(args, phase, workdir), budget)
        except TimeoutError:
            phase.add(f"\n**Cut short: the phase passed its limit of {budget:.0f} s.**")
            phase.check("phase finished within its limit", False, f"{budget:.0f} s")
        except Exception as error:  # noqa: BLE001 - report and go on to the next phase
            phase.add(f"\n**The phase failed: {type(error).__name__}: {error}**")
            phase.check("phase ran to the end", False, f"{type(error).__name__}")
        finally:
            for server in RUNNING:
                server.stop()
        phase.add(f"\nPhase took {time.monotonic() - began:.1f} s.")
        log(f"{title}: done in {time.monotonic() - began:.1f} s")


def main(argv: list[str] | None = None) -> int:
    args = options(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    deadline = START + args.time_limit
    report: list[Phase] = []
    threading.Thread(target=watchdog, args=(args.time_limit, report), daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: (stop_everything(), os._exit(143)))
    workdir = Path(tempfile.mkdtemp(prefix="attack-load-"))
    began = time.monotonic()
    load_before = os.getloadavg()[0]
    try:
        asyncio.run(run(args, report, workdir, deadline))
    except KeyboardInterrupt:
        report.append(Phase("Interrupted"))
    finally:
        stop_everything()
    try:
        eventlet_version = importlib.metadata.version("eventlet")
    except importlib.metadata.PackageNotFoundError:
        eventlet_version = "?"
    print("# Attack load\n")
    print(
        f"{time.strftime('%Y-%m-%d %H:%M:%S')}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, eventlet {eventlet_version}, open-file limit "
        f"{resource.getrlimit(resource.RLIMIT_NOFILE)[0]}, git "
        f"{git_revision()}. Server and client share the machine over loopback; 1-minute "
        f"load average {load_before:.2f} before the run (other programs' load skews the "
        "figures).\n"
    )
    failed = 0
    for phase in report:
        print(phase.render())
        failed += sum(1 for _, ok, _ in phase.verdicts if not ok)
    total = sum(len(p.verdicts) for p in report)
    print(
        f"**{total - failed} of {total} checks hold.** Whole run: {time.monotonic() - began:.1f} s."
    )
    if args.keep:
        print(f"\nServer logs and databases kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


def git_revision() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            text=True,
            capture_output=True,
            timeout=10,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, text=True, capture_output=True, timeout=10
        ).stdout.strip()
        return out.stdout.strip() + (" (with uncommitted changes)" if dirty else "")
    except Exception:  # noqa: BLE001
        return "?"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
