"""A real server process on a free port, for tests that need the whole stack."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import requests


def free_port() -> int:
    """Return a TCP port on loopback that nothing is listening on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m listening serve`` in a subprocess, as a user runs it."""

    def __init__(self, tmp_path, mode: str = "eventlet", **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mode = mode
        self.log_path = tmp_path / f"server-{self.port}.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'live.sqlite'}",
            "LISTENING_ALLOW_SHORT_TURNS": "1",
            **env,
        }
        self.db_path = tmp_path / "live.sqlite"
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        """Start the server and wait until it answers."""
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "listening", "serve", "--port", str(self.port)]
                + ["--async-mode", self.mode],
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

    def log(self) -> str:
        """Return what the server printed."""
        return self.log_path.read_text() if self.log_path.exists() else ""
