"""Throwaway PostgreSQL, Redis and nginx servers on loopback, for the tests that need them.

Each runs from Debian's packages in a temporary folder on a free port and is stopped and
removed afterwards. Where a package is missing the tests that need it are skipped, except when
``LISTENING_REQUIRE_SERVERS=1`` (set by ``.ci/run``, which installs them): then a missing
server fails the run loudly instead of quietly testing less.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REQUIRED = os.environ.get("LISTENING_REQUIRE_SERVERS") == "1"


def missing(what: str) -> None:
    """Skip the test for want of a server, or fail when CI promised every server is there."""
    if REQUIRED:
        pytest.fail(f"{what} is not installed, and LISTENING_REQUIRE_SERVERS=1 says it must be")
    pytest.skip(f"{what} is not installed (apt-get install it to run this test)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float = 20.0) -> None:
    """Wait until something accepts connections on this loopback port."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing answered on port {port} within {seconds} s")


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user when we are root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Postgres:
    """A PostgreSQL cluster of its own: initdb in a temporary folder, served on loopback."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            missing("PostgreSQL (apt-get install postgresql)")
        self.bin = Path(found[-1]).parent
        self.folder = Path(tempfile.mkdtemp(prefix="listening-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        subprocess.run(
            _as_postgres(
                [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
                + ["--no-instructions", "-E", "UTF8"]
            ),
            check=True,
            capture_output=True,
        )
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def _ctl(self, *args: str) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        log = str(self.folder / "server.log")
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", log, "-o", options]
        subprocess.run(_as_postgres([*command, *args]), check=True, capture_output=True)

    def start(self) -> None:
        self._ctl("-w", "start")
        self.down = False

    def stop(self) -> None:
        """Stop the server as an administrator would for an upgrade (fast: connections end)."""
        self._ctl("-w", "-m", "fast", "stop")
        self.down = True

    def stopped(self) -> bool:
        return self.down

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement with psql; return what it printed."""
        done = subprocess.run(
            ["psql", "-X", "-q", "-At", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
            + ["-d", database, "-c", statement],
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    def files_of(self, database: str) -> bytes:
        """Return every byte the server keeps on disk for this database and the whole cluster's
        write-ahead log: what a disk image would hold, read without asking the server first."""
        oid = self.sql(f"SELECT oid FROM pg_database WHERE datname = '{database}'")
        folders = [self.data / "base" / oid, self.data / "pg_wal", self.data / "global"]
        chunks = []
        for folder in folders:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    chunks.append(path.read_bytes())
        return b"".join(chunks)

    def close(self) -> None:
        try:
            self._ctl("-w", "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)


class Redis:
    """A Redis server of its own on loopback, keeping nothing on disk."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            missing("Redis (apt-get install redis-server)")
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(self.binary), "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)

    def close(self) -> None:
        self.stop()


class Nginx:
    """nginx as the site's reverse proxy: WebSockets passed through, one screen kept on one
    process (by the ``screen`` query parameter), and a dead process's screens sent on."""

    def __init__(self, backends: list[int], template: Path, connections: int = 4096) -> None:
        self.binary = shutil.which("nginx") or (
            "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None
        )
        if self.binary is None:
            missing("nginx (apt-get install nginx)")
        self.folder = Path(tempfile.mkdtemp(prefix="listening-nginx-"))
        (self.folder / "logs").mkdir()
        self.port = free_port()
        servers = "\n".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in backends
        )
        text = template.read_text()
        for key, value in {"LISTEN": f"127.0.0.1:{self.port}", "SERVERS": servers}.items():
            text = text.replace("{{" + key + "}}", value)
        conf = self.folder / "nginx.conf"
        conf.write_text(
            "daemon off;\nworker_processes 1;\npid nginx.pid;\nerror_log logs/error.log warn;\n"
            f"worker_rlimit_nofile {connections + 1000};\n"
            f"events {{ worker_connections {connections}; }}\nhttp {{\n"
            "  access_log off;\n"
            "  client_body_temp_path tmp; proxy_temp_path tmp;\n"
            "  fastcgi_temp_path tmp; uwsgi_temp_path tmp; scgi_temp_path tmp;\n"
            f"{text}\n}}\n"
        )
        (self.folder / "tmp").mkdir()
        self.process = subprocess.Popen(
            [self.binary, "-p", str(self.folder), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # it logs to logs/error.log in its folder
        )
        wait_for_port(self.port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)
