"""Bodies and ids an attacker sends to the API: deeply nested or oversized JSON, years beyond
any calendar, ids nobody has — each a clear 4xx in JSON, never a 500, and field errors in
Chinese (marshmallow's English templates never reach the reader)."""
from __future__ import annotations

import pytest
from flask_babel import refresh

from registry.api.auth import json_depth
from registry.api.messages import translate
from registry.auth import services as auth_services
from registry.auth.models import Role
from registry.extensions import db
from tests import factories
from tests.matrix import fingerprint


def _bearer(user) -> dict:
    db.session.commit()
    _token, raw = auth_services.create_token(user, "client")
    return {"Authorization": f"Bearer {raw}"}


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("url", ["/api/v1/complaints", "/api/v1/organisations/1/practitioners",
                                 "/api/v1/certificates/verify"])
def test_deeply_nested_json_is_a_400_before_it_is_parsed(client, regions, url):
    before = fingerprint()
    response = client.post(url, data=_nested(1000), content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert response.json["error"]["code"] == "body_too_deep"
    assert "32" in response.json["error"]["message"]
    assert fingerprint() == before


def test_an_oversized_json_body_is_a_400(client, regions):
    body = '{"description": "' + "a" * (300 * 1024) + '"}'
    response = client.post("/api/v1/complaints", data=body, content_type="application/json")
    assert response.status_code == 400 and response.json["error"]["code"] == "body_too_large"


def test_json_depth_ignores_brackets_inside_strings():
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(b"[]") == 1
    assert json_depth(b"") == 0


def test_a_huge_year_is_a_field_error(client, regions):
    organisation = factories.make_organisation()
    owner = _bearer(factories.make_user(Role.ORG, organisation_id=organisation.id))
    before = fingerprint(ignored={"api_tokens"})  # a token records when it was last used
    body = {"name": "钱伟", "gender": "male", "id_number": factories.valid_id_number(),
            "start_date": "99999999999999999999-01-01",
            "qualifications": [{"kind": "psychotherapist", "certificate_number": "ZL20190001",
                                "issuer": "国家卫生健康委员会", "issued_on": "1850-06-01"}]}
    response = client.post(f"/api/v1/organisations/{organisation.id}/practitioners",
                           json=body, headers=owner)
    assert response.status_code == 422, response.json
    fields = response.json["error"]["fields"]
    assert any("start_date" in name for name in fields), fields
    assert fingerprint(ignored={"api_tokens"}) == before


def test_unknown_ids_are_404_in_json(client, regions):
    organisation = factories.make_organisation()
    owner = _bearer(factories.make_user(Role.ORG, organisation_id=organisation.id))
    regulator = _bearer(factories.make_user(Role.REGULATOR))
    qualification = {"kind": "psychotherapist", "certificate_number": "ZL20190001",
                     "issuer": "国家卫生健康委员会", "issued_on": "2019-06-01"}
    added = client.post(f"/api/v1/organisations/{organisation.id}/practitioners/987654/"
                        "qualifications", json=qualification, headers=owner)
    assert added.status_code == 404 and added.json["error"]["code"] == "not_found"
    for decision in ("verify", "reject"):
        response = client.post(f"/api/v1/qualifications/987654/{decision}",
                               json={"reason": "证书编号与发证机构记录不符"}, headers=regulator)
        assert response.status_code == 404, (decision, response.get_data(as_text=True)[:200])
        assert response.json["error"]["code"] == "not_found"
    huge = client.post("/api/v1/qualifications/99999999999999999999/verify", headers=regulator)
    assert huge.status_code == 404


def test_field_errors_are_in_chinese(client, regions):
    organisation = factories.make_organisation()
    owner = _bearer(factories.make_user(Role.ORG, organisation_id=organisation.id))
    response = client.post(f"/api/v1/organisations/{organisation.id}/practitioners",
                           json={"name": 5, "id_number": [], "zzz": 1, "ce_hours": "many",
                                 "specialties": "all"}, headers=owner)
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert fields["zzz"] == "不接受这个字段。"
    assert fields["name"] == "应为文本。"
    assert fields["ce_hours"] == "应为整数。"
    assert fields["specialties"] == "应为数组。"
    huge = client.post(f"/api/v1/organisations/{organisation.id}/practitioners",
                       json={"name": "钱伟", "id_number": "1", "ce_hours": 10**30}, headers=owner)
    assert huge.json["error"]["fields"]["ce_hours"] == "应在 0 至 2147483647 之间。"
    for message in fields.values():
        assert not any("a" <= ch.lower() <= "z" for ch in message.split("：")[0]), message


def test_translate_covers_parametrised_templates(app):
    with app.test_request_context():
        assert translate("Must be greater than or equal to 0 and less than or equal to 9999.") \
            == "应在 0 至 9999 之间。"
        assert translate("Longer than maximum length 40.") == "长度不能超过 40（字符或项）。"
        assert translate("Must be one of: male, female.") == "应为以下之一：male, female。"
        assert translate("已登记的邮箱。") == "已登记的邮箱。"
        assert translate("Something nobody has translated.") == "取值无效。"
    with app.test_request_context("/?lang=en"):
        refresh()  # the test's app context outlives the first request's cached locale
        assert translate("Unknown field.") == "This field is not accepted."
