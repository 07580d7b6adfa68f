"""The links a host shares: one for participants, and the host's own with its key."""

from __future__ import annotations

from flask import url_for


def participant_url(code: str) -> str:
    """Return the link everyone joins by."""
    return url_for("pages.participant", code=code, _external=True)


def host_url(code: str, host_key: str) -> str:
    """Return the host's private link; the key rides in the fragment, which no server sees."""
    return url_for("host.console", code=code, _external=True) + f"#key={host_key}"
