"""The upload form: a file and whether to only check it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField


class ImportForm(FlaskForm):
    """One CSV or XLSX file; a dry run (试运行) checks every row and writes nothing."""

    file = FileField(_l("文件"), validators=[
        FileRequired(_l("请选择要导入的文件。")),
        FileAllowed(["csv", "xlsx"], _l("只接受 .csv 或 .xlsx 文件。")),
    ])
    dry_run = BooleanField(_l("只检查，不导入（试运行）"), default=True)
