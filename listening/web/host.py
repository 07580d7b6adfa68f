"""What hosts open: the create form, their sessions, their console, and the QR code of the
participant link. Creating needs a host's or coordinator's account; the console opens with the
key in its link (a co-host's way in) or for the signed-in host who created the session.
"""

from __future__ import annotations

import io
import math
import re

import segno
from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from .. import engine, schedules, services
from ..clock import now as clock_now
from ..clock import stamp
from ..engine import Refused
from ..models import ListeningSession
from ..services import hosting, sessions, validation
from ..services.identity import find_current
from .accounts import Form, signed_in_account
from .limits import creating
from .links import host_url, participant_url

bp = Blueprint("host", __name__)

#: the create form's fields, each read as text (the prompts, several, are read as a list)
FORM_FIELDS = (
    *(name for name in validation.SETTINGS if name != "prompts"),
    *("date", "time", "time_zone", "repeat"),
)
#: the time zone a new form suggests before the browser says the host's own
DEFAULT_ZONE = "UTC"


class CreateForm(Form):
    """The create form's CSRF token; its settings are read and checked by ``validation``."""


def signed_in_host() -> int:
    """Return the signed-in account's id, or refuse (401) someone who is not signed in."""
    account_id = signed_in_account()
    if account_id is None:
        raise Refused("not_signed_in", "Sign in to host a session.")
    return account_id


#: how a whole number may be typed (the same pattern as static/js/estimate.js)
WHOLE_NUMBER = re.compile(r"\s*[-+]?[0-9]+\s*")


@bp.get("/")
def create_form():
    """Show the form a host fills in to create a session; anyone else, how to take part."""
    if signed_in_account() is None:
        return render_template("host/welcome.html")
    return _form(_new_values(), {})


def _new_values() -> dict:
    return {
        **validation.form_defaults(),
        "time_zone": DEFAULT_ZONE,
        "repeat": "once",
        "voice": "app",
        **dict.fromkeys(validation.LINE_LISTS, ""),
    }


@bp.post("/sessions")
@creating
def create_from_form():
    """Create a session from the HTML form and send the host to their console."""
    account_id = signed_in_host()
    data: dict = {key: request.form.get(key, "") for key in FORM_FIELDS}
    data["prompts"] = request.form.getlist("prompts")
    if not CreateForm().validate_on_submit():
        data["prompts"] = data["prompts"] or list(engine.DEFAULT_PROMPTS)
        return _form(data, {"form": STALE_CREATE}), 400
    try:
        settings = validation.new_session(
            data, current_app.config["ALLOW_SHORT_TURNS"], stamp(clock_now())
        )
    except validation.Invalid as invalid:
        data["prompts"] = data["prompts"] or list(engine.DEFAULT_PROMPTS)
        return _form(data, invalid.fields), 400
    session, host_key = services.create_session(settings, account_id)
    return redirect(host_url(session.code, host_key), code=303)


#: what the create form says when its CSRF token is missing or stale (nothing is lost)
STALE_CREATE = (
    "This form was open too long, or came from elsewhere. Check it and press Create again."
)


def _form(values: dict, errors: dict, again: ListeningSession | None = None):
    cap = current_app.config["ROOM_CAP"]
    limits = validation.limits(allow_short_turns=False)
    chosen = as_typed(values, limits)
    return render_template(
        "host/create.html",
        form=values,
        csrf=CreateForm(),
        errors=errors,
        room_cap=cap,
        limits=limits,
        defaults=validation.form_defaults(),
        chosen=chosen,
        estimate=full_room_sentence(chosen, cap),
        zones=schedules.zone_names(),
        again=again,
    )


@bp.get("/sessions")
def my_sessions():
    """A host's own sessions: upcoming, running, and past (while they are kept)."""
    account_id = signed_in_host()
    return render_template(
        "host/sessions.html", groups=hosting.my_sessions(account_id, clock_now()), csrf=CreateForm()
    )


@bp.get("/s/<code>/again")
def run_again(code: str):
    """The create form filled in with one of the host's own sessions' settings."""
    account_id = signed_in_host()
    session = services.find_session(code)
    services.require_owner(session, account_id)
    values = {**_new_values(), **hosting.settings_of(session)}
    return _form(values, {}, again=session)


@bp.post("/s/<code>/stop-repeating")
def stop_repeating(code: str):
    """Make a series' upcoming session its last (the host's own, with the form's token)."""
    account_id = signed_in_host()
    session = services.find_session(code)
    services.require_owner(session, account_id)
    if not CreateForm().validate_on_submit():
        raise Refused("bad_request", STALE_CREATE)
    sessions.stop_repeating(session, account_id)
    return redirect(url_for("host.my_sessions"), code=303)


@bp.get("/s/<code>/calendar.ics")
def calendar(code: str):
    """The session as a calendar event (with its repeat rule), for anyone with the link."""
    session = services.find_session(code)
    body = hosting.calendar_file(session, participant_url(session.code), clock_now())
    if body is None:
        raise Refused("unknown_session", "That session has no date to add to a calendar.")
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="listening.ics"'},
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
    """Show the host's console; the page proves it is the host with the key in its fragment,
    or by the signed-in account that created it. An ended session of a repeating series leads
    to the series' next one (the browser keeps the key in the fragment across the redirect)."""
    session = find_current(code)
    if session.code != code:
        return redirect(url_for("host.console", code=session.code))
    owner = session.host_account_id is not None and session.host_account_id == signed_in_account()
    return render_template(
        "host/console.html",
        session=session,
        owner=owner,
        when=hosting.describe(session),
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
