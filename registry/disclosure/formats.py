"""Writing an open-data set as CSV (UTF-8 with BOM, for Excel), XLSX or JSON, row by row.

CSV and JSON are generated while they are sent; XLSX uses openpyxl's write-only mode, which
keeps rows in a temporary file rather than in memory, and is sent once the file is closed.
CSV and XLSX have one header row of column labels (the open-data page lists each label's key,
the key JSON uses). Every file states when it was generated: CSV and XLSX in the file name and
the ``X-Generated-At`` header (an extra first row would break importers), XLSX also on its
"about" sheet, JSON in ``generated_at``. CSV and XLSX cells go through
``registry.spreadsheets``, so no value typed into the register runs as a formula.
"""
from __future__ import annotations

import io
import json
import tempfile
from datetime import datetime
from typing import Iterable, Iterator

from flask_babel import gettext as _
from openpyxl import Workbook

from registry.disclosure.datasets import Dataset
from registry.spreadsheets import append_xlsx_row, csv_writer, write_csv_row

BOM = "\ufeff"
LIST_SEPARATOR = "；"
FLUSH_EVERY = 200  # rows per chunk sent


def cell(value) -> object:
    """A value as a spreadsheet cell: lists joined, booleans as 是/否, None empty."""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(item) for item in value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return "" if value is None else value


def csv_chunks(dataset: Dataset, rows: Iterable[dict]) -> Iterator[str]:
    """The CSV text in chunks: BOM, one header row of column labels, then the rows."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    buffer.write(BOM)
    write_csv_row(writer, [str(column.label) for column in dataset.columns])
    for count, row in enumerate(rows, start=1):
        write_csv_row(writer, [cell(row.get(column.key)) for column in dataset.columns])
        if count % FLUSH_EVERY == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(dataset: Dataset, rows: Iterable[dict], generated_at: datetime) -> Iterator[str]:
    """``{"dataset", "generated_at", "columns", "items": [...]}``, one item at a time."""
    head = {"dataset": dataset.name, "title": str(dataset.title),
            "generated_at": generated_at.isoformat(timespec="seconds"),
            "columns": {column.key: str(column.label) for column in dataset.columns}}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "items": ['
    for count, row in enumerate(rows):
        yield ("," if count else "") + json.dumps(
            {column.key: row.get(column.key) for column in dataset.columns}, ensure_ascii=False)
    yield "]}"


def xlsx_file(dataset: Dataset, rows: Iterable[dict], generated_at: datetime):
    """A temporary file holding the workbook, positioned at its start (the caller closes it)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=dataset.name[:31])
    append_xlsx_row(sheet, [str(column.label) for column in dataset.columns])
    for row in rows:
        append_xlsx_row(sheet, [cell(row.get(column.key)) for column in dataset.columns])
    about = workbook.create_sheet(title="about")
    append_xlsx_row(about, [_("数据集"), str(dataset.title)])
    append_xlsx_row(about, [_("说明"), str(dataset.description)])
    append_xlsx_row(about, [_("生成时间"), generated_at.isoformat(timespec="seconds")])
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle
