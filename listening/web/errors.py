"""How errors are answered: JSON to API clients, a calm page to people in a browser."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from .. import errors
from ..engine import Refused
from ..extensions import db
from ..services import health
from . import limits

#: where the JSON API lives (its blueprint's prefix)
API_PREFIX = "/api/"


def wants_json() -> bool:
    """Return whether the request came from an API client rather than a person's browser."""
    if request.blueprint == "api" or request.path.startswith(API_PREFIX):
        return True
    accept = request.accept_mimetypes
    return accept["application/json"] > accept["text/html"]


def refused(refusal: Refused):
    """Answer a refused request with its code and sentence, and the status the code carries."""
    db.session.rollback()
    status = errors.status_of(refusal)
    headers = {}
    if refusal.code in errors.RETRY_AFTER:
        headers["Retry-After"] = str(errors.RETRY_AFTER[refusal.code])
    if wants_json():
        return jsonify(errors.reply(refusal)), status, headers
    page = "errors/not_found.html" if status == 404 else "errors/problem.html"
    return render_template(page, message=refusal.message), status, headers


def too_many(error: RateLimitExceeded):
    """Answer a request past its address's limit calmly, with when to try again."""
    body, status, headers = refused(Refused("rate_limited", limits.TOO_MANY))
    headers["Retry-After"] = str(int(error.limit.limit.get_expiry()))
    return body, status, headers


def store_failed(error: OperationalError):
    """Answer a request the store could not serve (full, read-only, gone) calmly, as 503."""
    db.session.rollback()
    return refused(health.unavailable(error))


def http_error(error: HTTPException):
    """Answer HTTP errors (unknown paths, huge bodies) in the same two ways."""
    if wants_json():
        code = (error.name or "error").lower().replace(" ", "_")
        return jsonify(error=code, message=error.description), error.code
    if error.code == 404:
        message = "We can't find that page. Check the link you were given."
        return render_template("errors/not_found.html", message=message), 404
    return error


def init_app(app: Flask) -> None:
    """Answer every error through this module."""
    app.register_error_handler(Refused, refused)
    app.register_error_handler(OperationalError, store_failed)
    app.register_error_handler(RateLimitExceeded, too_many)
    app.register_error_handler(HTTPException, http_error)
