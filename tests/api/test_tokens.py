"""Bearer tokens for ``/api/v1``: valid → the account; revoked or unknown → 401 JSON."""
from __future__ import annotations

from registry.auth import services
from registry.auth.models import Role
from registry.extensions import db
from tests import factories


def _bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def test_token_lifecycle(client, regions):
    user = factories.make_user(Role.REGULATOR, email="wjw@yantai.gov.cn")
    db.session.commit()
    _token, raw = services.create_token(user, "数据对接")
    response = client.get("/api/v1/me", headers=_bearer(raw))
    assert response.status_code == 200
    assert response.json["email"] == "wjw@yantai.gov.cn" and response.json["region_code"] == "370600"
    services.revoke_token(user, _token.id)
    revoked = client.get("/api/v1/me", headers=_bearer(raw))
    assert revoked.status_code == 401
    assert revoked.json["error"]["code"] == "invalid_token"


def test_unknown_or_malformed_tokens_get_json_401(client, regions):
    for headers in (_bearer("mhr_unknown"), {"Authorization": "Basic abc"}, {}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.is_json and "message" in response.json["error"]


def test_session_cookie_is_not_accepted_by_the_api(client, auth, regions):
    factories.make_user(Role.ADMIN, region_code=None, email="admin@example.cn")
    db.session.commit()
    auth.login("admin@example.cn")
    assert client.get("/api/v1/me").status_code == 401


def test_regions_endpoint(client, regions):
    provinces = client.get("/api/v1/regions").json
    assert provinces["total"] == 34
    counties = client.get("/api/v1/regions?parent=370400").json["items"]
    assert {"code": "370481", "name": "滕州市", "level": "county", "parent": "370400"} in counties
    missing = client.get("/api/v1/regions?parent=999999")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
