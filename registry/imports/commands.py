"""``flask import organisations FILE`` and ``flask import practitioners FILE``: check
(``--dry-run``) or import a CSV/XLSX list, all or nothing, printing every problem with its row
and column."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import gettext as _

from registry.auth.models import User
from registry.auth.policy import PermissionDenied
from registry.extensions import db
from registry.imports import services
from registry.imports.report import ImportReport, Problem

import_cli = AppGroup("import",
                      help="Bulk import of organisations and practitioners (CSV or XLSX).")


class BarProgress:
    """A click progress bar per phase (reading, checking, writing), on standard error."""

    def __init__(self):
        self._bar = None

    def phase(self, label: str, total: int) -> None:
        self.close()
        self._bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
        self._bar.__enter__()

    def advance(self, steps: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(steps)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _options(command):
    acting = click.option("--as", "acting_email", metavar="EMAIL",
                          help="Act as this account (a regulator: only its jurisdiction; an "
                               "admin: everywhere). Without it the import is the system's.")
    command = acting(command)
    command = click.option("--dry-run", is_flag=True,
                           help="Check every row and report problems; write nothing.")(command)
    return click.argument("path", metavar="FILE",
                          type=click.Path(exists=True, dir_okay=False, path_type=Path))(command)


@import_cli.command("organisations")
@_options
def organisations_command(path: Path, dry_run: bool, acting_email: Optional[str]) -> None:
    """Import approved organisations (they become active at once)."""
    _run(services.import_organisations, path, dry_run, acting_email)


@import_cli.command("practitioners")
@_options
def practitioners_command(path: Path, dry_run: bool, acting_email: Optional[str]) -> None:
    """Import practitioners (and their qualifications) of registered organisations."""
    _run(services.import_practitioners, path, dry_run, acting_email)


def _run(service, path: Path, dry_run: bool, acting_email: Optional[str]) -> None:
    actor = _actor(acting_email)
    progress = BarProgress()
    try:
        report = service(actor, path.read_bytes(), path.name, dry_run=dry_run, progress=progress)
    except PermissionDenied:
        progress.close()
        click.echo(_("账号 %(email)s 无权导入（只有主管部门和管理员可以导入）。", email=acting_email), err=True)
        raise SystemExit(2)
    progress.close()
    for problem in report.sorted_problems():
        click.echo(describe(problem))
    click.echo(summary(report))
    if not report.ok:
        raise SystemExit(1)


def _actor(email: Optional[str]) -> Optional[User]:
    if email is None:
        return None
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        click.echo(_("找不到可用的账号 %(email)s。", email=email), err=True)
        raise SystemExit(2)
    return user


def describe(problem: Problem) -> str:
    """One line per problem: where, what was typed (when it may be shown), why."""
    if problem.row is None:
        where = _("文件")
    elif problem.column:
        where = _("第 %(row)d 行 %(letter)s 列（%(column)s）", row=problem.row, letter=problem.letter,
                  column=problem.column)
    else:
        where = _("第 %(row)d 行", row=problem.row)
    typed = _("，填写的是“%(value)s”", value=problem.value) if problem.value else ""
    return f"{where}{typed}：{problem.message}"


def summary(report: ImportReport) -> str:
    """What happened, in one or two lines."""
    counts = _("共读取 %(rows)d 行数据，发现 %(problems)d 个问题（涉及 %(bad)d 行）。",
               rows=report.rows_read, problems=len(report.problems), bad=report.rows_with_problems)
    if not report.ok:
        return counts + _("没有导入任何数据。")
    if report.kind == "practitioners":
        done = _("%(people)d 名从业人员、%(qualifications)d 项资质", people=report.imported,
                 qualifications=report.qualifications)
    else:
        done = _("%(count)d 家机构", count=report.imported)
    if report.dry_run:
        return counts + _("试运行：可以导入 %(what)s；没有写入任何数据。", what=done)
    return counts + _("已导入 %(what)s。", what=done)
