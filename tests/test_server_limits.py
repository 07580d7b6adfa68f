"""What one request, one address or a second server can do to a running server: not stop it.

Each test drives a real server process (eventlet, the default) over raw sockets, as an
outsider with nothing but the address would.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
import requests
import websocket

from listening.rehearsal import Host, Person, create_session

from .live import Server

pytestmark = pytest.mark.live


@pytest.fixture
def limited(tmp_path):
    """A server that holds at most 20 connections from one address and drops idle ones in 1 s."""
    server = Server(
        tmp_path, LISTENING_CONNECTIONS_PER_ADDRESS="20", LISTENING_IDLE_SECONDS="1"
    ).start()
    yield server
    server.stop()


def polling_session(url: str) -> str:
    """Open an Engine.IO long-polling session and return its id."""
    opened = requests.get(f"{url}/socket.io/?EIO=4&transport=polling", timeout=5).text
    return json.loads(opened[1:])["sid"]


def raw_post(server: Server, path: str, body: bytes, length: int | None = None) -> bytes:
    """Send a POST by hand (so its length can lie) and return the first bytes of the reply."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(body) if length is None else length}\r\n\r\n"
        )
        conn.sendall(head.encode() + body)
        try:
            return conn.recv(200)
        except TimeoutError:
            return b"no reply"


def test_a_long_polling_post_too_long_or_malformed_is_answered_at_once(server):
    bodies = [(b"4" + b"x" * 20_000, None), (b"4x", 10**9), (b"9abc", None), (b"2probe", None)]
    replies = []
    for body, length in bodies * 5:
        path = f"/socket.io/?EIO=4&transport=polling&sid={polling_session(server.url)}"
        replies.append(raw_post(server, path, body, length)[:12])
    assert replies.count(b"HTTP/1.1 413") == 10
    assert replies.count(b"HTTP/1.1 400") == 10
    assert requests.get(f"{server.url}/healthz", timeout=5).ok


def test_a_long_polling_post_that_stops_half_way_is_answered_without_a_traceback(limited):
    path = f"/socket.io/?EIO=4&transport=polling&sid={polling_session(limited.url)}"
    reply = raw_post(limited, path, b"4", length=100)  # says 100 bytes, sends 1, then waits
    assert reply.startswith(b"HTTP/1.1 408")
    assert "Traceback" not in limited.log()


def test_a_binary_event_with_endless_attachments_ends_that_clients_connection(server):
    session = create_session(server.url, server.host(), title="Binary")
    person = Person(server.url, session["code"], "Ada")
    person.join()
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", timeout=5
    )
    try:
        assert ws.recv().startswith("0")
        ws.send("40" + json.dumps({"session": session["code"], "token": person.token}))
        while not ws.recv().startswith("40"):
            pass
        ws.send('459999999999-["finish",{"_placeholder":true,"num":0}]')
        assert ended(ws), "the server ended the connection of a client that sent binary"
    finally:
        ws.shutdown()  # close() skips the socket once the server has closed the connection
    assert requests.get(f"{server.url}/healthz", timeout=5).ok


def ended(ws: websocket.WebSocket) -> bool:
    """Return whether the server closes this websocket (each read waits at most 5 s)."""
    for _ in range(100):
        try:
            if ws.recv() == "":
                return True
        except websocket.WebSocketConnectionClosedException:
            return True
        except websocket.WebSocketTimeoutException:
            return False
    return False


def connect_from(address: str, port: int) -> socket.socket:
    conn = socket.socket()
    conn.bind((address, 0))
    conn.connect(("127.0.0.1", port))
    return conn


def answers(address: str, port: int) -> bool:
    """Return whether a health check from this source address gets an answer."""
    with connect_from(address, port) as conn:
        conn.settimeout(5)
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            return conn.recv(100).startswith(b"HTTP/1.1 200")
        except (ConnectionResetError, TimeoutError):
            return False


def test_one_address_cannot_take_every_connection_and_idle_ones_are_dropped(limited):
    idle = [connect_from("127.0.0.1", limited.port) for _ in range(20)]
    assert answers("127.0.0.2", limited.port), "another address is still served"
    assert not answers("127.0.0.1", limited.port), "the full address is refused"
    for conn in idle:
        conn.settimeout(10)
        assert conn.recv(1) == b"", "the server closed a connection that sent nothing"
        conn.close()
    assert answers("127.0.0.1", limited.port)


def test_a_second_server_on_the_same_database_refuses_and_the_first_keeps_its_people(
    server, tmp_path
):
    session = create_session(server.url, server.host(), title="Only one")
    person = Person(server.url, session["code"], "Ada")
    person.join()
    person.connect()
    second = subprocess.run(
        [sys.executable, "-m", "listening", "serve", "--port", str(server.port + 1)],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode != 0
    assert "already running on" in second.stderr
    host = Host(server.url, session["code"], session["host_key"])
    host.connect()
    try:
        assert host.wait_for(lambda console: console["people"][0]["present"], timeout=10)
    finally:
        host.sio.disconnect()
        person.close()


def test_a_second_server_cannot_share_the_port(server, tmp_path):
    other = Server(tmp_path / "other", DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite'}")
    (tmp_path / "other").mkdir()
    second = subprocess.run(
        [sys.executable, "-m", "listening", "serve", "--port", str(server.port)],
        env=other.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode != 0 and "cannot listen" in second.stderr
    assert requests.get(f"{server.url}/healthz", timeout=5).ok
