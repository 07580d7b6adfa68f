"""HTTP safety for every response and every form: headers, and no posts from other sites.

- Headers: a strict Content-Security-Policy (scripts, styles and connections from this site
  only; no inline script; never framed), nosniff, no referrer (a session link never leaks to
  another site), and HSTS when the request came over TLS.
- Forms: a browser says where a request comes from (``Sec-Fetch-Site``, or ``Origin``); an
  HTML form posted from another site is refused, so nobody can create sessions in a host's
  name from a page of theirs. The JSON API needs ``application/json``, which a page on another
  site cannot send without asking first, and which this server never allows.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

from ..engine import Refused

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
#: one year: what browsers are told to remember that this site speaks only HTTPS
HSTS = "max-age=31536000"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def add_headers(response: Response) -> Response:
    """Add the safety headers to a response."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def refuse_other_sites() -> None:
    """Refuse a form posted to this site from a page on another one."""
    if request.method not in UNSAFE_METHODS or request.blueprint == "api":
        return
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        if site in ("same-origin", "none"):
            return
        raise _cross_site()
    origin = request.headers.get("Origin")
    if origin is not None and _origin(origin) not in _our_origins():
        raise _cross_site()


def refuse_nul() -> None:
    """Refuse a request whose path, query, form or JSON holds a NUL character.

    No field has any use for one, and PostgreSQL cannot store or even compare text holding it:
    refused here, once, a NUL gets a clear 400 wherever it is sent, never a server error.
    """
    if request.path.find("\x00") >= 0 or holds_nul(request.args) or holds_nul(request.form):
        raise _nul()
    if request.is_json and holds_nul(request.get_json(silent=True)):
        raise _nul()


def holds_nul(value: object) -> bool:
    """Return whether any text in this value (nested lists and objects included) holds a NUL."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(holds_nul(v) for v in value)
    if hasattr(value, "lists"):  # a form or query: every value of every key
        return any(holds_nul(k) or holds_nul(vs) for k, vs in value.lists())
    return False


def _nul() -> Refused:
    return Refused("bad_request", "Something sent had a character no field can hold (NUL).")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _our_origins() -> set[str]:
    ours = {_origin(request.host_url)}
    if current_app.config.get("PUBLIC_URL"):
        ours.add(_origin(current_app.config["PUBLIC_URL"]))
    return ours


def _cross_site() -> Refused:
    return Refused(
        "cross_site",
        "That form was sent from another site. Open this site's own page and try again.",
    )


def init_app(app: Flask) -> None:
    """Check every request and dress every response."""
    app.before_request(refuse_nul)
    app.before_request(refuse_other_sites)
    app.after_request(add_headers)
