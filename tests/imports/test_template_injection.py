"""The import template files go through the same neutralisation as open data: whatever a
layout's headers, notes or examples begin with, no cell runs as a formula."""
from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from openpyxl import load_workbook

from registry.imports.layouts import LAYOUTS

RISKY_HEADER = '=HYPERLINK("http://evil.example/","机构名称")'
RISKY_EXAMPLE = "@SUM(1+1)"
RISKY_NOTE = "-1+1"


@pytest.fixture
def risky_layout(monkeypatch):
    """The organisations layout with a first column whose texts all begin like formulas."""
    layout = LAYOUTS["organisations"]
    first = dataclasses.replace(layout.columns[0], header=RISKY_HEADER, example=RISKY_EXAMPLE,
                                note=RISKY_NOTE)
    replaced = dataclasses.replace(layout, columns=(first,) + layout.columns[1:], _by_name={})
    monkeypatch.setitem(LAYOUTS, "organisations", replaced)
    return replaced


def test_csv_template_cells_are_quoted(client, regions, risky_layout):
    response = client.get("/imports/organisations/template.csv")
    assert response.status_code == 200
    header, example = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    assert header[0] == "'" + RISKY_HEADER and example[0] == "'" + RISKY_EXAMPLE


def test_xlsx_template_has_no_formula(client, regions, risky_layout):
    response = client.get("/imports/organisations/template.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    data, notes = workbook["导入数据"], workbook["填写说明"]
    assert (data["A1"].value, data["A2"].value) == ("'" + RISKY_HEADER, "'" + RISKY_EXAMPLE)
    assert (notes["A2"].value, notes["D2"].value) == ("'" + RISKY_HEADER, "'" + RISKY_NOTE)
    assert data["A2"].number_format == "@"  # still a text cell
    workbook.close()
