"""The pages participants open, and the health check monitors open."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for

from ..clock import now as clock_now
from ..clock import stamp
from ..services import health, hosting
from ..services.identity import find_current
from ..services.joining import lobby_opens

bp = Blueprint("pages", __name__)


@bp.get("/s/<code>")
def participant(code: str):
    """Show the page a participant joins and follows the session on.

    Before a scheduled session's lobby opens, the page says when it starts (in the reader's
    own time zone) and counts down; a repeating series' first link leads to its next session.
    """
    session = find_current(code)
    if session.code != code:
        return redirect(url_for("pages.participant", code=session.code))
    opens, now = lobby_opens(session), stamp(clock_now())
    if opens is not None and now < opens:
        return render_template(
            "pages/scheduled.html",
            session=session,
            opens=opens,
            now=now,
            when=hosting.describe(session),
        )
    return render_template(
        "pages/participant.html",
        session=session,
        room_cap=current_app.config["ROOM_CAP"],
        turn_words=turn_in_words(session.turn_seconds),
    )


def turn_in_words(seconds: float) -> str:
    """Return "about two minutes", "about a minute and a half", "30 seconds"."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} seconds"
    minutes, rest = divmod(whole, 60)
    names = {1: "a minute", 2: "two minutes", 3: "three minutes", 4: "four minutes"}
    said = names.get(minutes, f"{minutes} minutes")
    if rest >= 45:
        return f"nearly {names.get(minutes + 1, f'{minutes + 1} minutes')}"
    if rest >= 15:
        return f"about {said} and a half" if minutes == 1 else f"over {said}"
    return f"about {said}"


@bp.get("/healthz")
def healthz():
    """Say whether the server can serve: it answers, reads the store, and its last write worked.

    A monitor gets 503 and the reason (read-only, full, ...) while any of that is not so.
    """
    problem = health.check()
    if problem:
        return jsonify(ok=False, store=problem), 503
    return jsonify(ok=True, store="ok")
