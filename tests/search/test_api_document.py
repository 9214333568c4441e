"""The search endpoints in the API's OpenAPI document, and their answer to a region code
that names no region (404, as for every read)."""
from __future__ import annotations


def test_search_endpoints_are_documented(client, regions):
    paths = client.get("/api/v1/openapi.json").json["paths"]

    for path in ("/api/v1/organisations", "/api/v1/practitioners"):
        names = {parameter["name"] for parameter in paths[path]["get"]["parameters"]}
        assert {"q", "region", "page", "per_page", "sort"} <= names, path
    assert {"type", "demonstration", "min_grade", "status"} <= {
        p["name"] for p in paths["/api/v1/organisations"]["get"]["parameters"]}


def test_unknown_and_malformed_regions(client, regions):
    unknown = client.get("/api/v1/organisations?region=999999")
    malformed = client.get("/api/v1/organisations?region=12&sort=sideways")

    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "not_found"
    assert malformed.status_code == 400
    assert set(malformed.json["error"]["fields"]) == {"region", "sort"}
