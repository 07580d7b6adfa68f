"""The pages participants open, and the health check monitors open."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from .. import services

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
    """Say the server is up."""
    return jsonify(ok=True)
