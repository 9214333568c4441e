"""Cells for every CSV and XLSX file the registry writes, made safe against formula injection.

Addresses, names and facts typed by organisations end up in files opened in Excel, WPS or
LibreOffice; a cell beginning ``=HYPERLINK(…)`` would run there as a formula (CSV injection).
Following the OWASP guidance, every text value whose first character is ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading single quote, without exception: a phone
number ``+86 …`` or a lone ``-`` is quoted too, because a rule with exceptions is one an
attacker can aim at (``-1+1`` looks like a number and is a formula). Numbers, dates and
booleans stored as such stay typed: they cannot hold a formula. CSV fields are all wrapped in
double quotes, so that a separator inside a value (``;`` in locales where Excel splits on it)
cannot start a new, unquoted cell. XLSX text cells are forced to the string type, so openpyxl
can never write them as formulas whatever they begin with.
"""
from __future__ import annotations

import csv
from typing import Any, Iterable, TextIO

from openpyxl.cell import WriteOnlyCell

# The first characters that make a spreadsheet read a cell as a formula (or, for tab and
# carriage return, hide one behind whitespace that some programs strip first).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutralise(value: Any) -> Any:
    """``value`` as a cell that no spreadsheet runs: risky text quoted, anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return QUOTE + value
    return value


def csv_writer(stream: TextIO):
    """A ``csv`` writer that quotes every field (see the module docstring)."""
    return csv.writer(stream, quoting=csv.QUOTE_ALL)


def write_csv_row(writer, values: Iterable[Any]) -> None:
    """Write one row of neutralised cells to a writer made by ``csv_writer``."""
    writer.writerow([neutralise(value) for value in values])


def xlsx_row(sheet, values: Iterable[Any]) -> list:
    """One row of neutralised cells for ``sheet.append`` (write-only or normal worksheets)."""
    return [_xlsx_cell(sheet, value) for value in values]


def append_xlsx_row(sheet, values: Iterable[Any]) -> None:
    """Append one row of neutralised cells to ``sheet``."""
    sheet.append(xlsx_row(sheet, values))


def _xlsx_cell(sheet, value: Any):
    cell = WriteOnlyCell(sheet, neutralise(value))
    if isinstance(cell.value, str):
        # openpyxl types any str beginning with "=" as a formula; the quote already prevents
        # that, and the explicit type keeps it so should the rule above ever change.
        cell.data_type = "s"
    return cell
