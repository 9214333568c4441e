"""Formula injection (CSV injection): no value typed into the register runs as a formula when
an open-data CSV or XLSX file is opened in a spreadsheet program."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from registry.extensions import db
from registry.spreadsheets import FORMULA_PREFIXES, append_xlsx_row, csv_writer, neutralise, \
    write_csv_row
from tests import factories

PAYLOAD = 'HYPERLINK("http://evil.example/?x","点击查看")'
RISKY = [prefix + PAYLOAD for prefix in FORMULA_PREFIXES]


# --- the function ----------------------------------------------------------------------------

@pytest.mark.parametrize("value", RISKY + ["-", "+86 535 6612345", "@机构", "=1+1"])
def test_risky_text_gets_a_leading_quote(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["烟台市芝罘区南大街 88 号", "0535-6612345", " =1+1", "a=b",
                                   "'=1+1", ""])
def test_other_text_is_left_as_it_is(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("value", [-3, 0, 2.5, -2.5, Decimal("-1.5"), date(2026, 1, 2),
                                   datetime(2026, 1, 2, 3, 4), None, True])
def test_numbers_and_dates_stay_typed(value):
    assert neutralise(value) is value


def test_csv_rows_are_neutralised_and_every_field_quoted():
    buffer = io.StringIO()
    write_csv_row(csv_writer(buffer), ["=1+1", "a;=1+1", -3, None])
    # Quoting every field keeps "a;=1+1" one cell where Excel splits on semicolons.
    assert buffer.getvalue() == '"\'=1+1","a;=1+1","-3",""\r\n'
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ["'=1+1", "a;=1+1", "-3", ""]


@pytest.mark.parametrize("write_only", [True, False])
def test_xlsx_rows_are_text_never_formulas(write_only):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("data") if write_only else workbook.active
    append_xlsx_row(sheet, RISKY + [-3, 2.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = list(load_workbook(buffer)["data" if write_only else sheet.title].iter_rows())[0]
    assert [(c.value, c.data_type) for c in cells[:len(RISKY)]] == [
        (_as_xml_reads("'" + v), "s") for v in RISKY]
    assert [(c.value, c.data_type) for c in cells[len(RISKY):]] == [(-3, "n"), (2.5, "n")]


def _as_xml_reads(text: str) -> str:
    """XML parsers turn a carriage return in text into a line feed."""
    return text.replace("\r", "\n")


# --- the open-data downloads -----------------------------------------------------------------

def _csv_cells(client, url) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def _xlsx_cells(client, url) -> list:
    with client.get(url) as response:
        assert response.status_code == 200
        data = response.data
    workbook = load_workbook(io.BytesIO(data))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    workbook.close()
    return cells


def _assert_neutralised(client, dataset: str, value: str) -> None:
    rows = _csv_cells(client, f"/open-data/{dataset}.csv")
    assert "'" + value in {cell for row in rows for cell in row}
    assert not any(cell.startswith(FORMULA_PREFIXES) for row in rows for cell in row)
    cells = _xlsx_cells(client, f"/open-data/{dataset}.xlsx")
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert _as_xml_reads("'" + value) in texts
    assert not any(text.startswith(FORMULA_PREFIXES) for text in texts)


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_an_organisation_address_never_becomes_a_formula(client, regions, prefix):
    value = prefix + PAYLOAD
    factories.make_organisation(address=value, legal_representative="@" + PAYLOAD,
                                phone="+86 535 6612345")
    db.session.commit()
    _assert_neutralised(client, "organisations", value)
    rows = _csv_cells(client, "/open-data/organisations.csv")
    header, row = rows[0], rows[1]
    assert row[header.index("联系电话")] == "'+86 535 6612345"  # quoted too: no exceptions
    assert row[header.index("法定代表人")] == "'@" + PAYLOAD


def test_every_dataset_is_neutralised(client, regions):
    organisation = factories.make_organisation(name="=" + PAYLOAD)
    person = factories.make_practitioner(organisation, name="+" + PAYLOAD)
    factories.make_qualification(person)
    association = factories.make_association(name="-" + PAYLOAD)
    factories.make_evaluation(organisation, association, factories.make_rubric())
    factories.make_designation(organisation, year=date.today().year)
    factories.make_sanction(organisation, facts="@" + PAYLOAD)
    db.session.commit()
    _assert_neutralised(client, "organisations", "=" + PAYLOAD)
    _assert_neutralised(client, "practitioners", "+" + PAYLOAD)
    _assert_neutralised(client, "evaluations", "-" + PAYLOAD)
    _assert_neutralised(client, "sanctions", "@" + PAYLOAD)
    _assert_neutralised(client, "demonstration-units", "=" + PAYLOAD)


def test_numbers_stay_numbers_in_the_xlsx(client, regions):
    organisation = factories.make_organisation()
    evaluation = factories.make_evaluation(organisation, factories.make_association(),
                                           factories.make_rubric(), points=(55, 37.5))
    db.session.commit()
    with client.get("/open-data/evaluations.xlsx") as response:
        data = response.data
    rows = list(load_workbook(io.BytesIO(data))["evaluations"].iter_rows(values_only=True))
    header, row = rows[0], rows[1]
    assert row[header.index("编号")] == evaluation.id
    assert row[header.index("总分")] == 92.5
