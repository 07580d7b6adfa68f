"""Every page is served with safety headers, forms cannot be posted from other sites, and the
links a host shares carry the site's public address, behind a proxy too."""

from __future__ import annotations

import pytest

from listening.app import create_app

from .conftest import add_account, sign_in_json, with_csrf


def test_every_page_forbids_inline_script_framing_sniffing_and_referrers(world):
    world.create()
    for path in ("/", f"/s/{world.code}", f"/s/{world.code}/host", "/s/nope", "/healthz"):
        headers = world.http.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy, path
        assert "frame-ancestors 'none'" in policy and headers["X-Frame-Options"] == "DENY", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        assert "Strict-Transport-Security" not in headers, "only over TLS"


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
    ],
    ids=["fetch metadata: cross-site", "fetch metadata: same-site", "origin"],
)
def test_a_form_posted_from_another_site_is_refused_and_creates_nothing(
    client, signed_in, form, headers
):
    reply = client.post("/sessions", data=with_csrf(client, form), headers=headers)
    assert reply.status_code == 403
    assert "another site" in reply.get_data(as_text=True)
    assert "Location" not in reply.headers


def test_a_form_posted_from_this_site_creates_the_session(client, signed_in, form):
    for headers in ({"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://localhost"}, {}):
        reply = client.post("/sessions", data=with_csrf(client, form), headers=headers)
        assert reply.status_code == 303, headers


@pytest.fixture
def behind_a_proxy(tmp_path):
    """An app behind one TLS proxy that says who the client is and what address they used."""
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'proxy.sqlite'}",
            "RUN_TICKER": False,
            "TRUSTED_PROXIES": 1,
        }
    )


def migrated(app):
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    return app.test_client()


def test_behind_a_tls_proxy_links_say_https_and_the_public_host(behind_a_proxy):
    client = migrated(behind_a_proxy)
    add_account(behind_a_proxy, "proxied@example.org")
    sign_in_json(client, "proxied@example.org")
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "listen.example.org"}
    made = client.post("/api/sessions", json={"title": "Behind"}, headers=forwarded).json
    assert made["participant_url"] == f"https://listen.example.org/s/{made['code']}"
    assert made["host_url"].startswith(f"https://listen.example.org/s/{made['code']}/host#key=")
    page = client.get("/", headers=forwarded)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_configured_public_address_is_used_whatever_the_request_says(app, client, signed_in):
    app.config["PUBLIC_URL"] = "https://listen.example.org/"
    made = client.post("/api/sessions", json={"title": "Public"}).json
    assert made["participant_url"] == f"https://listen.example.org/s/{made['code']}"
    console = client.get(f"/s/{made['code']}/host").get_data(as_text=True)
    assert f'value="https://listen.example.org/s/{made["code"]}"' in console


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(client, signed_in):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    made = client.post("/api/sessions", json={"title": "Direct"}, headers=forwarded).json
    assert made["participant_url"].startswith("http://localhost/s/")
