"""Bulk import (批量导入): a whole file in one transaction, all or nothing.

Every row is checked with the shared rules, every problem is reported with its row, column and
reason, and only a file without a single problem is written. The command line and the web page
both call ``import_organisations`` / ``import_practitioners``.

Who may import: a regulator (inside their jurisdiction) or an admin (everywhere), both through
``Action.ORG_REVIEW`` — imported organisations are approved at once, so importing them is
reviewing them. ``actor=None`` is the system (the operator at the command line).
"""
from __future__ import annotations

import hashlib
from typing import Any, Optional, Protocol

import sqlalchemy as sa
from flask_babel import gettext as _

from registry.audit import services as audit
from registry.auth.policy import Action, PermissionDenied, can, require
from registry.database import utcnow
from registry.extensions import db
from registry.imports.layouts import ORGANISATIONS, PRACTITIONERS, Columns, Layout
from registry.imports.organisations import OrganisationRows
from registry.imports.practitioners import PractitionerRows
from registry.imports.readers import Table, UnreadableFile, read_table
from registry.imports.report import ImportReport, echo
from registry.orgs.models import Organisation, OrganisationStatus
from registry.orgs.validation import PROFILE_FIELDS

# What the audit event of an imported organisation records.
AUDITED_FIELDS = PROFILE_FIELDS + ("status", "approved_at")


class Progress(Protocol):
    """Told how far an import has got (the command line draws a progress bar)."""

    def phase(self, label: str, total: int) -> None:
        """A new phase of ``total`` steps begins."""

    def advance(self, steps: int = 1) -> None:
        """``steps`` more steps are done."""


class _Silent:
    def phase(self, label: str, total: int) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass


def import_organisations(actor, data: bytes, filename: str, *, dry_run: bool = False,
                         progress: Optional[Progress] = None,
                         max_rows: Optional[int] = None) -> ImportReport:
    """Import a list of approved organisations: each becomes ``active`` with ``approved_at`` set,
    with an ``organisation.import`` audit event, plus one event for the whole file.

    Raises ``PermissionDenied`` when ``actor`` may not import at all; rows outside the actor's
    jurisdiction are problems of those rows.
    """
    _require_importer(actor)
    progress = progress or _Silent()
    report = ImportReport("organisations", dry_run)
    opened = _open(data, ORGANISATIONS, report, max_rows)
    if opened is None:
        return report
    table, columns = opened
    checker = OrganisationRows(columns, report, scope=lambda code: _may_import(actor, code),
                               jurisdiction=_jurisdiction(actor))
    progress.phase(_("检查"), len(table.rows))
    accepted = []
    for row in table.rows:
        cleaned = checker.check(row)
        if cleaned is not None:
            accepted.append(cleaned)
        progress.advance()
    if not report.ok or dry_run:
        report.imported = len(accepted) if report.ok else 0
        db.session.rollback()  # nothing was written; end the reading transaction
        return report
    _write_organisations(actor, accepted, filename, data, report, progress)
    return report


def _write_organisations(actor, accepted: list[dict], filename: str, data: bytes,
                         report: ImportReport, progress: Progress) -> None:
    now = utcnow()
    organisations = [Organisation(**cleaned, status=OrganisationStatus.ACTIVE, submitted_at=now,
                                  approved_at=now) for cleaned in accepted]
    progress.phase(_("写入"), len(organisations))
    try:
        db.session.add_all(organisations)
        db.session.flush()
        for organisation in organisations:
            audit.record("organisation.import", "organisation", organisation.id, actor=actor,
                         after=audit.snapshot(organisation, AUDITED_FIELDS),
                         region_code=organisation.region_code)
            progress.advance()
        report.imported = len(organisations)
        _record_batch(actor, "organisation.import_batch", filename, data, report)
        db.session.commit()
    except sa.exc.IntegrityError:
        # Someone registered one of these USCCs between the check and the write.
        db.session.rollback()
        report.imported = 0
        report.add(None, "", _("数据库拒绝了写入（可能有人同时登记了相同的统一社会信用代码）。没有导入任何数据，请重新导入。"))
        return
    report.committed = True


def import_practitioners(actor, data: bytes, filename: str, *, dry_run: bool = False,
                         progress: Optional[Progress] = None,
                         max_rows: Optional[int] = None) -> ImportReport:
    """Import practitioners of registered organisations through the practitioners service
    (``register_practitioner``, i.e. ``add_practitioner``, which validates, checks the policy,
    links a person already registered elsewhere and writes the audit events of each one).

    Rows are added one by one inside one transaction (later rows are checked against earlier
    ones: the same certificate twice, the same person twice); the transaction is rolled back
    when any row has a problem, and after a dry run.
    """
    from registry.practitioners.services import register_practitioner

    _require_importer(actor)
    progress = progress or _Silent()
    report = ImportReport("practitioners", dry_run)
    opened = _open(data, PRACTITIONERS, report, max_rows)
    if opened is None:
        return report
    table, columns = opened
    rows = PractitionerRows(actor, columns, report, may_import=lambda org: _may_import(actor, org),
                            jurisdiction=_jurisdiction(actor))
    people = rows.group(table.rows)
    progress.phase(_("检查") if dry_run else _("检查并写入"), len(table.rows))
    added = qualifications = 0
    for person in people:
        try:
            result = rows.add(person, register_practitioner)
        except PermissionDenied:
            # Rows outside the jurisdiction were reported already; this is the account itself.
            db.session.rollback()
            report.add(None, "", _("该账号不能登记从业人员，请用主管部门或管理员账号导入。"))
            return _discard(report)
        except sa.exc.SQLAlchemyError:
            db.session.rollback()  # the session is unusable now: stop, reporting where
            report.add(person.first_row, "", _("数据库拒绝了这一行的写入，导入已停止，其后的行没有检查。"))
            return _discard(report)
        if result is not None:
            added, qualifications = added + 1, qualifications + result
        progress.advance(len(person.rows))
    if not report.ok or dry_run:
        report.imported, report.qualifications = (added, qualifications) if report.ok else (0, 0)
        db.session.rollback()
        return report
    report.imported, report.qualifications = added, qualifications
    _record_batch(actor, "practitioner.import_batch", filename, data, report)
    db.session.commit()
    report.committed = True
    return report


def _discard(report: ImportReport) -> ImportReport:
    report.imported = report.qualifications = 0
    return report


# --- shared steps --------------------------------------------------------------------------------

def _require_importer(actor) -> None:
    """Regulators and admins import; the system (None) may too."""
    if actor is not None:
        require(actor, Action.ORG_REVIEW)


def _may_import(actor, target: Any) -> bool:
    """Whether ``actor`` may import a record in a region (a code or a record with one)."""
    return actor is None or can(actor, Action.ORG_REVIEW, target)


def _jurisdiction(actor) -> str:
    """The jurisdiction's name for messages."""
    region = getattr(actor, "region", None)
    return f"{region.name}，{region.code}" if region is not None else ""


def _open(data: bytes, layout: Layout, report: ImportReport,
          max_rows: Optional[int]) -> Optional[tuple[Table, Columns]]:
    """The file's rows and where the layout's columns are; None (with problems) when the file
    cannot be read or lacks a required column."""
    try:
        table = read_table(data, max_rows=max_rows)
    except UnreadableFile as error:
        report.add(None, "", str(error))
        return None
    columns = layout.match(table.headers, table.header_row, report)
    report.rows_read = len(table.rows)
    if columns is not None and not table.rows:
        report.add(None, "", _("文件中只有列名行，没有数据。"))
    return None if columns is None or not table.rows else (table, columns)


def _record_batch(actor, action: str, filename: str, data: bytes, report: ImportReport) -> None:
    """One audit event for the whole file: what it was and what it created."""
    after = {"file": echo(filename), "sha256": hashlib.sha256(data).hexdigest(),
             "rows": report.rows_read, "imported": report.imported}
    if report.kind == "practitioners":
        after["qualifications"] = report.qualifications
    audit.record(action, "import_batch", None, actor=actor, after=after,
                 region_code=getattr(actor, "region_code", None))
