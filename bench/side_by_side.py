"""Side by side: the app and a bare python-socketio server, at the same client counts.

For each async mode (eventlet, gevent, threading) and each client count, in one sitting:

1. **the app**: a fresh ``python -m listening serve --async-mode MODE`` with a fresh temporary
   SQLite database (``LISTENING_ALLOW_SHORT_TURNS=1``, ``LISTENING_RATE_LIMITS=off``,
   ``LISTENING_MAX_PEOPLE=200``). Sessions of 200 are created over HTTP (by a coordinator
   account made with ``python -m listening create-coordinator`` and signed in once), each host's
   screen connects, then a join storm (``--join-rate`` joins a second, spread over the sessions)
   joins everyone over HTTP, each person's screen connecting as soon as their join is answered,
   as a browser does. When every host's lobby shows everyone connected, every screen measures
   its clock offset with ``clock`` round trips, the hosts send ``start``, and the session runs
   with short turns: simulated speakers press ``finish`` (with the ``step`` they saw) at a
   random point inside their turn (``--press-window`` of it), or let the time run out
   (``1 - --press-share`` of turns), until every room is closed.
2. **the bare server** (``bench/bare_server.py``): a plain python-socketio server in the same
   async mode, served the way Flask-SocketIO serves that mode, with the same number of
   websocket screens connecting at the same rate, grouped into rooms of 8, sent one ~0.5 kB
   ``room`` event per room every 1-2 s with a deadline it keeps exactly. Same client code.

Everything goes through the public protocol only (HTTP create and join; Socket.IO over a raw
websocket with ``auth``; the ``lobby``, ``console``, ``room`` events; ``clock``, ``start``,
``finish``). Unknown events are counted and otherwise ignored; the host may receive any events.

Measured per mode and count (goals from the performance issue beside them):

- join reply p50/p99 during the join storm (goal p99 <= 300 ms);
- start -> first ``room`` snapshot on every screen, p99 (goal <= 1 s);
- deadline -> snapshot on the last screen, p99: for each transition made because a deadline
  passed, the time from that deadline (server clock) to when the last screen of the room
  received the snapshot of the new phase, each receipt corrected by that screen's measured
  clock offset (goal <= 25 ms);
- ticker lateness p99: the transition snapshot's ``server_now`` minus that deadline (<= 20 ms);
- time-left spread in a room, p99: at every transition, the spread across the room's screens of
  (deadline - receipt time), i.e. of when each screen learnt of it (<= 100 ms);
- presses refused as ``stale`` among presses made during the turn (goal 0);
- server RSS (steady: median during the session; peak: VmHWM) against the bare server's at the
  same count (goal <= 1.3x), and server CPU seconds;
- bytes received by the clients a second (Engine.IO payload bytes, counted on the client side);
- the client's own CPU and event-loop lag, and the machine's other load, so a reader can tell
  when the client (one asyncio process sharing the cores with the server) was the bottleneck.

``--app-rev REV`` runs the app as committed at a git revision (exported with ``git archive``
into the temporary folder; the checkout is only read) instead of the working tree, so the code
before and after a change can be measured the same way; each report gives a fingerprint of the
app code that ran.

``--processes 1,2`` runs the app, for each N listed, as N ``serve`` processes sharing one fresh
PostgreSQL database, with a fresh Redis as their Socket.IO message queue and nginx in front
(``docs/nginx-listening.conf``, as ``docs/deploy.md`` sets it up; the servers come from
``tests/services.py``); every client request and screen goes through nginx, each screen with a
random ``screen`` id for nginx to hash on, and N = 1 runs the same way so the baseline is fair.
Server RSS, CPU and threads are then summed over the N processes; nginx's, PostgreSQL's and
Redis's CPU are shown apart in the details. Without it nothing changes: one process on SQLite.

Bounded: ``--time-limit`` for the whole matrix (runs that would not fit are skipped, and a
watchdog ends everything 30 s after it), ``--run-limit`` for each run; servers are started
with PR_SET_PDEATHSIG so they die with this script, and are stopped on every exit path.

Usage: .venv/bin/python bench/side_by_side.py [--modes eventlet,gevent,threading]
       [--counts 200,1000,2000[,250rooms]] [--turn 4-6] [--rounds 1] [--time-limit 1500] ...
(``--help`` lists every option). The report (markdown) goes to standard output, progress to
standard error. The exit status is 0 when every run completed, whether or not goals were met.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import importlib.metadata
import json
import math
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
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
    percentile,
    proc_cpu,
    table,
)

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
#: settings a caller's shell might hold; the servers here get only what this script sets
SERVER_SETTINGS = ("LISTENING_", "DATABASE_URL", "PORT", "SOCKETIO_MESSAGE_QUEUE", "SECRET_KEY")
BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith(SERVER_SETTINGS)}
#: every server process started, so the watchdog and every exit path can stop them
RUNNING: list[Proc | Cluster] = []
START = time.monotonic()
CLK_TCK = os.sysconf("SC_CLK_TCK")
#: goals from the performance issue (seconds, counts, ratios)
GOAL_JOIN_P99 = 0.300
GOAL_CUE_P99 = 1.0
GOAL_DEADLINE_P99 = 0.025
GOAL_LATENESS_P99 = 0.020
GOAL_SPREAD_P99 = 0.100
GOAL_RSS_RATIO = 1.3
#: the coordinator account each app server gets (creating a session needs one signed in)


# --------------------------------------------------------------------------- figures


def ms(value: float | None) -> str:
    if value is None:
        return "–"
    value *= 1000
    return f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"


def mb(kb: float | None) -> str:
    return "–" if kb is None else f"{kb / 1024:.0f}"


def number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --------------------------------------------------------------------------- processes


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLK_TCK


def fingerprint(source: Path) -> str:
    """A short hash of the app's Python code under ``source``, so a report shows which code ran
    (another change may land in the working tree while the bench runs)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((source / "listening").rglob("*.py")):
        with contextlib.suppress(OSError):
            digest.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:10]


def export_revision(rev: str, workdir: Path) -> Path:
    """Export a git revision of this checkout into the work folder (git archive: the checkout
    itself is only read), so the app can be run as it was at that revision."""
    target = workdir / f"app-{re.sub(r'[^A-Za-z0-9._-]', '_', rev)}"
    target.mkdir()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev], cwd=ROOT, capture_output=True, timeout=60
    )
    if archive.returncode:
        raise RuntimeError(f"git archive {rev} failed: {archive.stderr.decode(errors='replace')}")
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True, timeout=60)
    return target


class Proc:
    """One server process: the app (``python -m listening serve``) or the bare server."""

    def __init__(
        self,
        kind: str,
        mode: str,
        workdir: Path,
        args,
        per_session: int,
        cluster_env: dict[str, str] | None = None,
    ):
        self.kind, self.mode = kind, mode
        self.cwd = args.app_source if kind == "app" else ROOT
        self.code = fingerprint(self.cwd) if kind == "app" else None
        self.port = free_port()
        name = f"{kind}-{mode}-{self.port}"
        self.log_path = workdir / f"{name}.log"
        if kind == "app":
            self.cmd = [sys.executable, "-m", "listening", "serve", "--port", str(self.port)]
            self.cmd += ["--async-mode", mode]
            self.settings = {
                "LISTENING_ALLOW_SHORT_TURNS": "1",
                "LISTENING_RATE_LIMITS": "off",
                "LISTENING_MAX_PEOPLE": str(max(200, per_session)),
                **args.server_env,
            }
            self.env = {
                **BASE_ENV,
                "DATABASE_URL": f"sqlite:///{workdir / (name + '.sqlite')}",
                "SECRET_KEY": secrets.token_urlsafe(32),  # so nothing is written to instance/
                **self.settings,
            }
            if cluster_env is not None:  # one of a Cluster's processes (--processes)
                self.env = {**BASE_ENV, **cluster_env, **self.settings}
        else:
            lo, hi = args.bare_interval
            self.cmd = [sys.executable, str(ROOT / "bench" / "bare_server.py")]
            self.cmd += ["--port", str(self.port), "--async-mode", mode]
            self.cmd += ["--interval-min", str(lo), "--interval-max", str(hi)]
            self.cmd += ["--seconds", str(args.bare_seconds), "--payload", str(args.bare_payload)]
            self.cmd += ["--room-size", str(args.room_size), "--seed", str(args.seed)]
            self.settings = {}
            self.env = dict(BASE_ENV)
        self.process: subprocess.Popen | None = None
        #: the app's sign-in cookie, to send with each create (the bare server has no accounts)
        self.cookie: str | None = None

    async def start(self, timeout: float = 60, sign_in: bool = True) -> Proc:
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(
                self.cmd,
                cwd=self.cwd,
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
                raise RuntimeError(
                    f"{self.kind} server exited at start:\n{self.log_text()[-2000:]}"
                )
            conn = KeepAlive(self.port)
            try:
                status, _, _ = await conn.request("GET", "/healthz", timeout=2)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
                status = None
            finally:
                await conn.close()
            if status == 200:
                log(f"{self.kind} server ({self.mode}) up on port {self.port}, pid {self.pid}")
                if self.kind == "app" and sign_in:
                    await self.sign_in()
                return self
            await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.kind} server did not answer within {timeout} s")

    async def sign_in(self) -> None:
        """Make the app's coordinator account and sign in once; keep the cookie."""
        self.cookie = await make_account_and_sign_in(self.port, self.env, self.cwd)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def status(self) -> dict[str, int]:
        """VmRSS, VmHWM (kB) and thread count from /proc."""
        found = {}
        if self.process is None:
            return found
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM", "Threads"):
                    found[key] = int(value.split()[0])
        except (OSError, ValueError):
            pass
        return found

    def cpu(self) -> float:
        return proc_cpu(self.pid) if self.process is not None else 0.0

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
            if line.startswith(("INFO  [alembic", "listening is running", "bare server running")):
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
            if short not in first and len(first) < 6:
                first.append(short)
        return kinds, first


def stop_everything() -> None:
    for server in RUNNING:
        with contextlib.suppress(Exception):
            server.stop()


# --------------------------------------------------------------------------- several processes


#: nginx's connections (client and upstream sides both count): room for 2 per screen and more
NGINX_CONNECTIONS = 16384


def services():
    """``tests/services.py`` (throwaway PostgreSQL, Redis and nginx on loopback), imported only
    when ``--processes`` asks for them (it imports pytest)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import tests.services

    return tests.services


def bench_nginx(backends: list[int]):
    """``tests.services.Nginx`` with room for thousands of screens: 4,096 connections are two a
    screen (client and upstream side), too few past ~1,900 screens."""
    return services().Nginx(
        backends, ROOT / "docs" / "nginx-listening.conf", connections=NGINX_CONNECTIONS
    )


def children_of(pid: int) -> list[int]:
    """The living child processes of a process (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def tree_cpu(pid: int | None) -> float:
    """CPU seconds of a process, of its children it has reaped, and of its living children."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = sum(int(fields[i]) for i in (11, 12, 13, 14)) / CLK_TCK
    return own + sum(proc_cpu(child) for child in children_of(pid))


def log_lines(path: Path, pattern: str) -> tuple[Counter, list[str]]:
    """Count a log's lines by the level ``pattern`` finds in them; keep the first few."""
    kinds: Counter = Counter()
    first: list[str] = []
    text = path.read_text(errors="replace") if path.exists() else ""
    for line in text.splitlines():
        found = re.search(pattern, line)
        if not found:
            continue
        kinds[found.group(1)] += 1
        short = line.strip()[:200]
        if short not in first and len(first) < 4:
            first.append(short)
    return kinds, first


class Cluster:
    """``--processes N``: N app processes (``python -m listening serve``) on one fresh PostgreSQL
    database, a fresh Redis as their message queue, and nginx in front (docs/nginx-listening.conf,
    as docs/deploy.md sets it up); every client request and screen goes through nginx. To a run
    it looks like one server: ``port`` is nginx's, and RSS, CPU and threads are summed over the
    N processes."""

    kind = "app"

    def __init__(self, mode: str, workdir: Path, args, per_session: int, processes: int):
        self.mode, self.workdir, self.args = mode, workdir, args
        self.per_session, self.n = per_session, processes
        self.code = fingerprint(args.app_source)
        self.members: list[Proc] = []
        self.pg = self.redis = self.nginx = None
        self.port: int | None = None
        self.cookie: str | None = None
        self.stopped = False
        self.lock = threading.Lock()
        self.logs: dict[str, Path] = {}

    def _keep(self, thing):
        """Remember a started service; if stop() already ran (the watchdog), stop it too."""
        if self.stopped:
            with contextlib.suppress(Exception):
                thing.close()
            raise RuntimeError("stopped while starting")
        return thing

    async def start(self, timeout: float = 60) -> Cluster:
        RUNNING.append(self)
        svc = services()
        try:
            self.pg = self._keep(await asyncio.to_thread(svc.Postgres))
            await asyncio.to_thread(self.pg.sql, "CREATE DATABASE bench")
            self.redis = self._keep(await asyncio.to_thread(svc.Redis))
        except BaseException as error:
            if type(error).__name__ != "Skipped":  # pytest.skip: the service is not installed
                raise
            raise RuntimeError(f"cannot start PostgreSQL or Redis: {error}") from None
        shared = {
            "DATABASE_URL": f"{self.pg.url}/bench",
            "SOCKETIO_MESSAGE_QUEUE": self.redis.url,
            "LISTENING_TRUSTED_PROXIES": "1",
            "SECRET_KEY": secrets.token_urlsafe(32),
        }
        self.members = [
            Proc("app", self.mode, self.workdir, self.args, self.per_session, cluster_env=shared)
            for _ in range(self.n)
        ]
        await asyncio.gather(*(m.start(timeout, sign_in=False) for m in self.members))
        self.nginx = self._keep(await asyncio.to_thread(bench_nginx, self.ports))
        self.port = self.nginx.port
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline and status != 200:
            conn = KeepAlive(self.port)
            try:
                status, _, _ = await conn.request("GET", "/healthz", timeout=2)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
                await asyncio.sleep(0.1)
            finally:
                await conn.close()
        if status != 200:
            raise RuntimeError(f"nginx in front of {self.ports} answered /healthz with {status}")
        self.cookie = await make_account_and_sign_in(
            self.port, self.members[0].env, self.members[0].cwd
        )
        log(
            f"{self.n} app process(es) ({self.mode}) on ports {self.ports} (pids {self.pid}), "
            f"PostgreSQL on {self.pg.port}, Redis on {self.redis.port}, nginx on {self.port}"
        )
        return self

    @property
    def ports(self) -> list[int]:
        return [m.port for m in self.members]

    @property
    def pid(self) -> list[int]:
        return [m.pid for m in self.members if m.process is not None]

    def alive(self) -> bool:
        return bool(self.members) and all(m.alive() for m in self.members)

    def status(self) -> dict[str, int]:
        """VmRSS, VmHWM (kB) and threads, summed over the processes (a peak is the sum of each
        process's own peak, which need not have come at the same moment)."""
        total: Counter = Counter()
        for member in self.members:
            total.update(member.status())
        return dict(total)

    def cpu(self) -> float:
        return sum(m.cpu() for m in self.members)

    def infra_cpu(self) -> dict[str, float]:
        """CPU seconds so far of nginx, PostgreSQL (every backend) and Redis."""
        postmaster = None
        if self.pg is not None:
            with contextlib.suppress(OSError, ValueError, IndexError):
                pidfile = self.pg.data / "postmaster.pid"
                postmaster = int(pidfile.read_text().split("\n", 1)[0])
        return {
            "nginx": tree_cpu(self.nginx.process.pid if self.nginx else None),
            "postgres": tree_cpu(postmaster),
            "redis": tree_cpu(
                self.redis.process.pid if self.redis and self.redis.process else None
            ),
        }

    def breakdown(self) -> list[str]:
        """Each process's port, RSS, peak, CPU and threads, now."""
        out = []
        for m in self.members:
            st = m.status()
            out.append(
                f":{m.port} RSS {mb(st.get('VmRSS'))} MB (peak {mb(st.get('VmHWM'))}), "
                f"CPU {m.cpu():.1f} s, {st.get('Threads', '?')} threads"
                + ("" if m.alive() else " **not running**")
            )
        return out

    def screens_held(self) -> str:
        """How many people's screens each process holds, and how many processes are known, as
        the database records them."""
        if self.pg is None:
            return "?"
        held = self.pg.sql(
            "SELECT count(*) FROM screens GROUP BY process_id ORDER BY 1 DESC", "bench"
        ).split()
        known = self.pg.sql("SELECT count(*) FROM processes", "bench")
        leases = self.pg.sql("SELECT count(*) FROM leases", "bench")
        return f"{' / '.join(held) or 'none'} (processes recorded: {known}; leases: {leases})"

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            for member in self.members:
                if member.alive():
                    with contextlib.suppress(Exception):
                        member.process.terminate()
            for member in self.members:
                with contextlib.suppress(Exception):
                    member.stop()
            # keep the services' logs in the work folder (--keep keeps them)
            for name, service, path in (
                ("nginx", self.nginx, "logs/error.log"),
                ("postgres", self.pg, "server.log"),
            ):
                if service is not None and name not in self.logs:
                    target = self.workdir / f"{name}-{service.port}.log"
                    with contextlib.suppress(OSError):
                        shutil.copyfile(service.folder / path, target)
                    self.logs[name] = target
            for service in (self.nginx, self.redis, self.pg):
                if service is not None:
                    with contextlib.suppress(Exception):
                        service.close()
            self.nginx = self.redis = self.pg = None

    def problems(self) -> tuple[Counter, list[str]]:
        """The processes' logs together (see ``Proc.problems``); each line names its port."""
        kinds: Counter = Counter()
        first: list[str] = []
        for member in self.members:
            more, lines = member.problems()
            kinds.update(more)
            first += [f":{member.port} {line}" for line in lines]
        return kinds, first[:8]

    def service_problems(self) -> dict[str, tuple[Counter, list[str]]]:
        """nginx's error log (warn and worse) and PostgreSQL's log (WARNING and worse)."""
        found = {}
        if "nginx" in self.logs:
            found["nginx"] = log_lines(self.logs["nginx"], r"\[(warn|error|crit|alert|emerg)\]")
        if "postgres" in self.logs:
            found["postgres"] = log_lines(self.logs["postgres"], r"\b(WARNING|ERROR|FATAL|PANIC):")
        return found


# --------------------------------------------------------------------------- raw HTTP (asyncio)


# --------------------------------------------------------------------------- websocket screens


def first_dict(reply: object) -> dict | None:
    """The first argument of an acknowledgement (a list), if it is an object."""
    if isinstance(reply, list) and reply and isinstance(reply[0], dict):
        return reply[0]
    return None


class Screen(asyncio.Protocol):
    """A Socket.IO v4 client over a raw websocket, as an asyncio Protocol so that thousands
    of them cost one callback per TCP read: it answers pings, counts every event's bytes,
    parses only what it needs (a participant's ``room``, a host's ``lobby``), and can call an
    event and wait for its acknowledgement. Receipt times are taken when the bytes arrive."""

    def __init__(self, run: Run, role: str, auth: dict, source: str | None, index: int):
        self.run, self.role, self.auth, self.source, self.index = run, role, auth, source, index
        self.code = auth.get("session")
        self.pid: str | None = None
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.upgraded = False
        self.fragments: tuple[int, list[bytes]] | None = None
        self.ready: asyncio.Future = run.loop.create_future()
        self.acks: dict[int, asyncio.Future] = {}
        self.next_ack = 0
        self.closed_by: str | None = None
        self.offset = 0.0  # server clock minus this client's clock
        self.rtt: float | None = None
        # a participant's view
        self.version: object = None
        self.number: object = None
        self.last_key: tuple | None = None
        self.last_deadline: object = None
        self.room: dict | None = None
        self.cue: float | None = None
        self.closed_at: float | None = None
        self.turns: set = set()
        # a host's view
        self.here: object = None
        self.lobby_version: object = None

    # ----- asyncio.Protocol

    def connection_made(self, transport) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        # behind nginx, a page's random screen id, which nginx spreads the screens over by
        query = "EIO=4&transport=websocket"
        if self.run.processes:
            query += f"&screen={secrets.token_hex(8)}"
        transport.write(
            f"GET /socket.io/?{query} HTTP/1.1\r\nHost: {HOST}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )

    def connection_lost(self, exc) -> None:
        if self.closed_by is None:
            self.closed_by = "connection lost"
        self._settle(f"failed:{self.closed_by}")
        for future in self.acks.values():
            if not future.done():
                future.set_result(None)
        self.acks.clear()
        self.transport = None

    def data_received(self, data: bytes) -> None:
        t = time.time()
        buf = self.buf
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            parts = bytes(buf[: buf.find(b"\r\n")]).split()
            status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            del buf[: end + 4]
            if status != 101:
                self.closed_by = f"http {status}"
                self._settle(f"failed:http {status}")
                self.transport.close()
                return
            self.upgraded = True
        pos, n = 0, len(buf)
        while n - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            size, head = b1 & 0x7F, 2
            if size == 126:
                if n - pos < 4:
                    break
                size, head = (buf[pos + 2] << 8) | buf[pos + 3], 4
            elif size == 127:
                if n - pos < 10:
                    break
                size, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            if b1 & 0x80:
                head += 4
            if n - pos < head + size:
                break
            payload = bytes(buf[pos + head : pos + head + size])
            if b1 & 0x80:
                payload = mask(payload, bytes(buf[pos + head - 4 : pos + head]))
            pos += head + size
            opcode = b0 & 0x0F
            if opcode == 0:
                if self.fragments is None:
                    continue
                self.fragments[1].append(payload)
                if not b0 & 0x80:
                    continue
                opcode, payload = self.fragments[0], b"".join(self.fragments[1])
                self.fragments = None
            elif opcode in (1, 2) and not b0 & 0x80:
                self.fragments = (opcode, [payload])
                continue
            if opcode == 1:
                self._message(payload, t)
            elif opcode == 8:
                self.closed_by = "server closed the websocket"
                if self.transport is not None:
                    self.transport.close()
                break
            elif opcode == 9:
                self._write(10, payload)
        if pos:
            del buf[:pos]

    # ----- Engine.IO / Socket.IO

    def _settle(self, outcome: str) -> None:
        if not self.ready.done():
            self.ready.set_result(outcome)

    def _write(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame(opcode, payload))

    def send(self, text: str) -> None:
        self._write(1, text.encode())

    def _message(self, p: bytes, t: float) -> None:
        if not p:
            return
        c = p[0]
        if c == 0x34:  # '4': a Socket.IO packet
            if len(p) < 2:
                return
            s = p[1]
            if s == 0x32:  # '2' event
                self._event(p, t)
            elif s == 0x33:  # '3' ack
                self._ack(p)
            elif s == 0x30:  # '0' connected
                self._settle("connected")
            elif s == 0x34:  # '4' connect_error
                try:
                    data = json.loads(p[2:])
                    reason = (data.get("data") or {}).get("error", "?")
                except (ValueError, AttributeError):
                    reason = "?"
                self.closed_by = f"refused:{reason}"
                self._settle(f"refused:{reason}")
            elif s == 0x31:  # '1' disconnect
                self.closed_by = "server disconnected the client"
        elif c == 0x32:  # '2' ping
            self.send("3" + p[1:].decode("utf-8", "replace"))
        elif c == 0x30:  # '0' open
            self.send("40" + json.dumps(self.auth))
        elif c == 0x31:  # '1' close
            self.closed_by = "engine.io close"

    def _event(self, p: bytes, t: float) -> None:
        body_at = 2
        if p.startswith(b'42["'):
            end = p.find(b'"', 4)
            name = p[4:end].decode("utf-8", "replace") if end > 0 else "?"
        else:  # a namespace or an ack id before the array: parse it the slow way
            body_at = p.find(b"[")
            try:
                name = str(json.loads(p[body_at:])[0])
            except (ValueError, IndexError, TypeError):
                name = "?"
        self.run.count(self.role, name, len(p))
        if (name == "room" and self.role == "person") or (name == "lobby" and self.role == "host"):
            try:
                data = json.loads(p[body_at:])
            except ValueError:
                return
            if isinstance(data, list) and len(data) > 1 and isinstance(data[1], dict):
                if name == "room":
                    self.run.on_room(self, data[1], t)
                else:
                    self.on_lobby(data[1])

    def on_lobby(self, lobby: dict) -> None:
        """A host keeps the newest lobby's count of connected screens (older versions can
        arrive later when the server sends from several threads)."""
        version = lobby.get("version")
        if number(version) and number(self.lobby_version) and version < self.lobby_version:
            return
        self.lobby_version = version
        here = lobby.get("here")
        if isinstance(here, dict):
            self.here = here.get("connected")

    def _ack(self, p: bytes) -> None:
        found = re.match(rb"43(\d+)", p)
        if not found:
            return
        future = self.acks.pop(int(found.group(1)), None)
        if future is not None and not future.done():
            try:
                future.set_result(json.loads(p[found.end() :]))
            except ValueError:
                future.set_result(None)

    async def call(self, event: str, data: dict, timeout: float) -> object:
        """Emit an event with an acknowledgement and return the reply (None if none came)."""
        if self.transport is None or self.closed_by:
            return None
        ack = self.next_ack
        self.next_ack += 1
        future = self.run.loop.create_future()
        self.acks[ack] = future
        self.send(f"42{ack}" + json.dumps([event, data]))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            self.acks.pop(ack, None)
            return None

    def close(self) -> None:
        if self.transport is not None:
            self.transport.abort()
            self.transport = None


# --------------------------------------------------------------------------- one run


class Stretch:
    """CPU used by the server, this client and the rest of the machine over some wall time,
    the client's event-loop lag, and the bytes the screens received."""

    def __init__(self, run: Run):
        self.run = run
        self.wall0 = time.time()
        self.server0 = run.server.cpu() if run.server else 0.0
        self.client0 = time.process_time()
        self.machine0 = machine_busy()
        self.infra0 = run.server.infra_cpu() if isinstance(run.server, Cluster) else None
        self.bytes0 = Counter(run.bytes)
        self.msgs0 = Counter(run.msgs)
        self.result: dict | None = None

    def close(self) -> dict:
        run = self.run
        wall = max(1e-6, time.time() - self.wall0)
        server = (run.server.cpu() if run.server else 0.0) - self.server0
        client = time.process_time() - self.client0
        machine = machine_busy() - self.machine0
        lags = [lag for at, lag in run.lags if at >= self.wall0]
        received = Counter(run.bytes)
        received.subtract(self.bytes0)
        messages = Counter(run.msgs)
        messages.subtract(self.msgs0)
        self.result = {
            "wall": wall,
            "server_cpu": server,
            "client_cpu": client,
            "others_cpu": max(0.0, machine - server - client),
            "lag_p99": percentile(lags, 99),
            "lag_max": max(lags, default=None),
            "bytes": +received,
            "msgs": +messages,
        }
        if self.infra0 is not None:  # nginx, PostgreSQL, Redis (part of others_cpu)
            now = run.server.infra_cpu()
            self.result["infra_cpu"] = {k: now[k] - self.infra0.get(k, 0.0) for k in now}
        return self.result


class Run:
    """One server (the app or the bare one) at one client count, and what its screens saw."""

    kind = "?"

    def __init__(
        self, args, mode: str, spec: tuple[int, int], workdir: Path, processes: int | None = None
    ):
        self.args, self.mode, self.workdir = args, mode, workdir
        #: --processes: this many app processes behind nginx (None: one, on SQLite, no nginx)
        self.processes = processes
        self.sessions, self.per_session = spec
        self.people = self.sessions * self.per_session
        self.loop = asyncio.get_running_loop()
        self.rng = random.Random(args.seed)
        self.server: Proc | Cluster | None = None
        self.persons: list[Screen] = []
        self.hosts: list[Screen] = []
        self.bytes: Counter = Counter()
        self.msgs: Counter = Counter()
        self.lags: list[tuple[float, float]] = []
        self.rss: list[tuple[float, int]] = []
        self.transitions: dict[tuple, list] = {}
        self.room_screens: dict[tuple, set] = defaultdict(set)
        self.started_at: dict[object, float] = {}
        self.connects: Counter = Counter()
        self.connect_took: list[float] = []
        self.presses: Counter = Counter()
        self.press_rtts: list[float] = []
        self.press_sent: dict[tuple, float] = {}
        self.press_taken: set[tuple] = set()  # (code, room, step) of presses the server accepted
        self.press_late = 0
        self.closed = 0
        self.expect_closed = 1 << 30
        self.done = asyncio.Event()
        self.tasks: list[asyncio.Task] = []
        self.notes: list[str] = []
        self.m: dict = {}  # the figures, filled in as they are measured
        self.session_stretch: Stretch | None = None
        self.stretches: dict[str, dict] = {}

    # ----- what the screens call

    def count(self, role: str, name: str, size: int) -> None:
        key = (role, name)
        self.bytes[key] += size
        self.msgs[key] += 1

    def on_room(self, screen: Screen, data: dict, t: float) -> None:
        room = data.get("room")
        if not isinstance(room, dict):
            return
        number_ = room.get("number")
        version = data.get("version")
        if (
            number(version)
            and number(screen.version)
            and number_ == screen.number
            and version < screen.version
        ):
            return  # older than what this screen has: a client ignores it
        screen.version, screen.number = version, number_
        session = data.get("session") if isinstance(data.get("session"), dict) else {}
        code = session.get("code") or screen.code
        started = self.started_at.get(code)
        if screen.cue is None and started is not None and t >= started:
            screen.cue = t - started
        phase, turn, step = room.get("phase"), room.get("turn"), room.get("step")
        key = (code, number_, phase, turn, step)
        self.room_screens[(code, number_)].add(screen.index)
        deadline = room.get("deadline")
        if key != screen.last_key:
            record = self.transitions.get(key)
            if record is None:
                before = screen.last_key[2] if screen.last_key else "start"
                step_before = screen.last_key[4] if screen.last_key else None
                record = self.transitions[key] = [
                    data.get("server_now"),
                    deadline,
                    [],
                    [],
                    before,
                    step_before,
                ]
            elif number(data.get("server_now")) and number(record[0]):
                record[0] = min(record[0], data["server_now"])
            record[2].append(t + screen.offset)
            record[3].append(screen.last_deadline)
            screen.last_key = key
        screen.last_deadline = deadline
        screen.room = room
        if (
            phase == "speaking"
            and screen.pid is not None
            and room.get("current") == screen.pid
            and (number_, turn) not in screen.turns
        ):
            screen.turns.add((number_, turn))
            self.plan_press(screen, code, room)
        if phase == "closed" and screen.closed_at is None:
            screen.closed_at = t
            self.closed += 1
            if self.closed >= self.expect_closed:
                self.done.set()

    def plan_press(self, screen: Screen, code: str, room: dict) -> None:
        """A speaker presses finish at a random point inside their turn, or lets it run out."""
        if self.rng.random() >= self.args.press_share:
            self.presses["let the time run out"] += 1
            return
        turn_seconds, deadline = room.get("turn_seconds"), room.get("deadline")
        if not (number(turn_seconds) and number(deadline)):
            self.presses["not planned: no deadline"] += 1
            return
        lo, hi = self.args.press_window
        at = deadline - turn_seconds + self.rng.uniform(lo, hi) * turn_seconds  # server clock
        delay = at - (time.time() + screen.offset)
        if delay < -0.05:
            self.press_late += 1
        self.loop.call_later(
            max(0.0, delay),
            lambda: self.tasks.append(
                asyncio.ensure_future(
                    self.press(
                        screen,
                        code,
                        room.get("number"),
                        room.get("turn"),
                        room.get("step"),
                        deadline,
                    )
                )
            ),
        )

    async def press(self, screen, code, number_, turn, step, deadline) -> None:
        view = screen.room or {}
        if (
            view.get("turn") != turn
            or view.get("phase") != "speaking"
            or view.get("number") != number_
        ):
            self.presses["not sent: the turn had moved on"] += 1
            return
        if time.time() + screen.offset >= deadline:
            self.presses["not sent: the turn's time was up"] += 1
            return
        sent = time.time()
        self.press_sent[(code, number_, step)] = sent + screen.offset
        reply = first_dict(await screen.call("finish", {"step": step}, self.args.reply_timeout))
        if reply is None:
            self.presses["no reply"] += 1
        elif reply.get("ok"):
            self.presses["accepted"] += 1
            self.press_taken.add((code, number_, step))
            self.press_rtts.append(time.time() - sent)
        else:
            self.presses[f"refused: {reply.get('error', '?')}"] += 1
            self.press_rtts.append(time.time() - sent)

    # ----- steps shared by both kinds of run

    async def watch(self) -> None:
        """Sample the server's RSS and this client's event-loop lag until cancelled."""
        last_rss = 0.0
        while True:
            began = self.loop.time()
            await asyncio.sleep(0.02)
            now = time.time()
            self.lags.append((now, self.loop.time() - began - 0.02))
            if self.server is not None and now - last_rss >= 0.25:
                last_rss = now
                rss = self.server.status().get("VmRSS")
                if rss:
                    self.rss.append((now, rss))

    def source(self, index: int) -> str:
        """Screens come from 127.0.0.2, .3, ... at most --per-address each (the app's eventlet
        server holds at most 500 connections from one address)."""
        n = 2 + index // self.args.per_address
        if n > 254:
            raise ValueError("ran out of loopback source addresses; raise --per-address")
        return f"127.0.0.{n}"

    async def connect(self, screen: Screen) -> str:
        began = self.loop.time()
        timeout = self.args.connect_timeout
        try:
            await asyncio.wait_for(
                self.loop.create_connection(
                    lambda: screen,
                    HOST,
                    self.server.port,
                    local_addr=(screen.source, 0) if screen.source else None,
                ),
                timeout,
            )
            left = max(0.1, timeout - (self.loop.time() - began))
            outcome = await asyncio.wait_for(asyncio.shield(screen.ready), left)
        except TimeoutError:
            outcome = "failed:timeout"
            screen.close()
        except OSError as error:
            outcome = f"failed:{type(error).__name__}"
        self.connects[outcome] += 1
        if outcome == "connected":
            self.connect_took.append(self.loop.time() - began)
        return outcome

    async def clock_sync(self) -> None:
        """Each screen's offset from ``clock`` round trips: the one with the shortest round trip."""
        gate = asyncio.Semaphore(self.args.clock_parallel)

        async def one(screen: Screen) -> None:
            best = None
            for _ in range(self.args.clock_rounds):
                async with gate:
                    t0 = time.time()
                    reply = first_dict(await screen.call("clock", {}, self.args.reply_timeout))
                    t1 = time.time()
                if reply and number(reply.get("server_now")):
                    sample = (t1 - t0, reply["server_now"] - (t0 + t1) / 2)
                    best = sample if best is None or sample[0] < best[0] else best
            if best is not None:
                screen.rtt, screen.offset = best

        live = [s for s in self.persons + self.hosts if s.ready.done() and not s.closed_by]
        began = time.monotonic()
        await asyncio.gather(*(one(s) for s in live))
        measured = [s for s in live if s.rtt is not None]
        self.m["clock_screens"] = (len(measured), len(live))
        self.m["clock_s"] = time.monotonic() - began
        self.m["offset_abs_p50"] = percentile([abs(s.offset) for s in measured], 50)
        self.m["offset_abs_max"] = max((abs(s.offset) for s in measured), default=None)
        self.m["clock_rtt_p50"] = percentile([s.rtt for s in measured], 50)

    async def run_session(self, starters: list[tuple[Screen, object]], timeout: float) -> None:
        """Send start from each host (staggered); wait until every screen saw its room close."""
        live = [s for s in self.persons if s.ready.done() and s.ready.result() == "connected"]
        self.expect_closed = len(live)
        if not live:
            self.done.set()
        self.m["rss_connected"] = self.server.status().get("VmRSS")
        self.session_stretch = Stretch(self)
        acks: Counter = Counter()
        ack_took: list[float] = []

        async def one(k: int, host: Screen, code: object) -> None:
            await asyncio.sleep(k * self.args.start_stagger)
            began = time.time()
            self.started_at[code] = began
            reply = first_dict(await host.call("start", {}, self.args.reply_timeout))
            ack_took.append(time.time() - began)
            acks[
                "ok" if reply and reply.get("ok") else f"{(reply or {}).get('error', 'no reply')}"
            ] += 1

        await asyncio.gather(*(one(k, h, c) for k, (h, c) in enumerate(starters)))
        self.m["start_acks"] = acks
        self.m["start_ack_max"] = max(ack_took, default=None)
        log(f"{self.kind} {self.mode} {self.people}: started ({counts(acks)}); running")
        try:
            await asyncio.wait_for(self.done.wait(), timeout)
        except TimeoutError:
            self.notes.append(
                f"{self.expect_closed - self.closed} of {self.expect_closed} screens had not seen "
                f"their room close {timeout:.0f} s after the start."
            )
        self.stretches["session"] = self.session_stretch.close()
        self.m["unfinished"] = self.expect_closed - self.closed

    async def finish(self) -> None:
        """Take the last figures, stop the server, close every screen, read the server's log."""
        if self.session_stretch is not None and "session" not in self.stretches:
            self.stretches["session"] = self.session_stretch.close()
        if self.server is not None:
            status = self.server.status()
            if isinstance(self.server, Cluster):
                self.m["members"] = self.server.breakdown()
            self.m["rss_peak"] = status.get("VmHWM")
            self.m["server_threads"] = status.get("Threads")
            self.m["server_cpu_total"] = self.server.cpu()
            self.m["alive_at_end"] = self.server.alive()
            if self.session_stretch is not None:
                t0 = self.session_stretch.wall0
                during = [rss for at, rss in self.rss if at >= t0]
                self.m["rss_steady"] = statistics.median(during) if during else None
            # the server first: a mass disconnect would make the app republish for minutes
            await asyncio.to_thread(self.server.stop)
        for task in self.tasks:
            task.cancel()
        for screen in self.persons + self.hosts:
            screen.close()
        await asyncio.sleep(0)
        if self.server is not None:
            self.m["log"] = self.server.problems()
            if isinstance(self.server, Cluster):
                self.m["service_logs"] = self.server.service_problems()
        self.analyse()

    def analyse(self) -> None:
        """Turn what the screens recorded into the figures."""
        deadline_lags, lateness, spreads, press_lags = [], [], [], []
        by_kind: dict[str, list[float]] = defaultdict(list)
        incomplete = 0
        after_press = 0
        for key, record in self.transitions.items():
            server_now, _deadline, receipts, prevs, before, step_before = record
            code, number_, phase, _turn, step = key
            expected = len(self.room_screens.get((code, number_), ()))
            if len(receipts) < expected:
                incomplete += 1
            last = max(receipts)
            if len(receipts) >= 2:
                spreads.append(last - min(receipts))
            known = [p for p in prevs if number(p)]
            prev = Counter(known).most_common(1)[0][0] if known else None
            pressed = (code, number_, step - 1) if isinstance(step, int) else None
            if pressed in self.press_taken and step_before == step - 1:
                # The turn ended because its speaker pressed finish (even if a busy server
                # only got to the press after the deadline had passed).
                after_press += 1
                press_lags.append(last - self.press_sent[pressed])
            elif prev is not None and number(server_now) and server_now >= prev - 0.001:
                lateness.append(server_now - prev)
                deadline_lags.append(last - prev)
                by_kind[f"{before}→{phase}"].append(last - prev)
        cues = [s.cue for s in self.persons if s.cue is not None]
        live = [s for s in self.persons if s.ready.done() and s.ready.result() == "connected"]
        self.m.update(
            {
                "transitions": len(self.transitions),
                "deadline_transitions": len(deadline_lags),
                "press_transitions": after_press,
                "incomplete": incomplete,
                "dl_p50": percentile(deadline_lags, 50),
                "dl_p99": percentile(deadline_lags, 99),
                "dl_max": max(deadline_lags, default=None),
                "late_p50": percentile(lateness, 50),
                "late_p99": percentile(lateness, 99),
                "late_max": max(lateness, default=None),
                "spread_p99": percentile(spreads, 99),
                "spread_max": max(spreads, default=None),
                "press_lag_p99": percentile(press_lags, 99),
                "by_kind": {
                    kind: (len(v), percentile(v, 99)) for kind, v in sorted(by_kind.items())
                },
                "cue_p50": percentile(cues, 50),
                "cue_p99": percentile(cues, 99),
                "cue_max": max(cues, default=None),
                "cue_missing": len([s for s in live if s.cue is None]) if self.started_at else None,
                "connect_p50": percentile(self.connect_took, 50),
                "connect_p99": percentile(self.connect_took, 99),
                "connects": self.connects,
                "presses": self.presses,
                "press_rtt_p99": percentile(self.press_rtts, 99),
                "press_late": self.press_late,
            }
        )


class AppRun(Run):
    kind = "app"

    async def go(self) -> None:
        args = self.args
        if self.processes:
            self.server = Cluster(self.mode, self.workdir, args, self.per_session, self.processes)
        else:
            self.server = Proc("app", self.mode, self.workdir, args, self.per_session)
        self.m["code"] = self.server.code
        await self.server.start()
        self.tasks.append(asyncio.ensure_future(self.watch()))
        await asyncio.sleep(0.5)
        self.m["rss_idle"] = self.server.status().get("VmRSS")
        whole = Stretch(self)
        # Sessions, with turn lengths spread over --turn so sessions do not stay in step.
        lo, hi = args.turn
        turns = [
            lo + (hi - lo) * (k / (self.sessions - 1) if self.sessions > 1 else 0.5)
            for k in range(self.sessions)
        ]
        conn = KeepAlive(self.server.port, cookie=self.server.cookie)
        made = []
        try:
            for k in range(self.sessions):
                status, _, body = await conn.json(
                    "POST",
                    "/api/sessions",
                    {
                        "title": f"side by side {k + 1}",
                        "prompts": ["What is on your mind?"],
                        "turn_seconds": round(turns[k], 3),
                        "rounds": args.rounds,
                        "silence_seconds": args.silence,
                        "grace_seconds": args.grace,
                    },
                )
                if status != 201:
                    raise RuntimeError(f"creating a session answered {status}: {body}")
                made.append(body)
        finally:
            await conn.close()
        codes = [m["code"] for m in made]
        self.m["turns"] = turns
        # Each host's console first, as a host opens it before sharing the link.
        for k, m in enumerate(made):
            host = Screen(
                self, "host", {"session": m["code"], "host_key": m["host_key"]}, None, -1 - k
            )
            self.hosts.append(host)
        outcomes = await asyncio.gather(*(self.connect(h) for h in self.hosts))
        if any(o != "connected" for o in outcomes):
            raise RuntimeError(f"host screens did not connect: {Counter(outcomes)}")
        await self.join_storm(codes)
        self.stretches["join storm"] = self.storm_stretch
        # Everyone present, as each host's lobby shows it?
        expected = Counter(s.code for s in self.persons if s.ready.result() == "connected")
        began = time.monotonic()
        while time.monotonic() - began < args.settle_limit:
            if all(number(h.here) and h.here >= expected[h.code] for h in self.hosts):
                break
            await asyncio.sleep(0.1)
        else:
            shown = [h.here for h in self.hosts]
            self.notes.append(
                f"after {args.settle_limit:.0f} s the hosts' lobbies showed {shown} connected, "
                f"not {[expected[h.code] for h in self.hosts]}; started anyway"
            )
        self.m["settle_s"] = time.monotonic() - began
        if isinstance(self.server, Cluster):
            try:
                self.m["screens_held"] = await asyncio.to_thread(self.server.screens_held)
            except (subprocess.SubprocessError, OSError) as error:
                self.m["screens_held"] = f"not read: {error}"
        await asyncio.sleep(1.0)
        log(f"app {self.mode} {self.people}: everyone present; measuring clock offsets")
        await self.clock_sync()
        timeout = (
            args.rounds * args.room_size * (args.silence + hi + args.grace) * 1.5
            + self.sessions * args.start_stagger
            + 30
        )
        await self.run_session([(h, h.code) for h in self.hosts], timeout)
        self.stretches["whole run"] = whole.close()

    async def join_storm(self, codes: list[str]) -> None:
        """Join everyone at --join-rate a second (open loop), each screen connecting at once."""
        args = self.args
        conns = [KeepAlive(self.server.port) for _ in range(min(args.join_conns, self.people))]
        await asyncio.gather(*(c.request("GET", "/healthz") for c in conns))
        pool: asyncio.Queue = asyncio.Queue()
        for c in conns:
            pool.put_nowait(c)
        took: list[float] = []
        from_schedule: list[float] = []
        statuses: Counter = Counter()
        waited = [0]
        connecting: list[asyncio.Task] = []
        self.storm_stretch_obj = Stretch(self)
        t0 = self.loop.time() + 0.1

        async def one(i: int) -> None:
            scheduled = t0 + i / args.join_rate
            await asyncio.sleep(max(0.0, scheduled - self.loop.time()))
            conn = await pool.get()
            sent = self.loop.time()
            if sent - scheduled > 0.01:
                waited[0] += 1
            code = codes[i % len(codes)]
            try:
                status, _, body = await conn.json(
                    "POST", f"/api/sessions/{code}/join", {"name": f"P{i}"}, args.reply_timeout
                )
            except Exception as error:  # noqa: BLE001 - every failure is a measured outcome
                statuses[type(error).__name__] += 1
                return
            finally:
                pool.put_nowait(conn)
            took.append(self.loop.time() - sent)
            from_schedule.append(self.loop.time() - scheduled)
            if status != 201 and self.processes and isinstance(body, dict) and body.get("error"):
                statuses[f"{status} {body['error']}"] += 1  # which refusal, behind nginx
            else:
                statuses[status] += 1
            if status == 201 and isinstance(body, dict) and "token" in body:
                index = len(self.persons)
                screen = Screen(
                    self,
                    "person",
                    {"session": code, "token": body["token"]},
                    self.source(index),
                    index,
                )
                screen.pid = (body.get("participant") or {}).get("id")
                self.persons.append(screen)
                connecting.append(asyncio.ensure_future(self.connect(screen)))

        await asyncio.gather(*(one(i) for i in range(self.people)))
        joins_s = self.loop.time() - t0
        await asyncio.gather(*connecting)
        self.storm_stretch = self.storm_stretch_obj.close()
        for c in conns:
            await c.close()
        self.m.update(
            {
                "join_p50": percentile(took, 50),
                "join_p99": percentile(took, 99),
                "join_max": max(took, default=None),
                "join_sched_p99": percentile(from_schedule, 99),
                "join_statuses": statuses,
                "join_failed": sum(v for k, v in statuses.items() if k != 201),
                "join_rate": self.people / joins_s if joins_s else None,
                "join_waited": waited[0],
                "storm_s": self.loop.time() - t0,
            }
        )
        log(
            f"app {self.mode} {self.people}: {statuses.get(201, 0)} joined in {joins_s:.1f} s "
            f"(p99 {ms(self.m['join_p99'])} ms); screens {counts(self.connects)}"
        )


class BareRun(Run):
    kind = "bare"

    async def go(self) -> None:
        args = self.args
        self.server = await Proc("bare", self.mode, self.workdir, args, self.per_session).start()
        self.tasks.append(asyncio.ensure_future(self.watch()))
        await asyncio.sleep(0.5)
        self.m["rss_idle"] = self.server.status().get("VmRSS")
        whole = Stretch(self)
        host = Screen(self, "host", {"session": "bare", "host_key": "bare"}, None, -1)
        self.hosts.append(host)
        if await self.connect(host) != "connected":
            raise RuntimeError("the bare server's host screen did not connect")
        storm = Stretch(self)
        t0 = self.loop.time() + 0.1

        async def one(i: int) -> None:
            await asyncio.sleep(max(0.0, t0 + i / args.join_rate - self.loop.time()))
            screen = Screen(
                self,
                "person",
                {"session": f"bare{i % self.sessions}", "token": f"t{i}"},
                self.source(i),
                i,
            )
            screen.code = "bare"
            self.persons.append(screen)
            await self.connect(screen)

        await asyncio.gather(*(one(i) for i in range(self.people)))
        self.stretches["connecting"] = storm.close()
        self.m["connect_rate"] = self.people / max(1e-6, self.loop.time() - t0)
        log(f"bare {self.mode} {self.people}: screens {counts(self.connects)}")
        await asyncio.sleep(1.0)
        await self.clock_sync()
        timeout = args.bare_seconds + 2 * args.bare_interval[1] + 30
        await self.run_session([(host, "bare")], timeout)
        self.stretches["whole run"] = whole.close()


async def measured(run: Run, limit: float) -> Run:
    """Run one server to the end or to its time limit, and always clean up."""
    shape = f", {run.processes} process(es) behind nginx" if run.processes else ""
    log(
        f"{run.kind} {run.mode} {run.people} ({run.sessions}×{run.per_session}{shape}): "
        f"starting, at most {limit:.0f} s"
    )
    began = time.monotonic()
    try:
        await asyncio.wait_for(run.go(), limit)
    except TimeoutError:
        run.notes.append(f"**cut short: the run passed its limit of {limit:.0f} s**")
        run.m["cut_short"] = True
    except Exception as error:  # noqa: BLE001 - report it and go on with the next run
        run.notes.append(f"**the run failed: {type(error).__name__}: {str(error)[:300]}**")
        run.m["cut_short"] = True
    finally:
        try:
            await asyncio.wait_for(run.finish(), 60)
        except Exception as error:  # noqa: BLE001
            run.notes.append(f"cleaning up failed: {type(error).__name__}: {error}")
            if run.server is not None:
                run.server.stop()
    run.m["run_s"] = time.monotonic() - began
    log(f"{run.kind} {run.mode} {run.people}{shape}: done in {run.m['run_s']:.1f} s")
    return run


# --------------------------------------------------------------------------- the report


def spec_label(spec: tuple[int, int], room_size: int) -> str:
    sessions, per = spec
    rooms = sessions * math.ceil(per / room_size)
    return f"{sessions * per} ({sessions}×{per}, {rooms} rooms)"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def goals_for(app: dict, bare: dict | None) -> list[tuple[str, bool | None]]:
    """(goal, met?) for one app run; None when it could not be measured."""

    def at_most(value, limit):
        return None if value is None else value <= limit

    steady = ratio(app.get("rss_steady"), (bare or {}).get("rss_steady"))
    peak = ratio(app.get("rss_peak"), (bare or {}).get("rss_peak"))
    rss_ok = (
        None
        if steady is None or peak is None
        else steady <= GOAL_RSS_RATIO and peak <= GOAL_RSS_RATIO
    )
    join = at_most(app.get("join_p99"), GOAL_JOIN_P99)
    if join and app.get("join_failed"):
        join = False
    cue = at_most(app.get("cue_p99"), GOAL_CUE_P99)
    if cue and app.get("cue_missing"):
        cue = False
    stale = app.get("presses", Counter()).get("refused: stale", 0) if app.get("presses") else None
    return [
        ("join p99 ≤ 300 ms", join),
        ("start → first cue p99 ≤ 1 s", cue),
        ("deadline → last screen p99 ≤ 25 ms", at_most(app.get("dl_p99"), GOAL_DEADLINE_P99)),
        ("ticker lateness p99 ≤ 20 ms", at_most(app.get("late_p99"), GOAL_LATENESS_P99)),
        ("time-left spread p99 ≤ 100 ms", at_most(app.get("spread_p99"), GOAL_SPREAD_P99)),
        ("0 presses refused as stale", None if stale is None else stale == 0),
        ("RSS ≤ 1.3× bare (steady and peak)", rss_ok),
    ]


def mark(ok: bool | None) -> str:
    return "" if ok is None else (" ✓" if ok else " ✗")


def pct(cpu: float | None, wall: float | None) -> str:
    return "–" if cpu is None or not wall else f"{100 * cpu / wall:.0f}%"


def kbs(stretch: dict | None, role: str | None = None) -> str:
    if not stretch:
        return "–"
    total = sum(v for (r, _), v in stretch["bytes"].items() if role is None or r == role)
    return f"{total / stretch['wall'] / 1024:.0f}"


ROWS = [
    ("join reply p50 / p99 (max) ms, during the join storm", "p99 ≤ 300"),
    ("joins (bare: connects) a second, achieved", "200"),
    ("screen connect p50 / p99 ms, during the joins", "–"),
    ("start → first cue on every screen, p99 (max) ms", "≤ 1000"),
    ("deadline → snapshot on the last screen, p99 (max) ms", "≤ 25"),
    ("ticker lateness (server_now − deadline), p99 (max) ms", "≤ 20"),
    ("time-left spread between a room's screens, p99 (max) ms", "≤ 100"),
    ("presses refused as stale / presses made in the turn", "0"),
    ("server RSS steady / peak MB (app ÷ bare)", "≤ 1.3×"),
    ("server RSS before any client → all connected, MB (added: app ÷ bare)", "–"),
    ("server CPU s: session (whole run)", "–"),
    ("session wall s; server CPU % of a core in it", "–"),
    ("kB/s received by the screens (host) in the session", "–"),
    ("client CPU % of a core: joining / session", "–"),
    ("client event-loop lag in the session, p99 (max) ms", "–"),
    ("other processes' CPU % of a core in the session", "–"),
    ("goals met (app)", ""),
]


def cells(m: dict, other: dict | None, kind: str) -> list[str]:
    """One column of the mode's table: the figures of one run (``other``: the paired run)."""
    app = kind == "app"
    goals = dict(goals_for(m, other)) if app else {}

    def judged(goal: str) -> str:
        return mark(goals.get(goal)) if app else ""

    def p99_max(key: str, goal: str) -> str:
        return f"{ms(m.get(key + '_p99'))} ({ms(m.get(key + '_max'))})" + judged(goal)

    presses = m.get("presses") or Counter()
    made = sum(v for k, v in presses.items() if not k.startswith(("let ", "not ")))
    joining = "join storm" if app else "connecting"
    join = "–"
    if app:
        join = f"{ms(m.get('join_p50'))} / {ms(m.get('join_p99'))} ({ms(m.get('join_max'))})"
        join += judged("join p99 ≤ 300 ms")
        join += f"; {m['join_failed']} failed" if m.get("join_failed") else ""
    rate = m.get("join_rate") or m.get("connect_rate")
    cue = p99_max("cue", "start → first cue p99 ≤ 1 s")
    cue += f"; {m['cue_missing']} never" if m.get("cue_missing") else ""
    rss = f"{mb(m.get('rss_steady'))} / {mb(m.get('rss_peak'))}"
    if app:
        steady = ratio(m.get("rss_steady"), (other or {}).get("rss_steady"))
        peak = ratio(m.get("rss_peak"), (other or {}).get("rss_peak"))
        rss += f" ({_r(steady)} / {_r(peak)})" + judged("RSS ≤ 1.3× bare (steady and peak)")
    added = f" ({_r(ratio(_added(m), _added(other or {})))})"
    session_cpu = pct(_v(m, "session", "server_cpu"), _v(m, "session", "wall"))
    client = (
        f"{pct(_v(m, joining, 'client_cpu'), _v(m, joining, 'wall'))} / "
        f"{pct(_v(m, 'session', 'client_cpu'), _v(m, 'session', 'wall'))}"
    )
    return [
        join,
        "–" if rate is None else f"{rate:.0f}",
        f"{ms(m.get('connect_p50'))} / {ms(m.get('connect_p99'))}",
        cue,
        p99_max("dl", "deadline → last screen p99 ≤ 25 ms"),
        p99_max("late", "ticker lateness p99 ≤ 20 ms"),
        p99_max("spread", "time-left spread p99 ≤ 100 ms"),
        (f"{presses.get('refused: stale', 0)} / {made}" + judged("0 presses refused as stale"))
        if app and presses
        else "–",
        rss,
        f"{mb(m.get('rss_idle'))} → {mb(m.get('rss_connected'))}" + (added if app else ""),
        f"{_s(m, 'session', 'server_cpu')} ({_s(m, 'whole run', 'server_cpu')})",
        f"{_s(m, 'session', 'wall')}; {session_cpu}",
        f"{kbs(m.get('_session'), 'person')} ({kbs(m.get('_session'), 'host')})",
        client,
        f"{ms(_v(m, 'session', 'lag_p99'))} ({ms(_v(m, 'session', 'lag_max'))})",
        pct(_v(m, "session", "others_cpu"), _v(m, "session", "wall")),
        _met(goals_for(m, other)) if app else "",
    ]


def render_mode(mode: str, results: list, args) -> str:
    """The mode's table: a row per measure, an app and a bare column per count."""
    header = ["measure", "goal"]
    columns = []
    for spec, app, bare in results:
        header += [f"{spec_label(spec, args.room_size)}: app", "bare"]
        a = app.m if app else None
        b = bare.m if bare else None
        columns.append(cells(a, b, "app") if a is not None else ["not run"] * len(ROWS))
        columns.append(cells(b, a, "bare") if b is not None else ["not run"] * len(ROWS))
    rows = [
        [label, goal] + [column[i] for column in columns] for i, (label, goal) in enumerate(ROWS)
    ]
    return f"## {mode}\n\n" + table(header, rows) + "\n"


def _added(m: dict) -> float | None:
    """RSS the screens added: all connected minus before any client (kB)."""
    if m.get("rss_connected") and m.get("rss_idle"):
        return max(1, m["rss_connected"] - m["rss_idle"])
    return None


def _r(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _v(m: dict, stretch: str, key: str):
    found = (m.get("_stretches") or {}).get(stretch)
    return found.get(key) if found else None


def _s(m: dict, stretch: str, key: str) -> str:
    value = _v(m, stretch, key)
    return "–" if value is None else f"{value:.1f}"


def _met(goals: list[tuple[str, bool | None]]) -> str:
    measured = [(g, ok) for g, ok in goals if ok is not None]
    met = sum(1 for _, ok in measured if ok)
    return f"**{met} of {len(measured)}**"


def details(mode: str, spec, app: Run | None, bare: Run | None, args) -> str:
    """The figures behind the table, one list item per run."""
    out = [f"### {mode}, {spec_label(spec, args.room_size)}", ""]
    for run in (app, bare):
        if run is not None:
            lines = detail_lines(run, args) + run.notes
            out.append(f"- **{run.kind}** ({run.m.get('run_s', 0):.0f} s): " + lines[0])
            out += [f"  - {line}" for line in lines[1:]]
    return "\n".join(out) + "\n"


def detail_lines(run: Run, args) -> list[str]:
    m = run.m
    get = m.get
    lines = []
    if run.kind == "app":
        turns = ", ".join(f"{t:g}" for t in get("turns", []))
        lines.append(
            f"joins {counts(get('join_statuses', Counter()))} at {get('join_rate') or 0:.0f}/s "
            f"({get('join_waited', 0)} waited > 10 ms for one of the client's "
            f"{args.join_conns} keep-alive connections; from the scheduled time p99 "
            f"{ms(get('join_sched_p99'))} ms); turn lengths {turns} s; "
            f"app code {get('code', '?')}"
        )
    present = f"; everyone shown present {m['settle_s']:.1f} s later" if "settle_s" in m else ""
    lines.append(
        f"screens (hosts included) {counts(get('connects', Counter()))}, connect p50 "
        f"{ms(get('connect_p50'))} ms, p99 {ms(get('connect_p99'))} ms{present}"
    )
    if get("rss_idle") and get("rss_connected") and run.persons:
        each = (m["rss_connected"] - m["rss_idle"]) / len(run.persons)
        lines.append(
            f"RSS idle {mb(m['rss_idle'])} MB, all connected {mb(m['rss_connected'])} MB "
            f"({each:.0f} kB a screen), steady {mb(get('rss_steady'))} MB, "
            f"peak {mb(get('rss_peak'))} MB"
        )
    if "clock_screens" in m:
        done, asked = m["clock_screens"]
        lines.append(
            f"clock offsets measured on {done} of {asked} screens in {get('clock_s', 0):.1f} s: "
            f"|offset| p50 {ms(get('offset_abs_p50'))} ms, max {ms(get('offset_abs_max'))} ms; "
            f"round trip p50 {ms(get('clock_rtt_p50'))} ms"
        )
    if "start_acks" in m:
        lines.append(
            f"start acknowledged {counts(m['start_acks'])} (slowest "
            f"{ms(get('start_ack_max'))} ms); cue p50 {ms(get('cue_p50'))} ms; screens that "
            f"never saw their room close: {get('unfinished', '–')}"
        )
    if "transitions" in m:
        kinds = ", ".join(f"{k} {n} (p99 {ms(p)} ms)" for k, (n, p) in get("by_kind", {}).items())
        lines.append(
            f"{m['transitions']} room transitions seen: {m['deadline_transitions']} at a "
            f"deadline [{kinds or '–'}], {m['press_transitions']} after a press (press → last "
            f"screen p99 {ms(get('press_lag_p99'))} ms), {m['incomplete']} not seen by every "
            f"screen of the room; ticker lateness p50 {ms(get('late_p50'))} ms; deadline → last "
            f"screen p50 {ms(get('dl_p50'))} ms"
        )
    if run.kind == "app" and get("presses"):
        lines.append(
            f"speakers: {counts(m['presses'])}; reply p99 {ms(get('press_rtt_p99'))} ms; "
            f"{get('press_late', 0)} cues arrived after the planned press time"
        )
    for name, stretch in (get("_stretches") or {}).items():
        wall = stretch["wall"]
        by_event: Counter = Counter()
        for (role, event), v in stretch["bytes"].items():
            by_event[f"{role} {event}"] += v
        top = ", ".join(f"{k} {v / 1024:.0f} kB" for k, v in by_event.most_common(5))
        infra = stretch.get("infra_cpu")
        among = " (" + ", ".join(f"{k} {v:.1f} s" for k, v in infra.items()) + ")" if infra else ""
        lines.append(
            f"{name} ({wall:.1f} s): CPU server {stretch['server_cpu']:.1f} s, client "
            f"{stretch['client_cpu']:.1f} s, other processes {stretch['others_cpu']:.1f} s"
            f"{among}; "
            f"client loop lag p99 {ms(stretch['lag_p99'])} ms; received "
            f"{sum(stretch['msgs'].values()) / wall:.0f} messages/s, "
            f"{sum(by_event.values()) / wall / 1024:.0f} kB/s ({top})"
        )
    if "log" in m:
        kinds, first = m["log"]
        alive = "still running" if get("alive_at_end") else "**not running**"
        shown = "; first lines: " + " / ".join(f"`{line}`" for line in first) if first else ""
        lines.append(
            f"server {alive} at the end ({get('server_threads', '?')} threads); its log apart "
            f"from startup lines: {counts(kinds)}{shown}"
        )
    if "members" in m:
        lines.append("each process at the end: " + "; ".join(m["members"]))
    if "screens_held" in m:
        lines.append(
            "people's screens each process held when everyone was present (the database's "
            f"`screens`): {m['screens_held']}"
        )
    for name, (kinds, first) in (get("service_logs") or {}).items():
        shown = "; first lines: " + " / ".join(f"`{line}`" for line in first) if first else ""
        lines.append(f"{name}'s log: {counts(kinds)}{shown}")
    return lines


def prepare(run: Run | None) -> None:
    """Put what render needs into the figures dict."""
    if run is None:
        return
    run.m["_stretches"] = run.stretches
    run.m["_session"] = run.stretches.get("session")


def render(args, plan, results: dict, skipped: list[str], began_load: float, elapsed: float) -> str:
    out = ["# Side by side: listening and a bare python-socketio server", ""]
    fingerprints = {
        pair[0].m["code"]
        for pair in results.values()
        if pair[0] is not None and pair[0].m.get("code")
    }
    versions = []
    for package in ("eventlet", "gevent", "python-socketio", "python-engineio", "Flask-SocketIO"):
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    lo, hi = args.turn
    wlo, whi = args.press_window
    out.append(
        f"{time.strftime('%Y-%m-%d %H:%M:%S')}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {', '.join(versions)}; checkout at git {git_revision()}; "
        + (
            f"**the app as committed at `{args.app_rev}`** (exported with git archive)"
            if args.app_rev
            else "**the app from the working tree**"
        )
        + f", code fingerprint {', '.join(sorted(fingerprints)) or '–'}. "
        f"1-minute load average {began_load:.2f} before the run. Server and client share the "
        "machine over loopback; the client is one asyncio process."
    )
    if len(fingerprints) > 1:
        out.append(
            "\n**The app's code changed between runs** (fingerprints above, per run in the "
            "details): "
            "the runs did not all measure the same code."
        )
    out.append("")
    app_env = ", ".join(
        f"`{k}={v}`"
        for k, v in {
            "LISTENING_ALLOW_SHORT_TURNS": "1",
            "LISTENING_RATE_LIMITS": "off",
            "LISTENING_MAX_PEOPLE": "200 (or the session's size if larger)",
            **args.server_env,
        }.items()
    )
    if args.processes:
        out.append(
            f"**Several processes** (`--processes {','.join(map(str, args.processes))}`): for "
            "each run, N fresh `python -m listening serve` processes on one fresh PostgreSQL "
            "database (a cluster of its own), a fresh Redis as their Socket.IO message queue, and "
            "nginx in front (docs/nginx-listening.conf, one worker); every HTTP request and "
            "screen of the client goes through nginx, each screen with its own random `screen` "
            "id, which nginx hashes on. N = 1 runs the same way. Each process has "
            "`LISTENING_TRUSTED_PROXIES=1` (so the per-address cap is left to nginx) and the same "
            "`SECRET_KEY`. **Server RSS, CPU and threads are sums over the N processes** (the "
            "peak is the sum of each process's own VmHWM, which need not have coincided); "
            "nginx, PostgreSQL and Redis count among *other processes* (split out in the "
            "details)."
        )
        out.append("")
    out.append(
        "App: "
        + (
            "N processes as above"
            if args.processes
            else "a fresh server and SQLite database per run"
        )
        + f", {app_env}. Sessions of "
        f"{args.rounds} round(s), turns of {lo:g}–{hi:g} s (spread over the sessions), silence "
        f"{args.silence:g} s, grace {args.grace:g} s; rooms formed by the app (8 a room). "
        "Join storm "
        f"at {args.join_rate:g} joins/s over {args.join_conns} keep-alive connections, each screen "
        f"connecting as its join is answered; sessions started {args.start_stagger:g} s apart. "
        f"Speakers press `finish` at {wlo:.0%}–{whi:.0%} of their turn in "
        f"{args.press_share:.0%} of turns and let the time run out otherwise. Bare server: "
        "the same screens at the same rate, "
        f"rooms of {args.room_size}, one ~{args.bare_payload} B `room` event per room every "
        f"{args.bare_interval[0]:g}–{args.bare_interval[1]:g} s for {args.bare_seconds:g} s."
    )
    out.append("")
    out.append(
        "Reading the tables: *deadline → last screen* and *lateness* count only transitions made "
        "because a deadline passed (the server's `server_now` at or after the previous snapshot's "
        "deadline; a turn ended by an accepted `finish` counts as the press's, even when a busy "
        "server reached the press after the deadline); receipts are corrected by each screen's "
        "clock offset (from `clock` round "
        "trips). *Spread* is the spread of receipt times between a room's screens at every "
        "transition. *Steady* RSS is the median while the session ran; *peak* is VmHWM. "
        "Client CPU near 100% of a core, or a large client loop lag, means the client rather "
        "than the server limited the figures."
    )
    out.append("")
    verdicts = []
    for mode, _mode, _processes in variants(args):
        rows = [(spec, *results[(mode, spec)]) for spec in args.counts if (mode, spec) in results]
        if not rows:
            continue
        for _spec, app, bare in rows:
            prepare(app)
            prepare(bare)
        out.append(render_mode(mode, rows, args))
        for spec, app, bare in rows:
            if app is None:
                continue
            goals = goals_for(app.m, bare.m if bare else None)
            met = [g for g, ok in goals if ok]
            missed = [g for g, ok in goals if ok is False]
            unknown = [g for g, ok in goals if ok is None]
            text = f"- {mode}, {spec_label(spec, args.room_size)}: "
            text += f"met {len(met)} of {len(goals)}"
            if missed:
                text += f"; **missed**: {'; '.join(missed)}"
            if unknown:
                text += f"; not measured: {'; '.join(unknown)}"
            session = app.stretches.get("session")
            if session and (
                session["client_cpu"] / session["wall"] > 0.8 or (session["lag_p99"] or 0) > 0.05
            ):
                text += (
                    f". The client was busy (CPU {pct(session['client_cpu'], session['wall'])} of "
                    f"a core, loop lag p99 {ms(session['lag_p99'])} ms): the latencies are partly "
                    "the client's"
                )
            if session and session["others_cpu"] / session["wall"] > 0.3:
                text += (
                    f". Other programs on the machine used "
                    f"{pct(session['others_cpu'], session['wall'])} of a core during the session"
                )
            if app.m.get("unfinished"):
                text += f". {app.m['unfinished']} screens never saw their room close"
            if app.m.get("cut_short"):
                text += ". **The run did not complete** (see its notes)"
            kinds = (app.m.get("log") or (Counter(), []))[0]
            if kinds.get("Traceback") or kinds.get("ERROR") or kinds.get("CRITICAL"):
                text += f". **Server log: {counts(kinds)}**"
            verdicts.append(text + ".")
    out.append("## Which goals were met\n")
    out += verdicts or ["No run completed."]
    if skipped:
        out.append("")
        out.append("Not run, for lack of time: " + "; ".join(skipped) + ".")
    out.append("")
    out.append("## Details of each run\n")
    for mode, _mode, _processes in variants(args):
        for spec in args.counts:
            if (mode, spec) in results:
                out.append(details(mode, spec, *results[(mode, spec)], args))
    out.append(f"Whole run: {elapsed:.0f} s.")
    return "\n".join(out)


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
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            text=True,
            capture_output=True,
            timeout=10,
        ).stdout.strip()
        return out.stdout.strip() + (" (with uncommitted changes)" if dirty else "")
    except Exception:  # noqa: BLE001
        return "?"


# --------------------------------------------------------------------------- running it all


def parse_range(text: str) -> tuple[float, float]:
    low, _, high = str(text).partition("-")
    return float(low), float(high) if high else float(low)


def parse_counts(text: str, per_session: int) -> list[tuple[int, int]]:
    specs = []
    for item in text.split(","):
        item = item.strip().lower()
        if not item:
            continue
        if item in ("250rooms", "250-rooms"):
            specs.append((1, 2000))
        elif "x" in item:
            sessions, people = item.split("x")
            specs.append((int(sessions), int(people)))
        else:
            n = int(item)
            if n <= per_session:
                specs.append((1, n))
            elif n % per_session:
                raise ValueError(f"{n} is not a multiple of --per-session {per_session}; write SxP")
            else:
                specs.append((n // per_session, per_session))
    return specs


def options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/side_by_side.py",
        description="Run the app and a bare python-socketio server at the same client counts, "
        "in each async mode, through the public protocol, and print a markdown report.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    what = parser.add_argument_group("what to run")
    what.add_argument("--modes", default="eventlet,gevent,threading", help="async modes, in order")
    what.add_argument(
        "--counts",
        default="200,1000,2000",
        help="client counts: N (sessions of --per-session), SxP (S sessions of P), or 250rooms "
        "(= 1x2000: one session of 2,000 people in 250 rooms; LISTENING_MAX_PEOPLE is raised)",
    )
    what.add_argument(
        "--per-session", type=int, default=200, help="people a session, for plain counts"
    )
    what.add_argument("--no-bare", action="store_true", help="run the app only")
    what.add_argument(
        "--processes",
        default=None,
        help="run the app as N processes on PostgreSQL with a Redis message queue behind "
        "nginx, for each N in this list (e.g. 1,2; N=1 the same way, for a fair baseline); RSS "
        "and CPU are summed over the processes. Without it: one process on SQLite, no nginx",
    )
    what.add_argument(
        "--app-rev",
        default=None,
        help="run the app as committed at this git revision (exported with git archive into the "
        "temporary folder) instead of the working tree",
    )
    session = parser.add_argument_group("the sessions (short turns so a run takes about a minute)")
    session.add_argument(
        "--turn", default="4-6", help="turn seconds, or a range spread over the sessions"
    )
    session.add_argument("--rounds", type=int, default=1)
    session.add_argument("--silence", type=float, default=1.0)
    session.add_argument("--grace", type=float, default=1.0)
    session.add_argument(
        "--room-size", type=int, default=8, help="the app's room cap (its default)"
    )
    session.add_argument(
        "--press-share",
        type=float,
        default=0.75,
        help="share of turns in which the speaker presses finish",
    )
    session.add_argument(
        "--press-window", default="0.3-0.8", help="when in the turn they press, as shares of it"
    )
    session.add_argument(
        "--join-rate", type=float, default=200, help="joins (and bare connects) a second"
    )
    session.add_argument(
        "--join-conns", type=int, default=100, help="keep-alive HTTP connections the joins use"
    )
    session.add_argument(
        "--start-stagger", type=float, default=0.0, help="seconds between sessions' starts"
    )
    session.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra setting for the app server (repeatable)",
    )
    bare = parser.add_argument_group("the bare server")
    bare.add_argument(
        "--bare-seconds", type=float, default=20, help="how long it sends room events"
    )
    bare.add_argument("--bare-interval", default="1-2", help="seconds between one room's events")
    bare.add_argument("--bare-payload", type=int, default=500, help="bytes of each room event")
    limits = parser.add_argument_group("bounds")
    limits.add_argument(
        "--time-limit",
        type=float,
        default=1500,
        help="seconds for everything; runs that would not fit are skipped; a watchdog ends it "
        "all 30 s later",
    )
    limits.add_argument(
        "--run-limit", type=float, default=300, help="the most seconds one server's run may take"
    )
    limits.add_argument(
        "--settle-limit",
        type=float,
        default=60,
        help="seconds to wait for every host's lobby to show everyone connected",
    )
    limits.add_argument(
        "--connect-timeout", type=float, default=30, help="seconds a screen may take to connect"
    )
    limits.add_argument(
        "--reply-timeout",
        type=float,
        default=20,
        help="seconds to wait for an HTTP or Socket.IO reply",
    )
    limits.add_argument(
        "--per-address",
        type=int,
        default=400,
        help="screens from one loopback source address (the app's eventlet server holds 500 "
        "from one address)",
    )
    limits.add_argument(
        "--clock-rounds",
        type=int,
        default=4,
        help="clock round trips per screen; the shortest gives the offset",
    )
    limits.add_argument(
        "--clock-parallel",
        type=int,
        default=10,
        help="clock calls in flight at once (fewer: shorter, fairer round trips)",
    )
    limits.add_argument("--seed", type=int, default=1)
    limits.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary folder with the servers' logs and databases",
    )
    args = parser.parse_args(argv)
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = set(args.modes) - {"eventlet", "gevent", "threading"}
    if bad:
        parser.error(f"unknown mode(s): {', '.join(sorted(bad))}")
    try:
        args.counts = parse_counts(args.counts, args.per_session)
        args.turn = parse_range(args.turn)
        args.press_window = parse_range(args.press_window)
        args.bare_interval = parse_range(args.bare_interval)
    except ValueError as error:
        parser.error(str(error))
    if args.processes is not None:
        try:
            args.processes = [int(n) for n in args.processes.split(",") if n.strip()]
        except ValueError:
            parser.error(f"--processes wants numbers such as 1,2, not {args.processes!r}")
        if not args.processes or min(args.processes) < 1:
            parser.error("--processes wants numbers of 1 or more")
    env = {}
    for item in args.server_env:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--server-env wants KEY=VALUE, not {item!r}")
        env[key] = value
    args.server_env = env
    return args


def estimate(args, spec: tuple[int, int]) -> float:
    """Rough seconds one count takes in one mode (app and bare), to skip what cannot fit."""
    people = spec[0] * spec[1]
    wlo, whi = args.press_window
    turn = args.turn[1]
    per_turn = args.silence + turn * (args.press_share * (wlo + whi) / 2 + 1 - args.press_share)
    per_turn += (1 - args.press_share) * args.grace
    app = 10 + people / args.join_rate + 8 + args.rounds * args.room_size * per_turn + 8
    if args.processes:  # PostgreSQL, Redis and nginx to start and stop
        app += 15
    bare = 0 if args.no_bare else 8 + people / args.join_rate + 5 + args.bare_seconds + 6
    return app + bare


def variants(args) -> list[tuple[str, str, int | None]]:
    """(label, async mode, processes), in the order they run: each mode alone (one process on
    SQLite, without --processes), or each mode with each count of --processes."""
    if not args.processes:
        return [(mode, mode, None) for mode in args.modes]
    return [
        (f"{mode}, {n} process{'es' if n > 1 else ''}", mode, n)
        for mode in args.modes
        for n in args.processes
    ]


async def run_all(args, workdir: Path, results: dict, skipped: list[str], deadline: float) -> None:
    for variant, mode, processes in variants(args):
        for spec in args.counts:
            label = f"{variant} {spec_label(spec, args.room_size)}"
            left = deadline - time.monotonic()
            if left < estimate(args, spec) + 10:
                skipped.append(
                    f"{label} (about {estimate(args, spec):.0f} s needed, {left:.0f} s left)"
                )
                log(f"skipping {label}: not enough time left")
                continue
            app = await measured(
                AppRun(args, mode, spec, workdir, processes), min(args.run_limit, left - 5)
            )
            results[(variant, spec)] = (app, None)
            if not args.no_bare:
                left = deadline - time.monotonic()
                if left < 20:
                    skipped.append(f"{label}: the bare server")
                    continue
                bare = await measured(
                    BareRun(args, mode, spec, workdir), min(args.run_limit, left - 5)
                )
                results[(variant, spec)] = (app, bare)


def main(argv: list[str] | None = None) -> int:
    args = options(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    needed = max(s * p for s, p in args.counts) + 2 * args.join_conns + 100
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < needed:
        log(f"warning: the open-file limit is below the {needed} this run needs")
    deadline = START + args.time_limit
    results: dict = {}
    skipped: list[str] = []
    load = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="side-by-side-"))
    try:
        args.app_source = export_revision(args.app_rev, workdir) if args.app_rev else ROOT
    except (RuntimeError, subprocess.SubprocessError, OSError) as error:
        shutil.rmtree(workdir, ignore_errors=True)
        print(f"side_by_side: cannot export --app-rev {args.app_rev}: {error}", file=sys.stderr)
        return 2
    printed = threading.Event()

    def clean_up() -> None:
        stop_everything()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    def report() -> None:
        if printed.is_set():
            return
        printed.set()
        print(
            render(args, None, dict(results), skipped, load, time.monotonic() - START), flush=True
        )

    def watchdog() -> None:
        time.sleep(args.time_limit + 30)
        print(
            f"\n**The run passed its time limit of {args.time_limit:g} s; "
            "stopped by the watchdog.**\n",
            flush=True,
        )
        stop_everything()
        with contextlib.suppress(Exception):
            report()
        clean_up()
        os._exit(3)

    threading.Thread(target=watchdog, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: (clean_up(), os._exit(143)))
    status = 0
    try:
        asyncio.run(run_all(args, workdir, results, skipped, deadline))
    except KeyboardInterrupt:
        skipped.append("the rest (interrupted)")
        status = 130
    finally:
        stop_everything()
    report()
    if any(r is not None and r.m.get("cut_short") for pair in results.values() for r in pair):
        status = status or 1
    if args.keep:
        print(f"\nServer logs and databases kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
