"""What hosts open: the create form, their console, and the QR code of the participant link."""

from __future__ import annotations

import io
import math
import re

import segno
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from .. import engine, services
from ..services import validation
from .limits import creating
from .links import host_url, participant_url

bp = Blueprint("host", __name__)

#: the settings the create form has, each read from the form as text
FORM_FIELDS = ("title", "turn_seconds", "rounds", "silence_seconds", "grace_seconds")
#: how a whole number may be typed (the same pattern as static/js/estimate.js)
WHOLE_NUMBER = re.compile(r"\s*[-+]?[0-9]+\s*")


@bp.get("/")
def create_form():
    """Show the form a host fills in to create a session."""
    return _form(validation.form_defaults(), {})


@bp.post("/sessions")
@creating
def create_from_form():
    """Create a session from the HTML form and send the host to their console."""
    data: dict = {key: request.form.get(key, "") for key in FORM_FIELDS}
    data["prompts"] = request.form.getlist("prompts")
    try:
        settings = validation.new_session(data, current_app.config["ALLOW_SHORT_TURNS"])
    except validation.Invalid as invalid:
        data["prompts"] = data["prompts"] or list(engine.DEFAULT_PROMPTS)
        return _form(data, invalid.fields), 400
    session, host_key = services.create_session(settings)
    return redirect(host_url(session.code, host_key), code=303)


def _form(values: dict, errors: dict):
    cap = current_app.config["ROOM_CAP"]
    limits = validation.limits(allow_short_turns=False)
    chosen = as_typed(values, limits)
    return render_template(
        "host/create.html",
        form=values,
        errors=errors,
        room_cap=cap,
        limits=limits,
        defaults=validation.form_defaults(),
        chosen=chosen,
        estimate=full_room_sentence(chosen, cap),
    )


def as_typed(values: dict, limits: dict[str, tuple[int, int]]) -> dict[str, int]:
    """Return the form's numbers as typed, so a form being corrected still reads sensibly.

    A value that is not a whole number counts as the default, and one out of range as the
    nearest limit. static/js/estimate.js reads the form the same way; a test keeps them in step.
    """
    defaults = validation.form_defaults()
    typed = {}
    for name, (low, high) in limits.items():
        text = str(values.get(name, "")).strip()
        value = int(defaults[name])
        if WHOLE_NUMBER.fullmatch(text):
            sign = -1 if text[0] == "-" else 1
            digits = text.lstrip("+-").lstrip("0") or "0"
            # Thousands of digits are past any limit (and past what int() will read).
            value = sign * (int(digits) if len(digits) < 10 else 10**10)
        typed[name] = min(max(value, low), high)
    return typed


def full_room_sentence(typed: dict[str, int], cap: int) -> str:
    """Return "A full room of 8 takes about 50 minutes." for the form's settings."""
    settings = engine.Settings(
        turn_seconds=typed["turn_seconds"],
        rounds=typed["rounds"],
        silence_seconds=typed["silence_seconds"],
        room_cap=cap,
    )
    # Halves round up, as the browser's Math.round does.
    minutes = math.floor(engine.full_room_seconds(settings) / 60 + 0.5)
    return f"A full room of {cap} takes about {minutes} {'minute' if minutes == 1 else 'minutes'}."


@bp.get("/s/<code>/host")
def console(code: str):
    """Show the host's console; the page proves it is the host with the key in its fragment."""
    session = services.find_session(code)
    return render_template(
        "host/console.html",
        session=session,
        participant_url=participant_url(code),
        qr_url=url_for("host.qr", code=code),
    )


@bp.get("/s/<code>/qr.svg")
def qr(code: str):
    """Return a QR code of the participant link, for people joining on a phone."""
    services.find_session(code)
    out = io.BytesIO()
    segno.make(participant_url(code), error="m").save(
        out, kind="svg", scale=6, border=2, title="QR code for the participant link"
    )
    return Response(out.getvalue(), mimetype="image/svg+xml")
