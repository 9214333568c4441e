"""The change feed: public changes in audit order, drafts and private values left out."""
from __future__ import annotations

from datetime import date, timedelta

from registry.audit.services import record
from registry.auth.models import Role
from registry.database import utcnow
from registry.extensions import db
from registry.orgs import services as orgs
from registry.orgs.models import OrganisationStatus
from tests import factories


def _feed(client, since=0, limit=100):
    response = client.get(f"/api/v1/changes?since={since}&limit={limit}")
    assert response.status_code == 200
    return response.json


def _organisation_history():
    """A registration edited as a draft, approved, changed, suspended, sanctioned."""
    regulator = factories.make_user(Role.REGULATOR)
    organisation = factories.make_organisation(status=OrganisationStatus.SUBMITTED,
                                               approved_at=None)
    record("organisation.update", "organisation", organisation.id,
           before={"name": "草稿名称"}, after={"name": organisation.name, "fees": "草稿收费"},
           region_code=organisation.region_code)
    db.session.commit()
    orgs.approve(regulator, organisation.id)
    record("organisation.update", "organisation", organisation.id, actor=regulator,
           before={"phone": "0535-1"}, after={"phone": "0535-6612345"},
           region_code=organisation.region_code)
    record("organisation.suspend", "organisation", organisation.id, actor=regulator,
           after={"status": "suspended"}, region_code=organisation.region_code)
    sanction = factories.make_sanction(organisation, region_code="370602")
    record("sanction.record", "sanction", sanction.id, actor=regulator,
           after={"sanction_type": "warning", "organisation_id": organisation.id},
           region_code="370602")
    later = factories.make_sanction(organisation, region_code="370602",
                                    starts_on=date.today() + timedelta(days=10),
                                    disclosure_until=date.today() + timedelta(days=400))
    record("sanction.record", "sanction", later.id, actor=regulator,
           after={"organisation_id": organisation.id}, region_code="370602")
    record("account.login", "user", regulator.id, actor=regulator)
    db.session.commit()
    return organisation, sanction, regulator


def test_feed_lists_public_changes_in_order(client, regions):
    organisation, sanction, _regulator = _organisation_history()
    body = _feed(client)
    kinds = [(item["kind"], item["entity_id"]) for item in body["items"]]
    assert kinds == [("organisation.registered", organisation.id),
                     ("organisation.updated", organisation.id),
                     ("organisation.status_changed", organisation.id),
                     ("sanction.disclosed", sanction.id)]
    updated, suspended, disclosed = body["items"][1:]
    assert updated["fields"] == ["phone"]
    assert suspended["status"] == "suspended"
    assert disclosed["url"].endswith(f"/api/v1/sanctions/{sanction.id}")
    assert body["has_more"] is False
    cursors = [item["cursor"] for item in body["items"]]
    assert cursors == sorted(cursors)
    text = str(body)
    assert "草稿" not in text and "0535-6612345" not in text  # names of fields, never values


def test_feed_pages_with_the_cursor(client, regions):
    _organisation_history()
    first = _feed(client, limit=2)
    assert len(first["items"]) == 2 and first["has_more"] is True
    rest = _feed(client, since=first["next"], limit=100)
    assert [item["kind"] for item in rest["items"]] == ["organisation.status_changed",
                                                        "sanction.disclosed"]
    assert _feed(client, since=rest["next"])["items"] == []


def test_withdrawn_sanction_keeps_only_its_id(client, regions):
    organisation, sanction, regulator = _organisation_history()
    sanction.disclosure_withdrawn_at = utcnow()
    record("sanction.disclosure_withdraw", "sanction", sanction.id, actor=regulator,
           region_code="370602")
    designation = factories.make_designation(organisation, year=2026)
    record("designation.create", "demonstration_designation", designation.id, actor=regulator,
           after={"organisation_id": organisation.id}, region_code="370602")
    db.session.commit()
    items = _feed(client)["items"]
    disclosed, withdrawn, designated = items[-3:]
    assert disclosed["kind"] == "sanction.disclosed" and disclosed["url"] is None
    assert disclosed["organisation_id"] is None
    assert withdrawn["kind"] == "sanction.disclosure_withdrawn"
    assert withdrawn["entity_id"] == sanction.id
    assert designated["kind"] == "designation.created"
    assert designated["url"].endswith(f"/api/v1/organisations/{organisation.id}")


def test_bad_cursor_is_a_json_400(client, regions):
    response = client.get("/api/v1/changes?since=-1")
    assert response.status_code == 400 and "since" in response.json["error"]["fields"]
    assert client.get("/api/v1/changes?limit=1001").status_code == 400


def test_lifted_sanction_is_a_change(client, regions):
    _organisation, sanction, regulator = _organisation_history()
    sanction.disclosure_withdrawn_at = utcnow()
    record("sanction.lift", "sanction", sanction.id, actor=regulator, region_code="370602",
           after={"state": "lifted"})
    db.session.commit()
    last = _feed(client)["items"][-1]
    assert (last["kind"], last["entity_id"], last["url"]) == ("sanction.lifted", sanction.id, None)
