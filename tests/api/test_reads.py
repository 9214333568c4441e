"""Anonymous reads: organisations, practitioners, sanctions, demonstration units, stats, the
OpenAPI document and its page; JSON errors; ETag/304; CORS for anonymous reads only."""
from __future__ import annotations

from registry.extensions import db
from registry.sanctions.models import SanctionType
from registry.database import utcnow
from tests import factories
from tests.disclosure.builders import build_register


def test_organisation_detail_shows_the_public_page(client, regions):
    records = build_register().records
    body = client.get(f"/api/v1/organisations/{records['active'].id}").json
    assert body["organisation"]["name"] == "烟台市心海心理咨询中心"
    assert body["organisation"]["url"].endswith(f"/organisations/{records['active'].id}")
    assert body["designation"]["year"] == records["designation"].year
    assert body["evaluation"]["grade"] == "excellent"
    assert [score["points"] for score in body["scores"]] == [55, 37]
    assert [member["practitioner"]["name"] for member in body["staff"]] == ["王心怡"]
    assert body["sanctions"] == []  # the only one ran out of disclosure


def test_unpublished_or_unknown_records_are_json_404(client, regions):
    records = build_register().records
    for url in (f"/api/v1/organisations/{records['draft'].id}", "/api/v1/organisations/999999",
                f"/api/v1/practitioners/{records['unverified'].id}", "/api/v1/sanctions/999",
                "/api/v1/nothing-here"):
        response = client.get(url)
        assert response.status_code == 404 and response.is_json, url
        assert response.json["error"]["code"] == "not_found"


def test_practitioner_detail(client, regions):
    records = build_register().records
    body = client.get(f"/api/v1/practitioners/{records['person'].id}").json
    assert body["practitioner"]["name"] == "王心怡"
    assert [q["certificate_number"] for q in body["qualifications"]] == ["1511000000123456"]
    assert body["current_affiliations"][0]["organisation"]["id"] == records["active"].id


def test_sanctions_in_disclosure_with_filters(client, regions):
    records = build_register().records
    everything = client.get("/api/v1/sanctions").json
    assert everything["total"] == 2  # the expired one is not in disclosure
    yantai = client.get("/api/v1/sanctions?region=370600").json["items"]
    assert [item["id"] for item in yantai] == [records["sanction"].id]
    assert yantai[0]["subject"] == {"kind": "organisation", "id": records["suspended"].id,
                                    "name": "烟台市暂停心理咨询中心",
                                    "url": "http://localhost/organisations/"
                                           f"{records['suspended'].id}"}
    assert client.get("/api/v1/sanctions?type=warning").json["total"] == 1
    assert client.get("/api/v1/sanctions?subject=practitioner").json["total"] == 0
    records["sanction"].disclosure_withdrawn_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/sanctions?region=370600").json["total"] == 0
    assert client.get(f"/api/v1/sanctions/{records['sanction'].id}").status_code == 404


def test_sanction_pages(client, regions):
    organisation = factories.make_organisation()
    for _ in range(3):
        factories.make_sanction(organisation, region_code="370602",
                                sanction_type=SanctionType.RECTIFICATION)
    db.session.commit()
    second = client.get("/api/v1/sanctions?per_page=2&page=2").json
    assert (second["total"], second["page"], len(second["items"])) == (3, 2, 1)
    beyond = client.get("/api/v1/sanctions?per_page=2&page=3")
    assert beyond.status_code == 404 and beyond.json["error"]["code"] == "not_found"
    too_many = client.get("/api/v1/sanctions?per_page=101")
    assert too_many.status_code == 400 and "per_page" in too_many.json["error"]["fields"]


def test_demonstration_units_and_stats(client, regions):
    records = build_register().records
    units = client.get("/api/v1/demonstration-units?region=370600").json
    assert [item["organisation"]["id"] for item in units["items"]] == [records["active"].id]
    assert client.get("/api/v1/demonstration-units?region=510700").json["total"] == 0
    stats = client.get("/api/v1/stats?region=370600&cycle=2025").json
    assert (stats["organisations"], stats["evaluated"], stats["demonstration_units"]) == (1, 1, 1)
    assert stats["rate"] == 1.0 and stats["region"]["name"] == "烟台市"
    assert client.get("/api/v1/stats?region=999999").status_code == 404
    assert client.get("/api/v1/stats?cycle=abc").json["error"]["fields"]["cycle"]


def test_etag_and_last_modified_give_304(client, regions):
    records = build_register().records
    url = f"/api/v1/organisations/{records['active'].id}"
    first = client.get(url)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    records["active"].phone = "0535-6600000"
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]


def test_cors_for_anonymous_reads_only(client, regions):
    records = build_register().records
    anonymous = client.get("/api/v1/sanctions", headers={"Origin": "https://example.org"})
    assert anonymous.headers["Access-Control-Allow-Origin"] == "*"
    with_token = client.get("/api/v1/me", headers={"Authorization": f"Bearer {records['token']}",
                                                  "Origin": "https://example.org"})
    assert with_token.status_code == 200
    assert "Access-Control-Allow-Origin" not in with_token.headers
    preflight = client.options("/api/v1/sanctions", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    for refused in ({"Access-Control-Request-Method": "POST"},
                    {"Access-Control-Request-Method": "GET",
                     "Access-Control-Request-Headers": "authorization"}):
        response = client.options("/api/v1/sanctions",
                                  headers={"Origin": "https://example.org", **refused})
        assert "Access-Control-Allow-Origin" not in response.headers


def test_errors_are_json_never_html(client, regions):
    wrong_method = client.post("/api/v1/regions")
    assert wrong_method.status_code == 405 and wrong_method.json["error"]["code"]
    too_big = client.post("/api/v1/sanctions", data=b"x" * (3 * 1024 * 1024),
                          content_type="application/json")
    assert too_big.status_code in (405, 413) and too_big.is_json
    unauthorised = client.get("/api/v1/me")
    assert unauthorised.status_code == 401 and unauthorised.is_json


def test_openapi_document_and_docs_page(client, regions):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/organisations/{organisation_id}",
                 "/api/v1/practitioners/{practitioner_id}",
                 "/api/v1/sanctions", "/api/v1/demonstration-units", "/api/v1/stats",
                 "/api/v1/changes", "/api/v1/regions", "/api/v1/certificates/verify"):
        assert "get" in spec["paths"][path], path
    parameters = {p["name"] for p in spec["paths"]["/api/v1/sanctions"]["get"]["parameters"]}
    assert {"region", "type", "subject", "page", "per_page"} <= parameters
    schemas = spec["components"]["schemas"]
    # The ID number is only ever sent, in the body that adds a practitioner.
    assert [name for name, schema in schemas.items()
            if "id_number" in schema.get("properties", {})] == ["PractitionerBodySchema"]
    assert "bio" not in schemas["PractitionerSchema"]["properties"]
    page = client.get("/api/docs")
    assert page.status_code == 200 and "text/html" in page.content_type
    html = page.get_data(as_text=True)
    assert "/api/v1/sanctions" in html and "SanctionSchema" in html


def test_an_empty_region_means_the_whole_country_in_behaviour_and_document(client, regions):
    import re

    for path in ("/api/v1/practitioners", "/api/v1/organisations"):
        assert client.get(f"{path}?region=").status_code == 200
        assert client.get(f"{path}?region=37").status_code == 400
    document = client.get("/api/v1/openapi.json").json
    parameters = document["paths"]["/api/v1/practitioners"]["get"]["parameters"]
    [region] = [p for p in parameters if p["name"] == "region"]
    pattern = region["schema"]["pattern"]
    assert re.fullmatch(pattern, "") and re.fullmatch(pattern, "370602")
    assert not re.fullmatch(pattern, "37")
