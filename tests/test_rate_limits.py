"""One address cannot fill a session with made-up people, flood the server with sessions, or
reconnect without end: past a limit it gets a clear 429 and when to try again."""

from __future__ import annotations

import pytest

from listening.extensions import socketio

from .conftest import with_csrf

SOMEONE = {"REMOTE_ADDR": "203.0.113.5"}
SOMEONE_ELSE = {"REMOTE_ADDR": "198.51.100.7"}


@pytest.fixture
def limited(app, world):
    app.config.update(LIMIT_JOIN="3 per minute", LIMIT_CREATE="2 per hour")
    world.create()
    return world


def join(world, name: str, address: dict):
    return world.http.post(
        f"/api/sessions/{world.code}/join", json={"name": name}, environ_base=address
    )


def test_one_address_can_join_only_so_many_times_a_minute(limited):
    replies = [join(limited, f"Fake {n}", SOMEONE) for n in range(4)]
    assert [r.status_code for r in replies] == [201, 201, 201, 429]
    assert replies[-1].json["error"] == "rate_limited"
    assert "wait a minute" in replies[-1].json["message"]
    assert 0 < int(replies[-1].headers["Retry-After"]) <= 60  # until the minute is up
    assert join(limited, "Real", SOMEONE_ELSE).status_code == 201, "others are not held up"


def test_creating_by_form_or_api_shares_one_limit_and_people_get_a_calm_page(
    limited, client, signed_in, form
):
    made = [
        client.post("/api/sessions", json={"title": "One"}, environ_base=SOMEONE).status_code,
        client.post("/sessions", data=with_csrf(client, form), environ_base=SOMEONE).status_code,
    ]
    assert made == [201, 303]
    page = client.post("/sessions", data=with_csrf(client, form), environ_base=SOMEONE)
    assert page.status_code == 429 and "wait a minute" in page.get_data(as_text=True)
    assert 0 < int(page.headers["Retry-After"]) <= 3600
    api = client.post("/api/sessions", json={"title": "Three"}, environ_base=SOMEONE)
    assert api.status_code == 429 and api.json["error"] == "rate_limited"


def test_this_machine_itself_is_not_limited(limited):
    assert all(
        join(limited, f"Rehearsal {n}", {"REMOTE_ADDR": "127.0.0.1"}).status_code == 201
        for n in range(6)
    )


def test_live_connections_from_one_address_are_limited_too(app, world):
    app.config.update(LIMIT_CONNECT="2 per minute", LIMIT_EXEMPT="")
    world.create()
    world.join("Ada", connect=False)
    auth = {"session": world.code, "token": world.tokens["Ada"]}
    clients = [socketio.test_client(app, auth=auth) for _ in range(3)]
    try:
        assert [c.is_connected() for c in clients] == [True, True, False]
    finally:
        for client in clients:
            if client.is_connected():
                client.disconnect()


UNREACHABLE_STORAGE = """
from listening.app import create_app
from listening.services import accounts
from flask_migrate import upgrade

app = create_app({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0", "LIMIT_JOIN": "2 per minute"})
with app.app_context():
    upgrade(directory=app.extensions["migrate"].directory)
http = app.test_client()
away = {"REMOTE_ADDR": "203.0.113.5"}
replies = [
    http.post("/api/sessions/nosuch/join", json={"name": "A"}, environ_base=away).status_code
    for _ in range(3)
]
print(replies)
"""


@pytest.mark.live
def test_limits_kept_in_redis_count_in_the_process_while_redis_is_away(tmp_path):
    """Several processes share their counts in Redis; when it is down, nobody is refused a
    page for it, and each process goes on limiting by itself."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'limits.sqlite'}"}
    done = subprocess.run(
        [sys.executable, "-c", UNREACHABLE_STORAGE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[404, 404, 429]", "answered, and still limited"
