"""The WSGI entry, for a server that runs the app in workers of its own, such as gunicorn:

    python -m listening upgrade
    gunicorn --worker-class eventlet --workers 1 --bind 127.0.0.1:5000 listening.wsgi:app

Socket.IO needs one worker per process (run more processes behind the proxy instead, with a
message queue: docs/deploy.md). The worker class has already patched the standard library; this
module patches psycopg2 to match (``LISTENING_ASYNC_MODE`` says which: eventlet, gevent or
threading), then makes the app and starts what ``listening serve`` starts beside it: this
process's heartbeat and, unless ``LISTENING_RUN_TICKER=0``, its stand-by ticker.
"""

from __future__ import annotations

import os

from .serve import patch_driver, start_beside

mode = os.environ.get("LISTENING_ASYNC_MODE", "eventlet")
patch_driver(mode)

from .app import create_app  # noqa: E402  (after the driver is patched)

app = create_app({"ASYNC_MODE": mode, "SCHEMA_TOOLS": False})
start_beside(app, alone=False)
