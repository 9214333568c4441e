"""The template files (导入模板) offered for download: the header row and one example row, as
CSV (UTF-8 with BOM, which Excel opens correctly) or XLSX (with a second sheet explaining each
column). Generated from the layouts on request, so they never drift from what the importer reads.

The example row is refused when imported unchanged (``Layout.is_example``). Its ID number is the
sample printed in the national standard GB 11643-1999, and its USCC the one in GB 32100-2015.
"""
from __future__ import annotations

import io

from flask_babel import gettext as _

from registry.imports.layouts import Column, Layout
from registry.spreadsheets import append_xlsx_row, csv_writer, write_csv_row

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template_csv(layout: Layout) -> bytes:
    """Header and example row, UTF-8 with a BOM and CRLF line ends (as Excel saves "CSV UTF-8")."""
    buffer = io.StringIO(newline="")
    writer = csv_writer(buffer)
    write_csv_row(writer, [column.header for column in layout.columns])
    write_csv_row(writer, [column.example for column in layout.columns])
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(layout: Layout) -> bytes:
    """A workbook: the data sheet (text-formatted cells, so that codes keep their leading zeros
    and ID numbers their last digits) and a sheet describing every column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("导入数据")
    append_xlsx_row(sheet, [column.header for column in layout.columns])
    append_xlsx_row(sheet, [column.example or None for column in layout.columns])
    bold = Font(bold=True)
    for index, column in enumerate(layout.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = column.width
        sheet.column_dimensions[letter].number_format = "@"
        sheet.cell(row=1, column=index).font = bold
        sheet.cell(row=2, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(_("填写说明"))
    append_xlsx_row(notes, [_("列名"), _("必填"), _("也可写作"), _("说明"), _("可填写的值")])
    for column in layout.columns:
        append_xlsx_row(notes, [column.header, _("是") if column.required else "",
                                "、".join(column.names[1:]), str(column.note), choices_text(column)])
    notes.append([])
    append_xlsx_row(notes, [_("只读取第一个工作表；第一行为列名。示例行请删除或替换后再导入。")])
    for letter, width in zip("ABCDE", (22, 6, 30, 60, 60)):
        notes.column_dimensions[letter].width = width
    for cell in notes[1]:
        cell.font = bold
    buffer = io.BytesIO()
    workbook.save(buffer)
    workbook.close()
    return buffer.getvalue()


def choices_text(column: Column) -> str:
    """The accepted names of a vocabulary column, as "名称（代码）" joined by 、."""
    return "、".join(f"{label}（{code}）" for code, label in column.choices)
