"""Per-address limits, so one person cannot fill a session with made-up people or flood the
server with sessions: a clear 429 with Retry-After when they are reached.

Creating (form or API) shares one limit; joining has its own; opening a live connection is
counted here too, by hand, because Socket.IO's connect is not an HTTP view.
"""

from __future__ import annotations

from flask import current_app, request
from limits import parse

from ..engine import Refused
from ..extensions import limiter

#: what a person is told when their address has made too many tries
TOO_MANY = "Too many tries from your network just now. Please wait a minute and try again."


def _setting(name: str):
    return lambda: current_app.config[name]


#: decorators for the views that create a session and join one
creating = limiter.shared_limit(_setting("LIMIT_CREATE"), scope="create", methods=["POST"])
joining = limiter.limit(_setting("LIMIT_JOIN"), methods=["POST"])
#: and for signing in, against guessing passwords: per address, and per account guessed at,
#: each counted once across the form and the JSON sign-in
signing_in = limiter.shared_limit(_setting("LIMIT_SIGN_IN"), scope="sign-in", methods=["POST"])
#: and for the one-time link forms, so one link cannot probe which addresses have accounts
using_a_link = limiter.shared_limit(_setting("LIMIT_SIGN_IN"), scope="link", methods=["POST"])


def _form_email() -> str:
    return "sign-in:" + str(request.form.get("email", "")).strip().lower()[:254]


def _json_email() -> str:
    data = request.get_json(silent=True)
    email = data.get("email") if isinstance(data, dict) else None
    return "sign-in:" + (email.strip().lower()[:254] if isinstance(email, str) else "")


signing_in_as = limiter.shared_limit(
    _setting("LIMIT_SIGN_IN"), scope="sign-in-as", methods=["POST"], key_func=_form_email
)
signing_in_as_json = limiter.shared_limit(
    _setting("LIMIT_SIGN_IN"), scope="sign-in-as", methods=["POST"], key_func=_json_email
)


#: the views whose limits apply to this machine too
NEVER_EXEMPT = {
    "accounts.sign_in",
    "api.sign_in",
    "accounts.setup",
    "accounts.accept_invitation",
    "accounts.reset",
}


@limiter.request_filter
def _exempt() -> bool:
    # Never for passwords and one-time links: behind a proxy on this machine everyone would
    # look exempt.
    if request.endpoint in NEVER_EXEMPT:
        return False
    return request.remote_addr in _exempt_addresses()


def _exempt_addresses() -> set[str]:
    return {a.strip() for a in current_app.config["LIMIT_EXEMPT"].split(",") if a.strip()}


def count_connection() -> None:
    """Count a live connection from the caller's address; refuse it past the limit."""
    address = request.remote_addr or ""
    if not limiter.enabled or address in _exempt_addresses():
        return
    if not limiter.limiter.hit(parse(current_app.config["LIMIT_CONNECT"]), "connect", address):
        raise Refused("rate_limited", TOO_MANY)
