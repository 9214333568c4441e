"""The FHIR bundle: every resource validates with ``fhir.resources`` (R4B models, which are
R4's for these resource types)."""
from __future__ import annotations

import json

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from registry.extensions import db
from tests import factories
from tests.disclosure.builders import build_register


def _bundle(client) -> dict:
    response = client.get("/open-data/fhir/bundle.json")
    assert response.status_code == 200
    assert response.content_type.startswith("application/fhir+json")
    return json.loads(response.data)


def test_every_resource_validates(client, regions):
    records = build_register().records
    factories.make_qualification(records["person"], kind="psychotherapist",
                                 certificate_number="PT2020001", issuer=None, issued_on=None)
    db.session.commit()
    bundle = _bundle(client)
    Bundle.model_validate(bundle)
    kinds = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        kinds.setdefault(resource["resourceType"], []).append(resource)
    assert {kind: len(items) for kind, items in kinds.items()} == {
        "Organization": 3, "Location": 3, "HealthcareService": 3, "Practitioner": 1,
        "PractitionerRole": 1}
    organisation = next(r for r in kinds["Organization"] if r["name"] == "烟台市心海心理咨询中心")
    assert organisation["identifier"][0]["value"] == records["active"].uscc
    qualifications = {q["identifier"][0]["value"]: q
                      for q in kinds["Practitioner"][0]["qualification"]}
    assert set(qualifications) == {"1511000000123456", "PT2020001"}
    assert qualifications["1511000000123456"]["issuer"]["display"] == "人力资源和社会保障部"
    assert qualifications["1511000000123456"]["period"]["start"] == "2015-05-20"
    assert "period" not in qualifications["PT2020001"]
    suspended = next(r for r in kinds["Location"] if r["name"] == "烟台市暂停心理咨询中心")
    assert suspended["status"] == "suspended"


def test_empty_register_is_a_valid_bundle(client, regions):
    bundle = _bundle(client)
    Bundle.model_validate(bundle)
    assert "entry" not in bundle
