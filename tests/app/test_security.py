"""The security baseline: CSRF, headers, cookies, body size, JSON errors."""
from __future__ import annotations

import sqlalchemy as sa

from registry import create_app
from registry.auth.models import Role, User
from registry.extensions import db
from tests import factories
from tests.conftest import TEST_PII_KEY


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_session_cookie_flags(client, auth, regions):
    factories.make_user(Role.ADMIN, region_code=None, email="admin@example.cn")
    db.session.commit()
    cookie = auth.login("admin@example.cn").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over plain HTTP


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
                      "SECRET_KEY": "p" * 40, "PII_KEY": TEST_PII_KEY})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/login", base_url="https://registry.example.cn")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_forms_without_csrf_token_are_refused(tmp_path, regions):
    app = create_app({"SQLALCHEMY_DATABASE_URI": db.engine.url.render_as_string(False),
                      "SECRET_KEY": "k" * 40, "PII_KEY": TEST_PII_KEY, "TESTING": True})
    client = app.test_client()
    response = client.post("/signup", data={
        "organisation_name": "心海", "org_type": "social_counselling", "county": "370602",
        "email": "staff@xinhai.cn", "password": "烟台心海咨询2026", "confirm": "烟台心海咨询2026"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
    # With the token from the page, the same form goes through.
    page = client.get("/signup").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    accepted = client.post("/signup", data={
        "csrf_token": token, "organisation_name": "心海", "org_type": "social_counselling",
        "province": "370000", "city": "370600", "county": "370602", "email": "staff@xinhai.cn",
        "password": "烟台心海咨询2026", "confirm": "烟台心海咨询2026"})
    assert accepted.status_code == 302
    with app.app_context():
        db.engine.dispose()


def test_oversized_body_gets_413(client):
    response = client.post("/login", data={"email": "a@b.cn", "password": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    api = client.post("/api/v1/me", data="x" * (3 * 1024 * 1024), content_type="application/json")
    assert api.status_code in (405, 413) and api.is_json


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_malformed_json_gets_a_json_400(client):
    response = client.post("/api/v1/me", data='{"name": "心海",', content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed_json"
