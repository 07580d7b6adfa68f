"""The client side the benchmarks share: raw HTTP/1.1 and WebSocket over asyncio, and small
helpers for their reports. No Socket.IO library: the benches speak the wire protocol themselves,
so what they measure is the server, not a client library.

Used by bench/attack_load.py and bench/side_by_side.py (run from the project root; ``bench/`` is
on the import path when either runs as a script).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import struct
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HOST = "127.0.0.1"
START = time.monotonic()
CLK_TCK = os.sysconf("SC_CLK_TCK")
#: the app's sign-in cookie (SESSION_COOKIE_NAME in listening/config.py)
SIGNED_IN = "listening_signed_in"


def log(message: str) -> None:
    """Progress, on standard error, with the seconds since the start."""
    print(f"[{time.monotonic() - START:7.1f}s] {message}", file=sys.stderr, flush=True)


def percentile(values, p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def counts(counter: Counter) -> str:
    """A Counter as 'a×3, b×1', most common first ('–' when empty)."""
    return ", ".join(f"{k}×{v}" for k, v in counter.most_common()) or "–"


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def die_with_parent() -> None:
    """In the server's child process: be sent SIGTERM if this bench dies, however it dies."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) of a process, from /proc."""
    try:
        parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(parts[11]) + int(parts[12])) / CLK_TCK


async def open_conn(port: int, source: str | None = None, timeout: float = 15):
    return await asyncio.wait_for(
        asyncio.open_connection(
            HOST, port, local_addr=(source, 0) if source else None, limit=1 << 22
        ),
        timeout,
    )


async def read_head(reader) -> tuple[int, dict[str, str]]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if sep:
            headers[key.strip().lower()] = value.strip()
    return status, headers


async def read_response(reader) -> tuple[int, dict[str, str], bytes]:
    status, headers = await read_head(reader)
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                break
            chunks.append(await reader.readexactly(size))
            await reader.readline()
        body = b"".join(chunks)
    elif status in (101, 204, 304):
        body = b""
    else:
        body = await reader.read()
    return status, headers, body


class KeepAlive:
    """One HTTP/1.1 keep-alive connection, one request at a time."""

    def __init__(self, port: int, source: str | None = None, cookie: str | None = None):
        self.port, self.source = port, source
        #: sent as the Cookie header with every request (from ``sign_in``), if given
        self.cookie = cookie
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, payload: object = None, timeout: float = 20
    ) -> tuple[int, dict[str, str], bytes]:
        body = b"" if payload is None else json.dumps(payload).encode()
        if self.writer is None:
            self.reader, self.writer = await open_conn(self.port, self.source)
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
            "Accept: application/json\r\nContent-Type: application/json\r\n"
            + (f"Cookie: {self.cookie}\r\n" if self.cookie else "")
            + f"Content-Length: {len(body)}\r\n\r\n"
        )
        try:
            self.writer.write(head.encode() + body)
            status, headers, data = await asyncio.wait_for(read_response(self.reader), timeout)
        except BaseException:
            await self.close()
            raise
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, headers, data

    async def json(self, method: str, path: str, payload: object = None, timeout: float = 20):
        status, headers, data = await self.request(method, path, payload, timeout)
        try:
            return status, headers, json.loads(data or b"null")
        except ValueError:
            return status, headers, None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.writer.wait_closed(), 2)
        self.reader = self.writer = None


#: the coordinator account a benchmark makes for each app server it starts
ACCOUNT = "bench@example.org"


async def make_account_and_sign_in(port: int, env: dict, cwd) -> str | None:
    """Create the benchmark's coordinator with the app's own command, in the server's
    environment (so in its database, which serving has upgraded), and sign in once; return
    the cookie (see :func:`sign_in`)."""
    password = secrets.token_urlsafe(16)
    made = subprocess.run(
        [sys.executable, "-m", "listening", "create-coordinator"]
        + ["--email", ACCOUNT, "--password", password],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if made.returncode:
        raise RuntimeError(f"create-coordinator failed:\n{made.stdout}{made.stderr}")
    return await sign_in(port, ACCOUNT, password)


async def sign_in(port: int, email: str, password: str) -> str | None:
    """Sign in once (``POST /api/sign-in``) and return the sign-in cookie as ``name=value``, to
    give each ``KeepAlive`` that creates sessions: creating one needs a signed-in account.

    Sign-in is limited to 10 a minute per address, this machine included, so sign in once per
    server and reuse the cookie. None from an app without that API (an older revision, run by
    ``side_by_side.py --app-rev``), which let anyone create sessions.
    """
    conn = KeepAlive(port)
    try:
        status, headers, body = await conn.json(
            "POST", "/api/sign-in", {"email": email, "password": password}
        )
    finally:
        await conn.close()
    if status == 404:
        return None
    cookie = headers.get("set-cookie", "").split(";", 1)[0].strip()
    if status != 200 or not cookie.startswith(SIGNED_IN + "="):
        raise RuntimeError(f"signing in answered {status} without a {SIGNED_IN} cookie: {body}")
    return cookie


def mask(data: bytes, key: bytes) -> bytes:
    n = len(data)
    if not n:
        return b""
    keys = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(keys, "big")).to_bytes(n, "big")


def frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    key = os.urandom(4)
    return head + key + mask(payload, key)
