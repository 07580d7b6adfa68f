"""The JSON API: sign in, create a session and join one. Errors answer in JSON (see errors.py).

A JSON body needs ``application/json``, which a page on another site cannot send without
asking first (and this server never allows it), so these need no CSRF token.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_login import login_user

from .. import services
from ..clock import now as clock_now
from ..clock import stamp
from ..engine import Refused
from ..realtime.publish import publish_safely
from ..services import accounts, names, validation
from .accounts import SignedIn
from .host import signed_in_host
from .limits import creating, joining, signing_in, signing_in_as_json
from .links import host_url, participant_url

bp = Blueprint("api", __name__, url_prefix="/api")


def _json_object(refusal: str) -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Refused("bad_request", refusal)
    return data


@bp.post("/sign-in")
@signing_in
@signing_in_as_json
def sign_in():
    """Sign in with email and password (for scripts); the reply sets the sign-in cookie."""
    data = _json_object('Send {"email": …, "password": …} as JSON.')
    email, password = data.get("email"), data.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        raise Refused("bad_request", "The email and password must be text.")
    account = accounts.sign_in(email, password)
    login_user(SignedIn.of(account))
    return jsonify({"email": account.email, "role": str(account.role)})


@bp.post("/sessions")
@creating
def create_session():
    """Create a session from JSON as the signed-in host; the reply holds the host key, shown
    only this once."""
    account_id = signed_in_host()
    data = _json_object("Send the session's settings as a JSON object.")
    settings = validation.new_session(
        data, current_app.config["ALLOW_SHORT_TURNS"], stamp(clock_now())
    )
    session, host_key = services.create_session(settings, account_id)
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
    participant, shown, token, changes = services.join(code, name)
    body = {"participant": {"id": participant.public_id, "name": shown}, "token": token}
    publish_safely(changes)
    return jsonify(body), 201
