"""The import pages for regulators (their jurisdiction) and admins, and the template downloads.

Uploads may be larger than the site's 2 MB limit for forms, so the upload view raises the limit
for its own request. The app-wide CSRF check would read the body before the view could do that
(and refuse it as too large), so the view is exempt from it and its form checks the CSRF token
itself (``FlaskForm`` does, whenever CSRF is enabled).
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.auth.policy import Action, can
from registry.extensions import csrf
from registry.imports import samples, services
from registry.imports.forms import ImportForm
from registry.imports.layouts import LAYOUTS
from registry.imports.report import column_letter

bp = Blueprint("imports", __name__, url_prefix="/imports")

UPLOAD_LIMIT = 10 * 1024 * 1024  # bytes of the whole request
# A web request should finish in seconds; longer lists go through ``flask import``.
WEB_MAX_ROWS = 5000
# The results page lists this many problems at most (the command line lists them all).
SHOWN_PROBLEMS = 1000
SERVICES = {"organisations": services.import_organisations,
            "practitioners": services.import_practitioners}
DOWNLOAD_NAMES = {"organisations": "机构导入模板", "practitioners": "从业人员导入模板"}


def _require_importer() -> None:
    if not can(current_user, Action.ORG_REVIEW):
        abort(403)


@bp.route("")
@login_required
def index():
    """What can be imported, with the layouts and template files."""
    _require_importer()
    return render_template("imports/index.html", layouts=LAYOUTS)


@bp.route("/<any(organisations, practitioners):kind>", methods=["GET", "POST"])
@login_required
def upload(kind: str):
    """Upload form; on POST, the results: every problem, or what was imported."""
    _require_importer()
    if request.method == "POST":
        # Before anything reads the body (the form does, when it is created).
        request.max_content_length = UPLOAD_LIMIT
        if request.content_length is not None and request.content_length > UPLOAD_LIMIT:
            form = ImportForm(formdata=None)
            form.file.errors = [_("文件不能超过 %(mb)d MB；更大的文件请拆分，或由管理员用命令行导入。",
                                  mb=UPLOAD_LIMIT // (1024 * 1024))]
            return _page(kind, form, None), 413
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(kind, form, None), 400 if request.method == "POST" else 200
    upload_file = form.file.data
    with upload_file.stream:  # a temporary file for large uploads: closed as soon as read
        data = upload_file.read()
    report = SERVICES[kind](current_user, data, upload_file.filename or "",
                            dry_run=form.dry_run.data, max_rows=WEB_MAX_ROWS)
    status = 200 if report.ok else 403 if report.outside_jurisdiction else 400
    return _page(kind, form, report), status


def _audit_url(kind: str) -> str | None:
    """The audit log filtered to this kind of import, for those who may read it."""
    if not can(current_user, Action.AUDIT_VIEW) or "audit.events" not in current_app.view_functions:
        return None
    action = "organisation.import" if kind == "organisations" else "practitioner."
    return url_for("audit.events", action=action)


csrf.exempt(upload)


def _page(kind: str, form: ImportForm, report):
    return render_template("imports/upload.html", kind=kind, layout=LAYOUTS[kind], form=form,
                           report=report, shown=SHOWN_PROBLEMS, web_max_rows=WEB_MAX_ROWS,
                           upload_limit_mb=UPLOAD_LIMIT // (1024 * 1024),
                           column_letter=column_letter,
                           audit_url=_audit_url(kind) if report and report.committed else None)


@bp.route("/<any(organisations, practitioners):kind>/template.<any(csv, xlsx):fmt>")
def template(kind: str, fmt: str):
    """The template file: the header row and an example row (public: it holds no data)."""
    layout = LAYOUTS[kind]
    data = samples.template_csv(layout) if fmt == "csv" else samples.template_xlsx(layout)
    mimetype = samples.CSV_MIMETYPE if fmt == "csv" else samples.XLSX_MIMETYPE
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=f"{DOWNLOAD_NAMES[kind]}.{fmt}", max_age=0)
