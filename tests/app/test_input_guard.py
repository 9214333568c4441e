"""NUL and lone surrogates cannot be stored (PostgreSQL refuses NUL in text; a surrogate
cannot be encoded): every request carrying one is a 400 naming the field, before any view."""
from __future__ import annotations

from registry.auth.models import Role
from registry.extensions import db
from tests import factories
from tests.matrix import fingerprint


def test_api_bodies_with_nul_or_a_lone_surrogate_are_400_naming_the_field(client, regions):
    before = fingerprint()
    for text in ('{"summary": "a\\u0000b", "category": "other"}',
                 '{"summary": "ok", "details": ["x", "\\ud800"]}'):
        response = client.post("/api/v1/complaints", data=text, content_type="application/json")
        assert response.status_code == 400, response.get_data(as_text=True)[:200]
        error = response.json["error"]
        assert error["code"] == "invalid_characters"
        assert set(error["fields"]) & {"summary", "details.1"}
    assert fingerprint() == before


def test_a_form_with_nul_is_a_400_page_naming_the_field(client, auth, regions):
    factories.make_user(Role.ADMIN, region_code=None, email="admin@example.cn")
    db.session.commit()
    auth.login("admin@example.cn")
    before = fingerprint()
    response = client.post("/account/tokens", data={"name": "令牌\x00"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "无法保存的字符" in page and "name" in page
    assert fingerprint() == before


def test_a_query_string_with_nul_is_a_400(client, regions):
    response = client.get("/search?q=%00")
    assert response.status_code == 400
    assert client.get("/api/v1/organisations?q=%00").json["error"]["code"] == "invalid_characters"
