"""The links a host shares: one for participants, and the host's own with its key.

They begin with the site's public address when one is configured (``LISTENING_PUBLIC_URL``,
say https://listen.example.org behind a TLS proxy); otherwise with the address the request
came to, as the proxy passed it on (``LISTENING_TRUSTED_PROXIES``).
"""

from __future__ import annotations

from flask import current_app, url_for


def _absolute(endpoint: str, **values) -> str:
    public = current_app.config.get("PUBLIC_URL")
    if public:
        return public.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def participant_url(code: str) -> str:
    """Return the link everyone joins by."""
    return _absolute("pages.participant", code=code)


def host_url(code: str, host_key: str) -> str:
    """Return the host's private link; the key rides in the fragment, which no server sees."""
    return _absolute("host.console", code=code) + f"#key={host_key}"


def account_link(endpoint: str, token: str) -> str:
    """Return a one-time account link (an invitation, a password reset) to copy and send."""
    return _absolute(endpoint, token=token)
