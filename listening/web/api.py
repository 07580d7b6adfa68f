"""The JSON API: create a session and join one. Errors answer in JSON (see errors.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .. import services
from ..engine import Refused
from ..realtime.publish import publish_safely
from ..services import names, validation
from .limits import creating, joining
from .links import host_url, participant_url

bp = Blueprint("api", __name__, url_prefix="/api")


def _json_object(refusal: str) -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Refused("bad_request", refusal)
    return data


@bp.post("/sessions")
@creating
def create_session():
    """Create a session from JSON; the reply holds the host key, shown only this once."""
    data = _json_object("Send the session's settings as a JSON object.")
    settings = validation.new_session(data, current_app.config["ALLOW_SHORT_TURNS"])
    session, host_key = services.create_session(settings)
    body = {
        "code": session.code,
        "host_key": host_key,
        "participant_url": participant_url(session.code),
        "host_url": host_url(session.code, host_key),
        "session": {"title": session.title, "prompts": session.prompts},
    }
    return jsonify(body), 201


@bp.post("/sessions/<code>/join")
@joining
def join(code: str):
    """Join a session by first name; the reply's token lets this browser come back."""
    data = _json_object('Send your first name as JSON: {"name": …}.')
    services.find_session(code)
    name = names.first_name(data.get("name"))
    participant, token, changes = services.join(code, name)
    body = {"participant": {"id": participant.public_id, "name": participant.name}, "token": token}
    publish_safely(changes)
    return jsonify(body), 201
