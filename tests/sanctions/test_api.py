"""The sanctions loop through the API: JSON in, the same services, JSON errors out."""
from __future__ import annotations

from datetime import timedelta

from registry.auth import services as auth_services
from registry.orgs.models import OrganisationStatus
from registry.sanctions.services import local_today
from tests.matrix import fingerprint


def _bearer(user) -> dict:
    _token, raw = auth_services.create_token(user, "test")
    return {"Authorization": f"Bearer {raw}"}


def _sanction(setting, **values) -> dict:
    today = local_today()
    body = {"subject_kind": "organisation", "subject_id": setting.organisation.id,
            "sanction_type": "suspension", "facts": "超出服务范围。", "legal_basis": "精神卫生法第二十三条",
            "decision_number": "烟卫罚〔2026〕40号", "decision_date": today.isoformat(),
            "deciding_body": "烟台市卫生健康委员会", "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=30)).isoformat(),
            "disclosure_until": (today + timedelta(days=400)).isoformat()}
    body.update(values)
    return body


def test_recommend_record_appeal_decide(client, setting):
    assessor, regulator = _bearer(setting.assessor), _bearer(setting.regulator)
    owner = _bearer(setting.owner)

    filed = client.post("/api/v1/recommendations", headers=assessor, json={
        "subject_kind": "organisation", "subject_id": setting.organisation.id,
        "proposed_type": "suspension", "facts": "多名来访者反映。"})
    recorded = client.post("/api/v1/sanctions", headers=regulator,
                           json=_sanction(setting, recommendation_id=filed.json["id"]))
    appeal = client.post(f"/api/v1/sanctions/{recorded.json['id']}/appeals", headers=owner,
                         json={"kind": "appeal", "statement": "不服。"})
    decided = client.post(f"/api/v1/appeals/{appeal.json['id']}/decision", headers=regulator,
                          json={"accept": True, "reason": "事实不清。"})

    assert filed.status_code == 201 and filed.json["status"] == "pending"
    assert recorded.status_code == 201
    assert recorded.json["organisation_status"] == "suspended"
    assert appeal.status_code == 201 and appeal.json["status"] == "pending"
    assert decided.status_code == 200 and decided.json["status"] == "accepted"
    assert setting.organisation.status is OrganisationStatus.ACTIVE


def test_bad_input_and_wrong_states_are_json(client, setting):
    regulator, outsider = _bearer(setting.regulator), _bearer(setting.outsider)
    before = fingerprint({"api_tokens"})

    backwards = client.post("/api/v1/sanctions", headers=regulator,
                            json=_sanction(setting, ends_on="2001-01-01"))
    malformed = client.post("/api/v1/sanctions", headers=regulator,
                            json=_sanction(setting, decision_date="yesterday"))
    outside = client.post("/api/v1/sanctions", headers=outsider,
                          json=_sanction(setting))

    assert backwards.status_code == 422
    assert "ends_on" in backwards.json["error"]["fields"]
    assert malformed.status_code == 422 and "decision_date" in malformed.json["error"]["fields"]
    assert outside.status_code == 403 and outside.json["error"]["code"]
    assert fingerprint({"api_tokens"}) == before
    exit_body = _sanction(setting, sanction_type="exit", ends_on=None, disclosure_until=None)
    assert client.post("/api/v1/sanctions", headers=regulator, json=exit_body).status_code == 201
    second = client.post("/api/v1/sanctions", headers=regulator,
                         json=exit_body | {"decision_number": "烟卫退〔2026〕2号"})
    assert second.status_code == 409 and "不能再次" in second.json["error"]["message"]


def test_anonymous_complaints_are_rate_limited(client, app, setting):
    app.config["COMPLAINT_LIMIT"] = "2 per hour"
    body = {"organisation_id": setting.organisation.id, "category": "fees",
            "summary": "收费与公示不符", "details": "实际收费高于公示标准。",
            "contact": "13953518899"}

    answers = [client.post("/api/v1/complaints", json=body) for _ in range(3)]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[0].json["reference"].startswith("TS")
    assert "13953518899" not in answers[0].get_data(as_text=True)
    assert answers[2].json["error"]["code"]


def test_the_sanction_writes_are_in_the_openapi_document(client, app):
    paths = client.get("/api/v1/openapi.json").json["paths"]

    for path in ("/api/v1/recommendations", "/api/v1/sanctions", "/api/v1/complaints",
                 "/api/v1/sanctions/{sanction_id}/appeals", "/api/v1/appeals/{appeal_id}/decision"):
        assert "post" in paths[path], path


def test_the_practitioner_read_states_the_sanction_status(client, setting):
    from tests.factories import SanctionType, make_sanction

    sanction = make_sanction(setting.organisation, sanction_type=SanctionType.EXIT,
                             disclosure_until=None)
    sanction.organisation_id, sanction.practitioner_id = None, setting.practitioner.id
    from registry.extensions import db

    db.session.commit()

    answer = client.get(f"/api/v1/practitioners/{setting.practitioner.id}")

    assert answer.status_code == 200 and answer.json["status"] == "exited"
