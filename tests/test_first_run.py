"""A fresh server prints a one-time link that creates the first coordinator; there is no default
password. Run as a user runs it: `python -m listening serve`, then a browser-like HTTP client."""

from __future__ import annotations

import re

import pytest
import requests

from .live import Server

pytestmark = pytest.mark.live

LINK = re.compile(r"First run: create the first coordinator at (\S+/setup/(\S+)) ")


def printed_link(server: Server) -> str | None:
    found = LINK.findall(server.log())
    return found[-1][1] if found else None


def test_a_fresh_server_prints_a_setup_link_that_works_once(tmp_path):
    server = Server(tmp_path).start()
    try:
        first = printed_link(server)
        assert first, f"the run command prints a setup link on a fresh database:\n{server.log()}"
        server.stop()
        server.start()
        second = printed_link(server)
        assert second and second != first, "each start prints a new link"
        browser = requests.Session()
        assert browser.get(f"{server.url}/setup/{first}").status_code == 404, "the older one ends"
        page = browser.get(f"{server.url}/setup/{second}")
        assert page.status_code == 200 and "Create the first coordinator" in page.text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
        assert token, "the form carries a CSRF token"
        password = "a long enough secret"
        done = browser.post(
            f"{server.url}/setup/{second}",
            data={
                "csrf_token": token.group(1),
                "email": "lead@example.org",
                "password": password,
                "again": password,
            },
            allow_redirects=False,
        )
        assert done.status_code == 303
        assert "lead@example.org" in browser.get(f"{server.url}/account").text
        assert browser.get(f"{server.url}/setup/{second}").status_code == 410
        server.stop()
        server.start()
        assert printed_link(server) == second, "no new link once a coordinator exists"
    finally:
        server.stop()
