"""The web layer, by audience: ``pages`` (participants), ``host``, ``api`` (JSON), the Socket.IO
``events``, and one ``errors`` module that answers JSON to API clients and a page to people.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprints and error handlers; the Socket.IO events are declared on import."""
    from . import accounts, api, counts, errors, events, host, pages, safety  # noqa: F401 - events

    app.register_blueprint(pages.bp)
    app.register_blueprint(host.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(counts.bp)
    errors.init_app(app)
    safety.init_app(app)
