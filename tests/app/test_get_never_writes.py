"""A GET never writes: an anonymous reader opening any page, download, feed or API read of
the URL map leaves every table as it was — even where the date has moved past what the
records say (a suspension that ended while the daily job did not run is shown as over, and
its transition waits for ``flask sanctions expire``)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask

from registry.disclosure.datasets import DATASETS
from registry.disclosure.feeds import FEEDS
from registry.disclosure.views import MIMETYPES
from registry.extensions import db
from registry.orgs.models import OrganisationStatus
from tests import factories
from tests.matrix import fingerprint


def _get_rules(app: Flask) -> list:
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and rule.endpoint != "static"),
                  key=lambda rule: rule.rule)


def _urls(app: Flask, ids: dict) -> list[str]:
    """Every GET route with each argument filled from ``ids`` (or every choice it has)."""
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in _get_rules(app):
            choices = [{}]
            for name in sorted(rule.arguments):
                values = {"name": sorted(DATASETS) if "open-data" in rule.rule else sorted(FEEDS),
                          "fmt": sorted(MIMETYPES) if "open-data" in rule.rule else ["csv", "xlsx"],
                          "kind": ["organisations", "practitioners"],
                          "code": ["370602", "370600"]}.get(name, [ids.get(name, 1)])
                choices = [{**chosen, name: value} for chosen in choices for value in values]
            for arguments in choices:
                urls.append(url_for(rule.endpoint, **arguments))
    return sorted(set(urls))


@pytest.fixture
def stale_world(regions):
    """A register whose records lag the date: a suspension that ended 40 days ago is still
    written as 暂停服务 (the daily job did not run), another that starts today is not yet."""
    today = date.today()
    ended = factories.make_organisation(name="烟台市心海心理咨询中心", region_code="370602",
                                        status=OrganisationStatus.SUSPENDED)
    factories.make_sanction(ended, sanction_type=factories.SanctionType.SUSPENSION,
                            decision_date=today - timedelta(days=70),
                            starts_on=today - timedelta(days=70),
                            ends_on=today - timedelta(days=40))
    starting = factories.make_organisation(name="烟台市晨光心理咨询中心", region_code="370602")
    factories.make_sanction(starting, sanction_type=factories.SanctionType.SUSPENSION,
                            decision_date=today - timedelta(days=3), starts_on=today,
                            ends_on=today + timedelta(days=30))
    person = factories.make_practitioner(ended, name="王芳")
    factories.make_qualification(person)
    factories.make_designation(starting, year=today.year)
    db.session.commit()
    return {"organisation_id": ended.id, "practitioner_id": person.id,
            "starting": starting.id}


def test_no_anonymous_get_writes_any_table(app, client, stale_world):
    urls = _urls(app, stale_world)
    assert len(urls) > 40, "the URL map was not read"
    before = fingerprint()
    failures = []
    for url in urls:
        for query in ("", "?q=心海&page=1&lang=en"):
            response = client.get(url + query)
            response.get_data()
            response.close()  # streamed downloads hold a temporary file until closed
            if response.status_code >= 500:
                failures.append((url + query, response.status_code))
            if fingerprint() != before:
                failures.append((url + query, "wrote"))
                before = fingerprint()
    assert failures == []


def test_status_on_every_public_reading_is_the_dates(client, stale_world):
    ended, starting = stale_world["organisation_id"], stale_world["starting"]
    api = client.get(f"/api/v1/organisations/{ended}").json["organisation"]
    assert api["status"] == "active" and api["status_label"] == "正常"
    starting_api = client.get(f"/api/v1/organisations/{starting}").json["organisation"]
    assert starting_api["status"] == "suspended" and starting_api["suspended_until"]
    assert "该机构已被暂停服务" in client.get(f"/organisations/{starting}/notice").get_data(
        as_text=True)
    assert "该机构已被暂停服务" not in client.get(f"/organisations/{ended}/notice").get_data(
        as_text=True)
    rows = client.get("/open-data/organisations.json").json
    items = rows if isinstance(rows, list) else rows.get("items") or rows.get("data") or []
    statuses = {row["name"]: row["status"] for row in items}
    assert statuses == {"烟台市心海心理咨询中心": "正常", "烟台市晨光心理咨询中心": "暂停服务"}
    fhir = client.get("/open-data/fhir/bundle.json")
    if fhir.status_code == 200:
        locations = {entry["resource"]["name"]: entry["resource"]["status"]
                     for entry in fhir.json.get("entry", [])
                     if entry["resource"]["resourceType"] == "Location"}
        assert locations == {"烟台市心海心理咨询中心": "active",
                             "烟台市晨光心理咨询中心": "suspended"}
