"""``POST /api/v1/imports/{organisations,practitioners}``: the bulk import through the API.

The body is the file itself (``.csv`` or ``.xlsx``, the layouts of ``registry/imports/
README.md``), named by ``?filename=``; ``?dry_run=1`` checks without writing. The same
service as ``/imports`` and ``flask import`` runs it: all or nothing, every bad row reported
with its row, column and reason (422); ID numbers are never echoed.
"""
from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from registry.api.auth import token_required
from registry.api.errors import api_error
from registry.api.openapi import operation
from registry.api.views import bp
from registry.imports import services

IMPORTERS = {"organisations": services.import_organisations,
             "practitioners": services.import_practitioners}
TRUE_WORDS = ("1", "true", "yes")


def _report_record(report) -> dict:
    return {"kind": report.kind, "dry_run": report.dry_run, "rows_read": report.rows_read,
            "imported": report.imported, "qualifications": report.qualifications,
            "committed": report.committed}


def _run(kind: str):
    filename = (request.args.get("filename") or "").strip()
    if not filename.lower().endswith((".csv", ".xlsx")):
        return api_error(400, "invalid_request", _("请用 ?filename= 给出 .csv 或 .xlsx 文件名。"),
                         {"filename": _("应以 .csv 或 .xlsx 结尾。")})
    dry_run = (request.args.get("dry_run") or "").lower() in TRUE_WORDS
    report = IMPORTERS[kind](g.api_user, request.get_data(), filename, dry_run=dry_run)
    if not report.ok:
        fields = {f"{problem.row or 0}:{problem.column}": problem.message
                  for problem in report.sorted_problems()}
        if report.outside_jurisdiction:  # as on the web page: a refusal, not a typing error
            return api_error(403, "forbidden", _("文件中有不在您管辖范围内的记录，没有导入任何记录。"),
                             fields)
        return api_error(422, "invalid_rows", _("文件中有需要修改的数据，没有导入任何记录。"), fields)
    response = jsonify(_report_record(report))
    response.status_code = 201 if report.committed else 200
    return response


@bp.post("/imports/organisations")
@token_required
@operation("post", "Import approved organisations from a CSV or XLSX file (regulators)",
           tag="registration", token=True, status=201,
           description="Body: the file; ?filename=NAME.csv|xlsx, ?dry_run=1 to check only. "
                       "All or nothing; problems come back as fields keyed row:column (422).")
def import_organisations():
    """Bulk import of organisations."""
    return _run("organisations")


@bp.post("/imports/practitioners")
@token_required
@operation("post", "Import practitioners and qualifications from a CSV or XLSX file",
           tag="registration", token=True, status=201,
           description="Body: the file; ?filename=NAME.csv|xlsx, ?dry_run=1 to check only. "
                       "All or nothing; problems come back as fields keyed row:column (422).")
def import_practitioners():
    """Bulk import of practitioners."""
    return _run("practitioners")
