"""API writes: the same services as the web pages, their refusals as JSON statuses."""
from __future__ import annotations

from registry.auth import services as auth_services
from registry.auth.models import Role
from registry.extensions import db
from registry.orgs.models import OrganisationStatus
from tests import factories


def _bearer(user) -> dict:
    db.session.commit()
    _token, raw = auth_services.create_token(user, "client")
    return {"Authorization": f"Bearer {raw}"}


def test_practitioner_added_then_verified_then_public(client, regions):
    organisation = factories.make_organisation()
    owner = _bearer(factories.make_user(Role.ORG, organisation_id=organisation.id))
    regulator = _bearer(factories.make_user(Role.REGULATOR))
    id_number = factories.valid_id_number()
    body = {"name": "钱伟", "gender": "male", "id_number": id_number, "ce_hours": 16,
            "qualifications": [{"kind": "psychotherapist", "certificate_number": "ZL20190001",
                                "issuer": "国家卫生健康委员会", "issued_on": "2019-06-01"}]}
    added = client.post(f"/api/v1/organisations/{organisation.id}/practitioners", json=body,
                        headers={**owner, "Origin": "https://example.org"})
    assert added.status_code == 201, added.json
    assert id_number not in added.get_data(as_text=True)
    assert "Access-Control-Allow-Origin" not in added.headers
    [qualification_id] = added.json["qualification_ids"]
    verified = client.post(f"/api/v1/qualifications/{qualification_id}/verify", headers=regulator)
    assert verified.json["state"] == "verified"
    public = client.get(f"/api/v1/practitioners/{added.json['practitioner_id']}").json
    assert [q["certificate_number"] for q in public["qualifications"]] == ["ZL20190001"]


def test_refusals_are_json_with_the_right_status(client, regions):
    organisation = factories.make_organisation()
    owner = _bearer(factories.make_user(Role.ORG, organisation_id=organisation.id))
    outside = _bearer(factories.make_user(Role.REGULATOR, region_code="510700"))
    inside = _bearer(factories.make_user(Role.REGULATOR))
    url = f"/api/v1/organisations/{organisation.id}/practitioners"
    missing = client.post(url, json={"name": "钱伟"}, headers=owner)
    assert missing.status_code == 422 and "id_number" in missing.json["error"]["fields"]
    wrong = client.post(url, json={"name": "钱伟", "id_number": "123"}, headers=owner)
    assert wrong.status_code == 422 and "id_number" in wrong.json["error"]["fields"]
    unknown_key = client.post(url, json={"name": "钱伟", "id_number": "1", "x": 1}, headers=owner)
    assert unknown_key.status_code == 422 and "x" in unknown_key.json["error"]["fields"]
    denied = client.post(f"/api/v1/organisations/{organisation.id}/approve", headers=outside)
    assert denied.status_code == 403 and denied.json["error"]["code"] == "forbidden"
    conflict = client.post(f"/api/v1/organisations/{organisation.id}/approve", headers=inside)
    assert conflict.status_code == 409 and conflict.json["error"]["code"] == "conflict"
    assert client.post("/api/v1/organisations/999999/approve", headers=inside).status_code == 404
    assert client.post(f"/api/v1/organisations/{organisation.id}/approve").status_code == 401
    person = factories.make_practitioner(organisation)
    verified = factories.make_qualification(person)
    db.session.commit()
    for step in ("verify", "reject"):  # a wrong state is 409 here as for organisations
        refused = client.post(f"/api/v1/qualifications/{verified.id}/{step}",
                              json={"reason": "查无此证"}, headers=inside)
        assert refused.status_code == 409 and refused.json["error"]["code"] == "conflict", step
        assert "只有待核验的证书" in refused.json["error"]["message"]
        unknown = client.post(f"/api/v1/qualifications/999999/{step}",
                              json={"reason": "查无此证"}, headers=inside)
        assert unknown.status_code == 404 and unknown.is_json
    malformed = client.post(url, data="{", content_type="application/json", headers=owner)
    assert malformed.status_code == 400 and malformed.json["error"]["code"] == "malformed_json"
    array = client.post(url, json=[1], headers=owner)
    assert array.status_code == 400


def test_registration_through_the_api(client, regions):
    organisation = factories.make_organisation(status=OrganisationStatus.DRAFT, approved_at=None)
    owner = _bearer(factories.make_user(Role.ORG, organisation_id=organisation.id))
    regulator = _bearer(factories.make_user(Role.REGULATOR))
    saved = client.put(f"/api/v1/organisations/{organisation.id}/draft",
                       json={"fees": "公益免费"}, headers=owner)
    assert saved.status_code == 200 and saved.json["status"] == "draft"
    assert client.post(f"/api/v1/organisations/{organisation.id}/submit",
                       headers=owner).json["status"] == "submitted"
    approved = client.post(f"/api/v1/organisations/{organisation.id}/approve", headers=regulator)
    assert approved.json["status"] == "active"
    public = client.get(f"/api/v1/organisations/{organisation.id}").json
    assert public["organisation"]["fees"] == "公益免费"
    change = client.post(f"/api/v1/organisations/{organisation.id}/change-requests",
                         json={"fees": "300 元/次"}, headers=owner)
    assert change.status_code == 201 and change.json["status"] == "pending"
    client.post(f"/api/v1/change-requests/{change.json['id']}/approve", headers=regulator)
    assert client.get(f"/api/v1/organisations/{organisation.id}").json[
        "organisation"]["fees"] == "300 元/次"
    kinds = [item["kind"] for item in client.get("/api/v1/changes").json["items"]]
    assert kinds == ["organisation.registered", "organisation.updated"]


def test_evaluation_through_the_api(client, regions):
    organisation = factories.make_organisation()
    association = factories.make_association()
    rubric = factories.make_rubric(first_cycle=2025)
    assessor = _bearer(factories.make_user(Role.ASSESSOR, association_id=association.id))
    opened = client.post("/api/v1/evaluations", headers=assessor,
                         json={"organisation_id": organisation.id, "cycle": 2025,
                               "rubric_id": rubric.id})
    assert opened.status_code == 201, opened.json
    evaluation = opened.json
    first, second = rubric.criteria
    scores = {str(first.id): {"points": 58}, str(second.id): {"points": 36, "comment": "好"}}
    url = f"/api/v1/evaluations/{evaluation['id']}"
    saved = client.put(url + "/scores", headers=assessor,
                       json={"lock_version": evaluation["lock_version"], "scores": scores})
    assert saved.status_code == 200 and saved.json["state"] == "draft"
    stale = client.put(url + "/scores", headers=assessor,
                       json={"lock_version": evaluation["lock_version"], "scores": scores})
    assert stale.status_code == 409
    too_many = client.put(url + "/scores", headers=assessor, json={
        "lock_version": saved.json["lock_version"], "scores": {str(first.id): {"points": 99}}})
    assert too_many.status_code == 422 and too_many.json["error"]["fields"]
    published = client.post(url + "/publish", headers=assessor, json={
        "lock_version": saved.json["lock_version"], "scores": scores, "conflict_declared": True})
    assert published.status_code == 200, published.json
    assert (published.json["state"], published.json["grade"]) == ("published", "excellent")
    assert client.get(f"/api/v1/organisations/{organisation.id}").json["evaluation"]["total"] == 94
    published_changes = [change for change in client.get("/api/v1/changes").json["items"]
                         if change["kind"] == "evaluation.published"]
    assert [change["organisation_id"] for change in published_changes] == [organisation.id]
    assert published_changes[0]["url"].endswith(f"/api/v1/organisations/{organisation.id}")
