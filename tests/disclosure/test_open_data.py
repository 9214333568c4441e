"""Open-data downloads: CSV with BOM that Excel reads, XLSX, JSON; public records only;
generated now, with the time stated."""
from __future__ import annotations

import csv
import io
import json

from openpyxl import load_workbook

from tests.disclosure.builders import build_register


def _csv_rows(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.content_type.startswith("text/csv")
    assert response.data.startswith("\ufeff".encode("utf-8"))  # the BOM Excel needs
    assert response.headers["X-Generated-At"]
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_organisations_csv_lists_public_organisations_only(client, regions):
    build_register()
    rows = _csv_rows(client, "/open-data/organisations.csv")
    header, body = rows[0], rows[1:]
    assert header[:3] == ["编号", "机构名称", "统一社会信用代码"]
    names = {row[1] for row in body}
    assert names == {"烟台市心海心理咨询中心", "烟台市暂停心理咨询中心", "绵阳市涪城心理咨询中心"}
    yantai = _csv_rows(client, "/open-data/organisations.csv?region=370600")[1:]
    assert {row[1] for row in yantai} == {"烟台市心海心理咨询中心", "烟台市暂停心理咨询中心"}
    assert client.get("/open-data/organisations.csv?region=999999").status_code == 404


def test_json_states_the_generation_time_and_uses_keys(client, regions):
    build_register()
    body = json.loads(client.get("/open-data/sanctions.json").data)
    assert body["dataset"] == "sanctions" and body["generated_at"]
    assert {item["facts"] for item in body["items"]} == {"超范围开展诊疗活动。", "绵阳的惩戒事实。"}
    evaluations = json.loads(client.get("/open-data/evaluations.json").data)["items"]
    assert [(e["organisation_name"], e["grade"]) for e in evaluations] == [("烟台市心海心理咨询中心", "优秀")]


def test_practitioners_have_verified_qualifications_only(client, regions):
    build_register()
    items = json.loads(client.get("/open-data/practitioners.json").data)["items"]
    assert [item["name"] for item in items] == ["王心怡"]
    assert "1511000000123456" in items[0]["qualifications"][0]
    assert items[0]["organisations"] == [items[0]["organisations"][0]]


def test_xlsx_opens_with_a_header_and_an_about_sheet(client, regions):
    records = build_register().records
    with client.get("/open-data/demonstration-units.xlsx") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].endswith(".xlsx")
        data = response.data
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    rows = list(workbook["demonstration-units"].iter_rows(values_only=True))
    assert rows[0][0] == "机构编号" and rows[1][0] == records["active"].id
    about = dict(workbook["about"].iter_rows(values_only=True))
    assert about["生成时间"]
    workbook.close()


def test_open_data_page_lists_every_download(client, regions):
    html = client.get("/open-data/").get_data(as_text=True)
    for name in ("organisations", "practitioners", "evaluations", "sanctions",
                 "demonstration-units"):
        for fmt in ("csv", "xlsx", "json"):
            assert f"/open-data/{name}.{fmt}" in html
    assert "/open-data/fhir/bundle.json" in html and "/feeds/sanctions.atom" in html
    assert client.get("/open-data/unknown.csv").status_code == 404
    assert client.get("/open-data/organisations.pdf").status_code == 404
