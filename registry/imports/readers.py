"""Reading an uploaded spreadsheet into rows of text: CSV (UTF-8 with or without BOM, GB18030
as Excel in China saves it, UTF-16 "Unicode text") or XLSX (first worksheet).

Cells become text the way a person reads them in the spreadsheet (whole numbers without ``.0``,
dates as YYYY-MM-DD); empty rows are skipped but keep their number, so that row numbers match
what the spreadsheet shows (the header is row 1).
"""
from __future__ import annotations

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Iterable, Iterator, Optional

from flask_babel import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the pre-2007 binary format (OLE2)
# A 10 MB upload may not unpack into more than this (a "zip bomb" would exhaust memory).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
_DELIMITERS = (",", "\t", ";")


class UnreadableFile(ValueError):
    """The file is not a spreadsheet this importer reads; the message says why (translated)."""


@dataclass(frozen=True)
class Row:
    """One non-empty data row: its spreadsheet number and its cells as text."""

    number: int
    cells: tuple[str, ...]

    def cell(self, index: int) -> str:
        """The text of column ``index`` ('' beyond the last cell)."""
        return self.cells[index] if index < len(self.cells) else ""


@dataclass(frozen=True)
class Table:
    """The header row (as written) and the data rows below it."""

    headers: tuple[str, ...]
    header_row: int
    rows: tuple[Row, ...]


class TooManyRows(UnreadableFile):
    """More data rows than the caller accepts."""


def read_table(data: bytes, *, max_rows: Optional[int] = None) -> Table:
    """The table in ``data``, whose format is recognised from its content (not its name)."""
    if data.startswith(XLSX_MAGIC):
        lines = _xlsx_lines(data)
    elif data.startswith(XLS_MAGIC):
        raise UnreadableFile(_("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或“CSV UTF-8”后再导入。"))
    else:
        lines = _csv_lines(data)
    return _table(lines, max_rows)


def _table(lines: Iterable[tuple[int, list[str]]], max_rows: Optional[int]) -> Table:
    headers: Optional[tuple[str, ...]] = None
    header_row = 0
    rows: list[Row] = []
    for number, cells in lines:
        while cells and not cells[-1]:  # trailing empty cells: XLSX omits them, CSV keeps them
            cells.pop()
        if not cells:
            continue
        if headers is None:
            headers, header_row = tuple(cells), number
            continue
        if max_rows is not None and len(rows) >= max_rows:
            raise TooManyRows(_("文件超过 %(n)d 行数据，请拆分成几个文件，或由管理员用命令行导入。", n=max_rows))
        rows.append(Row(number, tuple(cells)))
    if headers is None:
        raise UnreadableFile(_("文件是空的：没有找到列名行。"))
    return Table(headers, header_row, tuple(rows))


# --- CSV -----------------------------------------------------------------------------------------

def decode_csv(data: bytes) -> str:
    """The text of a CSV file: BOMs first, then UTF-8, then GB18030 (which includes GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(data, "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(data, "utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode(data, "gb18030")


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableFile(_("无法识别文件的编码。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再导入。"))


def _csv_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = decode_csv(data)
    if "\x00" in text:
        raise UnreadableFile(_("这不是 CSV 或 XLSX 文件。"))
    first_line = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # A record's number is its spreadsheet row, even when a quoted cell spans lines.
        for number, record in enumerate(reader, start=1):
            yield number, [cell.strip() for cell in record]
    except csv.Error:
        raise UnreadableFile(_("CSV 文件格式有误（引号不成对？），请在 Excel 中重新另存后再导入。"))


# --- XLSX ----------------------------------------------------------------------------------------

def _xlsx_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    stream = io.BytesIO(data)
    _check_unpacked_size(stream)
    from openpyxl import load_workbook

    # openpyxl warns about workbook features it drops on reading (data validation, conditional
    # formatting extensions, missing default styles); reading values needs none of them.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
        try:
            workbook = load_workbook(stream, read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds (KeyError, InvalidFileException, …)
            raise UnreadableFile(_("无法打开这个 XLSX 文件，请在 Excel 中重新另存为 .xlsx 后再导入。"))
        try:
            if not workbook.worksheets:
                raise UnreadableFile(_("文件是空的：没有找到列名行。"))
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # some producers write a wrong size; read what is there
            # Materialised before the workbook closes (read-only mode reads lazily).
            lines = [(number, [cell_text(value) for value in values])
                     for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
        finally:
            workbook.close()
    return iter(lines)


def _check_unpacked_size(stream: io.BytesIO) -> None:
    try:
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise UnreadableFile(_("无法打开这个 XLSX 文件，请在 Excel 中重新另存为 .xlsx 后再导入。"))
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnreadableFile(_("XLSX 文件解压后过大，请拆分后再导入。"))
    stream.seek(0)


def cell_text(value: Any) -> str:
    """A spreadsheet value as the text a person sees in the cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        # Whole numbers typed into a number-formatted cell come back as floats (5.0).
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()
