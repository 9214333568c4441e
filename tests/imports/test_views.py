"""The import pages: upload, dry run, the problem list, the summary, templates, limits."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from registry.auth.models import Role
from registry.extensions import db
from registry.imports import views
from registry.imports.layouts import LAYOUTS
from registry.imports.readers import read_table
from registry.orgs.models import Organisation
from registry.practitioners.models import Practitioner
from tests import factories
from tests.imports.files import (
    ORGANISATION_HEADERS,
    PRACTITIONER_HEADERS,
    csv_bytes,
    organisation_row,
    practitioner_row,
    xlsx_bytes,
)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def regulator(regions):
    user = factories.make_user(Role.REGULATOR, email="wjw@yantai.gov.cn")  # 烟台市
    db.session.commit()
    return user


def upload(client, kind, data, name="名单.csv", dry_run=False, **fields):
    """POST the form. The body is encoded here: for bodies over 500 KB the test client's own
    encoder spools to a temporary file that it never closes (a ResourceWarning)."""
    form = {"file": FileStorage(io.BytesIO(data), filename=name), **fields}
    if dry_run:
        form["dry_run"] = "y"
    boundary, body = encode_multipart(form)
    return client.post(f"/imports/{kind}", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_only_regulators_and_admins_see_the_pages(client, auth, regions):
    assert client.get("/imports").status_code == 302  # to the login page
    organisation = factories.make_organisation()
    factories.make_user(Role.ORG, organisation_id=organisation.id, email="owner@example.cn")
    factories.make_user(Role.REGULATOR, email="wjw@yantai.gov.cn")
    db.session.commit()
    auth.login("owner@example.cn")
    assert client.get("/imports").status_code == 403
    assert client.get("/imports/organisations").status_code == 403
    auth.logout()
    auth.login("wjw@yantai.gov.cn")
    index = client.get("/imports").get_data(as_text=True)
    assert "导入机构" in index and "导入从业人员" in index and "烟台市" in index


def test_the_page_documents_the_layout(client, auth, regulator):
    auth.login("wjw@yantai.gov.cn")
    page = client.get("/imports/organisations")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for header in ORGANISATION_HEADERS:
        assert header in text
    assert "社会心理咨询服务机构" in text and "social_counselling" in text  # accepted values
    assert 'enctype="multipart/form-data"' in text
    assert 'name="dry_run"' in text and "checked" in text  # a dry run unless unticked
    people = client.get("/imports/practitioners").get_data(as_text=True)
    assert all(header in people for header in PRACTITIONER_HEADERS)
    assert "11010519491231002X" not in people  # not even the template's sample ID number


def test_dry_run_then_import(client, auth, regulator):
    auth.login("wjw@yantai.gov.cn")
    data = csv_bytes(ORGANISATION_HEADERS, [organisation_row(i) for i in range(5)])
    dry = upload(client, "organisations", data, dry_run=True)
    assert dry.status_code == 200 and "检查通过" in dry.get_data(as_text=True)
    assert count(Organisation) == 0
    real = upload(client, "organisations", data)
    text = real.get_data(as_text=True)
    assert real.status_code == 200 and "导入完成" in text and "已导入 5 家机构" in text
    assert count(Organisation) == 5
    assert "/audit?action=organisation.import" in text


def test_problems_are_listed_with_row_column_value_and_reason(client, auth, regulator):
    auth.login("wjw@yantai.gov.cn")
    rows = [organisation_row(i) for i in range(5)]
    rows[2]["联系电话"] = "12345<b>"
    response = upload(client, "organisations", xlsx_bytes(ORGANISATION_HEADERS, rows),
                      name="名单.xlsx")
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "没有导入任何数据" in text
    row = re.search(r"<tr>\s*<td>4</td>.*?</tr>", text, re.S).group(0)
    assert "G · 联系电话" in row and "12345&lt;b&gt;" in row and "请输入有效的中国大陆固定电话" in row
    assert count(Organisation) == 0


def test_rows_outside_the_jurisdiction_are_refused(client, auth, regulator):
    auth.login("wjw@yantai.gov.cn")
    data = csv_bytes(ORGANISATION_HEADERS,
                     [organisation_row(1), organisation_row(2, region_code="510703")])
    response = upload(client, "organisations", data)
    assert response.status_code == 403
    assert "不在您的管辖范围" in response.get_data(as_text=True) and count(Organisation) == 0


def test_practitioners_page_never_shows_id_numbers(client, auth, regulator):
    organisation = factories.make_organisation()
    db.session.commit()
    auth.login("wjw@yantai.gov.cn")
    good = factories.valid_id_number(serial=21)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [practitioner_row(organisation.uscc, 1, 身份证号码=good),
            practitioner_row(organisation.uscc, 2, 身份证号码=bad)]
    response = upload(client, "practitioners", csv_bytes(PRACTITIONER_HEADERS, rows))
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "身份证号码无效" in text and "（不显示）" in text
    assert good not in text and bad not in text and bad[:17] not in text
    fixed = upload(client, "practitioners", csv_bytes(PRACTITIONER_HEADERS, rows[:1]))
    assert fixed.status_code == 200 and "已导入 1 名从业人员、1 项资质" in fixed.get_data(as_text=True)
    assert count(Practitioner) == 1 and good not in fixed.get_data(as_text=True)


def test_form_errors(client, auth, regulator):
    auth.login("wjw@yantai.gov.cn")
    missing = client.post("/imports/organisations", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "请选择要导入的文件" in missing.get_data(as_text=True)
    wrong = upload(client, "organisations", b"x", name="名单.pdf")
    assert wrong.status_code == 400 and "只接受 .csv 或 .xlsx 文件" in wrong.get_data(as_text=True)


def test_uploads_above_the_sites_form_limit_are_accepted(client, auth, regulator, app):
    auth.login("wjw@yantai.gov.cn")
    assert app.config["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024
    # 3 MB: one organisation and a great many empty rows (skipped).
    data = csv_bytes(ORGANISATION_HEADERS, [organisation_row(1)]) + b"\r\n" * (1_500_000)
    response = upload(client, "organisations", data)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert count(Organisation) == 1


def test_too_large_uploads_are_refused_before_reading(client, auth, regulator, monkeypatch):
    auth.login("wjw@yantai.gov.cn")
    monkeypatch.setattr(views, "UPLOAD_LIMIT", 4096)
    data = csv_bytes(ORGANISATION_HEADERS, [organisation_row(i) for i in range(30)])
    response = upload(client, "organisations", data)
    assert response.status_code == 413 and "文件不能超过" in response.get_data(as_text=True)
    assert count(Organisation) == 0


def test_too_many_rows_for_the_web(client, auth, regulator, monkeypatch):
    auth.login("wjw@yantai.gov.cn")
    monkeypatch.setattr(views, "WEB_MAX_ROWS", 3)
    data = csv_bytes(ORGANISATION_HEADERS, [organisation_row(i) for i in range(4)])
    response = upload(client, "organisations", data)
    assert response.status_code == 400 and "文件超过 3 行数据" in response.get_data(as_text=True)


def test_csrf_is_checked_by_the_form(client, auth, regulator, app):
    auth.login("wjw@yantai.gov.cn")
    app.config["WTF_CSRF_ENABLED"] = True
    data = csv_bytes(ORGANISATION_HEADERS, [organisation_row(1)])
    refused = upload(client, "organisations", data)
    assert refused.status_code == 400 and count(Organisation) == 0
    page = client.get("/imports/organisations").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = upload(client, "organisations", data, csrf_token=token)
    assert accepted.status_code == 200 and count(Organisation) == 1


@pytest.mark.parametrize("kind", ["organisations", "practitioners"])
def test_template_files(client, regions, kind):
    headers = tuple(column.header for column in LAYOUTS[kind].columns)
    csv_file = client.get(f"/imports/{kind}/template.csv")
    assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
    assert csv_file.data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
    assert "attachment" in csv_file.headers["Content-Disposition"]
    table = read_table(csv_file.data)
    assert table.headers == headers and len(table.rows) == 1
    xlsx_file = client.get(f"/imports/{kind}/template.xlsx")
    assert xlsx_file.status_code == 200 and xlsx_file.data.startswith(b"PK")
    assert read_table(xlsx_file.data) == table  # the same header and example row
    workbook = load_workbook(io.BytesIO(xlsx_file.data))
    assert workbook.sheetnames == ["导入数据", "填写说明"]
    assert workbook["导入数据"]["A2"].number_format == "@"  # text: leading zeros and long numbers kept
    workbook.close()


def test_the_downloaded_template_imports_once_its_example_row_is_replaced(client, auth, regulator):
    template = client.get("/imports/organisations/template.csv").data
    auth.login("wjw@yantai.gov.cn")
    refused = upload(client, "organisations", template)
    assert refused.status_code == 400 and "示例行" in refused.get_data(as_text=True)
    header = template.split(b"\r\n")[0]
    row = csv_bytes(ORGANISATION_HEADERS, [organisation_row(1)]).split(b"\r\n")[1]
    assert upload(client, "organisations", header + b"\r\n" + row + b"\r\n").status_code == 200
