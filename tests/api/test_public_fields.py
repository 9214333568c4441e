"""No private value ever leaves through a public response: every documented API read, every
open-data download, the FHIR bundle, the feeds and the public pages are searched for each."""
from __future__ import annotations

import re

import pytest

from tests.disclosure.builders import build_register


def _api_urls(client, records) -> list[str]:
    """Every documented GET path, with each id-taking path filled for every record kind."""
    ids = {"organisation_id": [records[k].id for k in ("active", "suspended", "outside", "draft")],
           "practitioner_id": [records["person"].id, records["unverified"].id],
           "sanction_id": [records["sanction"].id]}
    urls = []
    for path, item in client.get("/api/v1/openapi.json").json["paths"].items():
        if "get" not in item or path == "/api/v1/me":
            continue
        names = re.findall(r"{(\w+)}", path)
        if not names:
            urls.append(path)
            continue
        for value in ids[names[0]]:
            urls.append(path.replace("{" + names[0] + "}", str(value)))
    return urls + ["/api/v1/sanctions?per_page=100", "/api/v1/changes?limit=1000",
                   "/api/v1/demonstration-units?region=370600", "/api/v1/stats?region=370600",
                   "/api/v1/regions?parent=370600",
                   "/api/v1/certificates/verify?number=1511000000999999&name=赵未审"]


def _other_urls(client, records) -> list[str]:
    urls = [f"/open-data/{name}.{fmt}" for name in ("organisations", "practitioners",
                                                    "evaluations", "sanctions",
                                                    "demonstration-units")
            for fmt in ("csv", "json")]
    urls += ["/open-data/fhir/bundle.json", "/feeds/registrations.atom", "/feeds/sanctions.atom",
             "/feeds/demonstration-units.atom", "/open-data/", "/api/docs",
             f"/organisations/{records['active'].id}",
             f"/organisations/{records['suspended'].id}",
             f"/organisations/{records['active'].id}/notice",
             f"/practitioners/{records['person'].id}", "/demonstration-units"]
    return urls


def test_no_private_field_in_any_public_response(client, regions):
    register = build_register()
    records = register.records
    bodies = {}
    for url in _api_urls(client, records) + _other_urls(client, records):
        response = client.get(url)
        assert response.status_code in (200, 400, 404), (url, response.status_code)
        bodies[url] = response.get_data(as_text=True)
    assert any(records["person"].name in body for body in bodies.values())  # the search works
    for url, body in bodies.items():
        for what, secret in register.secrets.items():
            assert secret not in body, f"{what} leaked through {url}"


@pytest.mark.parametrize("name", ["organisations", "practitioners", "evaluations", "sanctions",
                                  "demonstration-units"])
def test_no_private_field_in_spreadsheets(client, regions, name):
    from io import BytesIO

    from openpyxl import load_workbook

    register = build_register()
    with client.get(f"/open-data/{name}.xlsx") as response:  # closes the temporary file
        assert response.status_code == 200
        data = response.data
    workbook = load_workbook(BytesIO(data), read_only=True)
    text = " ".join(str(value) for sheet in workbook.worksheets
                    for row in sheet.iter_rows(values_only=True) for value in row if value)
    workbook.close()
    for what, secret in register.secrets.items():
        assert secret not in text, f"{what} leaked through {name}.xlsx"
