"""The WSGI entry a WSGI server (gunicorn's eventlet or gevent worker) imports."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.live

CHECK = """
from listening.wsgi import app
from listening.extensions import db
from listening.models import ServerProcess
reply = app.test_client().get("/healthz")
assert reply.status_code == 200, reply.data
assert app.test_client().get("/").status_code == 200
with app.app_context():
    assert [p.id for p in ServerProcess.query.all()] == [app.config["PROCESS_ID"]]
print("served")
"""


def test_a_wsgi_server_can_import_the_app_and_serve_pages(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wsgi.sqlite'}",
        "LISTENING_ASYNC_MODE": "threading",
    }
    upgrade = [sys.executable, "-m", "listening", "upgrade"]
    subprocess.run(upgrade, env=env, check=True, capture_output=True, timeout=60)
    done = subprocess.run(
        [sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "served" in done.stdout, done.stderr
