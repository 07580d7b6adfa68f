"""HTTP: the pages people open and the small JSON API that creates and joins sessions."""

from __future__ import annotations

import io

import segno
from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException, NotFound

from .. import services
from ..engine import Refused
from ..extensions import db
from .emit import publish_safely

bp = Blueprint("pages", __name__)


def _links(code: str, host_key: str | None = None) -> dict:
    links = {"participant_url": url_for("pages.participant", code=code, _external=True)}
    if host_key is not None:
        links["host_url"] = url_for("pages.host", code=code, _external=True) + f"#key={host_key}"
    return links


class SessionNotFound(NotFound):
    """A link to a session that does not exist: answered with a calm page."""


def _session_or_404(code: str):
    try:
        return services.find_session(code)
    except Refused as refused:
        raise SessionNotFound(refused.message) from None


@bp.get("/")
def create_form():
    """Show the form a host fills in to create a session."""
    return render_template(
        "create.html",
        form=services.session_form_defaults(),
        errors={},
        room_cap=current_app.config["ROOM_CAP"],
    )


@bp.post("/sessions")
def create_from_form():
    """Create a session from the HTML form and send the host to their console."""
    data = {
        key: request.form.get(key, "")
        for key in ("title", "turn_seconds", "rounds", "silence_seconds", "grace_seconds")
    }
    data["prompts"] = request.form.getlist("prompts")
    try:
        session, host_key = services.create_session(data)
    except services.Invalid as invalid:
        data["prompts"] = data["prompts"] or services.DEFAULT_PROMPTS
        return (
            render_template(
                "create.html",
                form=data,
                errors=invalid.fields,
                room_cap=current_app.config["ROOM_CAP"],
            ),
            400,
        )
    return redirect(_links(session.code, host_key)["host_url"], code=303)


@bp.post("/api/sessions")
def create_api():
    """Create a session from JSON; the reply holds the host key, shown only this once."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _error(Refused("bad_request", "Send the session's settings as a JSON object."), 400)
    try:
        session, host_key = services.create_session(data)
    except services.Invalid as invalid:
        return jsonify(error="invalid", message=invalid.message, fields=invalid.fields), 400
    body = {"code": session.code, "host_key": host_key, **_links(session.code, host_key)}
    body["session"] = {"title": session.title, "prompts": session.prompts}
    return jsonify(body), 201


@bp.post("/api/sessions/<code>/join")
def join_api(code: str):
    """Join a session by first name; the reply's token lets this browser come back."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _error(Refused("bad_request", 'Send your first name as JSON: {"name": …}.'), 400)
    try:
        participant, token, changes = services.join(code, data.get("name"))
    except Refused as refused:
        db.session.rollback()
        status = {"unknown_session": 404, "ended": 409, "full": 409, "busy": 503}
        return _error(refused, status.get(refused.code, 400))
    body = {"participant": {"id": participant.public_id, "name": participant.name}, "token": token}
    publish_safely(changes)
    return jsonify(body), 201


def _error(refused: Refused, status: int):
    return jsonify(error=refused.code, message=refused.message), status


@bp.get("/s/<code>")
def participant(code: str):
    """Show the page a participant follows the session on."""
    found = _session_or_404(code)
    return render_template(
        "participant.html", session=found, room_cap=current_app.config["ROOM_CAP"]
    )


@bp.get("/s/<code>/host")
def host(code: str):
    """Show the host's console; the page proves it is the host with the key in its fragment."""
    found = _session_or_404(code)
    return render_template(
        "host.html",
        session=found,
        participant_url=_links(code)["participant_url"],
        qr_url=url_for("pages.qr", code=code),
    )


@bp.get("/s/<code>/qr.svg")
def qr(code: str):
    """Return a QR code of the participant link, for people joining on a phone."""
    _session_or_404(code)
    out = io.BytesIO()
    segno.make(_links(code)["participant_url"], error="m").save(
        out, kind="svg", scale=6, border=2, title="QR code for the participant link"
    )
    return Response(out.getvalue(), mimetype="image/svg+xml")


@bp.get("/healthz")
def healthz():
    """Say the server is up."""
    return jsonify(ok=True)


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Answer API calls with JSON and people with a calm page."""
    if request.path.startswith("/api/"):
        return jsonify(error=error.name.lower().replace(" ", "_"), message=error.description), (
            error.code
        )
    if isinstance(error, SessionNotFound):
        return render_template("not_found.html", message=error.description), 404
    if error.code == 404:
        message = "We can't find that page. Check the link you were given."
        return render_template("not_found.html", message=message), 404
    return error
