"""Every refusal a client can get has one code, one HTTP status, and a line in the protocol."""

from __future__ import annotations

import ast
from pathlib import Path

from listening import errors

ROOT = Path(__file__).resolve().parent.parent


def codes_raised() -> set[str]:
    """Return every code passed to Refused(...) anywhere in the app's source."""
    codes = set()
    for path in (ROOT / "listening").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Refused"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                codes.add(node.args[0].value)
    return codes


def test_every_code_the_server_raises_is_in_the_table():
    raised = codes_raised()
    assert {"not_speaker", "unknown_session", "busy"} <= raised  # the reader finds them
    assert raised - set(errors.STATUS) == set()


def test_every_code_in_the_table_is_explained_in_the_protocol():
    protocol = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    assert [code for code in errors.STATUS if f"`{code}`" not in protocol] == []


def test_an_api_client_gets_the_codes_status_and_a_person_gets_a_page(client):
    joined = client.post("/api/sessions/nope/join", json={"name": "Sam"})
    assert joined.status_code == 404 and joined.json["error"] == "unknown_session"
    page = client.get("/s/nope", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    asked_for_json = client.get("/s/nope", headers={"Accept": "application/json"})
    assert asked_for_json.status_code == 404
    assert asked_for_json.json == {
        "error": "unknown_session",
        "message": "We can't find that session. Check the link.",
    }
