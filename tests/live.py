"""A real server process on a free port, for tests that need the whole stack."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import requests


def free_port() -> int:
    """Return a TCP port on loopback that nothing is listening on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: what the run command prints on a fresh database
SETUP_LINK = re.compile(r"First run: create the first coordinator at (\S+/setup/\S+) ")
#: the account live tests host with
HOST_EMAIL, HOST_PASSWORD = "host@example.org", "listen well, friends"


class Server:
    """``python -m listening serve`` in a subprocess, as a user runs it."""

    def __init__(self, tmp_path, mode: str = "eventlet", database_url: str | None = None, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mode = mode
        self.log_path = tmp_path / f"server-{self.port}.log"
        self.db_path = tmp_path / "live.sqlite"
        self.database_url = database_url or f"sqlite:///{self.db_path}"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "LISTENING_ALLOW_SHORT_TURNS": "1",
            **env,
        }
        self.extra: list[str] = []
        self.process: subprocess.Popen | None = None
        self._host: requests.Session | None = None

    def start(self) -> Server:
        """Start the server and wait until it answers."""
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "listening", "serve", "--port", str(self.port)]
                + ["--async-mode", self.mode, *self.extra],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                # not listening yet, or listening but still starting
                time.sleep(0.05)
        raise RuntimeError(f"server did not start:\n{self.log()}")

    def kill(self) -> None:
        """Stop the process at once, as a crash or a power cut would."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the process politely."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def query(self, sql: str) -> list[tuple]:
        """Read the server's database directly, as an administrator would (SQLite or not)."""
        from sqlalchemy import create_engine, text

        from listening.app import database_url

        engine = create_engine(database_url(self.database_url))
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(sql))]
        finally:
            engine.dispose()

    def log(self) -> str:
        """Return what the server printed."""
        return self.log_path.read_text() if self.log_path.exists() else ""

    def host(self) -> requests.Session:
        """Return an HTTP session signed in as this server's first coordinator, made the way
        a new installation's is: from the setup link the run command printed."""
        if self._host is None:
            found = SETUP_LINK.search(self.log())
            assert found, f"a fresh server prints its setup link:\n{self.log()}"
            # The printed link names "localhost"; the tests reach the server at 127.0.0.1.
            link = self.url + urlsplit(found.group(1)).path
            http = requests.Session()
            page = http.get(link, timeout=10)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
            assert token, "the setup form carries a CSRF token"
            made = http.post(
                link,
                data={
                    "csrf_token": token.group(1),
                    "email": HOST_EMAIL,
                    "password": HOST_PASSWORD,
                    "again": HOST_PASSWORD,
                },
                allow_redirects=False,
                timeout=10,
            )
            assert made.status_code == 303, made.text
            self._host = http
        return self._host
