"""Reading CSV (UTF-8 with or without BOM, GB18030, UTF-16) and XLSX files into rows of text."""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from registry.imports.readers import UnreadableFile, cell_text, read_table
from tests.imports.files import csv_bytes, xlsx_bytes

HEADERS = ("机构名称", "统一社会信用代码", "所在区县代码")
ROWS = [{"机构名称": "烟台市心海心理咨询（芝罘）中心", "统一社会信用代码": "91350100M000100Y43",
         "所在区县代码": "370602"},
        {"机构名称": "蓬莱区阳光心理服务站", "统一社会信用代码": "", "所在区县代码": "370614"}]


def cells(table):
    return [(row.number, row.cells) for row in table.rows]


EXPECTED = [(2, ("烟台市心海心理咨询（芝罘）中心", "91350100M000100Y43", "370602")),
            (3, ("蓬莱区阳光心理服务站", "", "370614"))]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "gbk", "utf-16"])
def test_csv_in_every_encoding_excel_uses(app, encoding):
    data = csv_bytes(HEADERS, ROWS, encoding=encoding)
    table = read_table(data)
    assert table.headers == HEADERS  # no BOM glued to the first header
    assert cells(table) == EXPECTED


def test_gb18030_is_detected_not_guessed_from_the_name(app):
    data = csv_bytes(HEADERS, ROWS, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # what a UTF-8-only reader would do
    assert read_table(data).rows[0].cells[0] == "烟台市心海心理咨询（芝罘）中心"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_files(app, delimiter):
    assert cells(read_table(csv_bytes(HEADERS, ROWS, delimiter=delimiter))) == EXPECTED


def test_empty_rows_are_skipped_and_row_numbers_match_the_spreadsheet(app):
    text = ("\r\n,,\r\n" "机构名称,统一社会信用代码,所在区县代码\r\n" ",,\r\n"
            "\"多行\n名称\",91350100M000100Y43,370602\r\n" "\r\n" "第二家,,370614\r\n")
    table = read_table(text.encode("utf-8"))
    assert table.header_row == 3
    # The quoted cell spans two lines of text but is one spreadsheet row (row 5).
    assert cells(table) == [(5, ("多行\n名称", "91350100M000100Y43", "370602")),
                            (7, ("第二家", "", "370614"))]


def test_cells_are_trimmed(app):
    table = read_table("机构名称 , 所在区县代码\r\n  某机构  , 370602 \r\n".encode())
    assert table.headers == ("机构名称", "所在区县代码") and table.rows[0].cells == ("某机构", "370602")


def test_xlsx_with_typed_cells_becomes_text(app):
    data = xlsx_bytes(("名称", "学时", "比例", "日期", "时间戳", "公益", "空"), [], raw_rows=[
        ["某机构", 24, 5.0, date(2020, 3, 1), datetime(2021, 5, 20, 0, 0), True, None],
        ["另一家", 13800138000, 2.5, datetime(2021, 5, 20, 9, 30), None, False, None],
    ], leading_rows=[[None], [None, None]])
    table = read_table(data)
    assert table.header_row == 3 and table.headers[:2] == ("名称", "学时")
    assert cells(table) == [
        (4, ("某机构", "24", "5", "2020-03-01", "2021-05-20", "是")),
        (5, ("另一家", "13800138000", "2.5", "2021-05-20 09:30:00", "", "否")),
    ]


def test_xlsx_reads_the_first_sheet_only(app):
    workbook = Workbook()
    workbook.active.append(["机构名称"])
    workbook.active.append(["第一张表"])
    other = workbook.create_sheet("说明")
    other.append(["机构名称"])
    other.append(["第二张表"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert [row.cells for row in read_table(buffer.getvalue()).rows] == [("第一张表",)]


def test_xlsx_and_csv_give_the_same_rows(app):
    from_xlsx = read_table(xlsx_bytes(HEADERS, ROWS))
    assert cells(from_xlsx) == cells(read_table(csv_bytes(HEADERS, ROWS)))


@pytest.mark.parametrize("data, message", [
    (b"", "没有找到列名行"),
    (b"\r\n,,\r\n", "没有找到列名行"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
    (b"PK\x03\x04 not really a zip", "无法打开"),
    (b"\x00\x01\x02binary", "不是 CSV"),
])
def test_files_that_are_not_spreadsheets_are_refused_with_a_reason(app, data, message):
    with pytest.raises(UnreadableFile) as refused:
        read_table(data)
    assert message in str(refused.value)


def test_a_zip_that_is_not_a_workbook_is_refused(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(UnreadableFile):
        read_table(buffer.getvalue())


def test_row_limit(app):
    data = csv_bytes(HEADERS, ROWS * 3)
    assert len(read_table(data, max_rows=6).rows) == 6
    with pytest.raises(UnreadableFile) as refused:
        read_table(data, max_rows=5)
    assert "5" in str(refused.value)


def test_cell_text_of_a_long_number_keeps_its_magnitude():
    # Excel stores an 18-digit number typed into a General cell as a float: its last digits
    # are gone; the text shows that rather than inventing digits.
    assert cell_text(3.70602198506150e17) == "3.7060219850615e+17"
    assert cell_text(370602.0) == "370602"
