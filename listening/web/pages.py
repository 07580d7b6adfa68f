"""The pages participants open, and the health check monitors open."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from .. import services
from ..services import health

bp = Blueprint("pages", __name__)


@bp.get("/s/<code>")
def participant(code: str):
    """Show the page a participant joins and follows the session on."""
    session = services.find_session(code)
    return render_template(
        "pages/participant.html", session=session, room_cap=current_app.config["ROOM_CAP"]
    )


@bp.get("/healthz")
def healthz():
    """Say whether the server can serve: it answers, reads the store, and its last write worked.

    A monitor gets 503 and the reason (read-only, full, ...) while any of that is not so.
    """
    problem = health.check()
    if problem:
        return jsonify(ok=False, store=problem), 503
    return jsonify(ok=True, store="ok")
