"""Regulators' oversight pages: evaluation coverage (评估覆盖率) and demonstration designations
(示范单位认定). Thin: parse the query or form, call one service, render or redirect."""
from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.clock import local_today as _today
from registry.auth.views import show_errors
from registry.dashboard import services
from registry.dashboard.forms import DesignationForm, RevokeForm
from registry.evaluation import designations
from registry.query import int_arg, page_arg
from registry.text import MAX_YEAR, MIN_YEAR
from registry.validation import ValidationFailed

bp = Blueprint("dashboard", __name__)

_REGION_CODE = re.compile(r"[0-9]{6}")


def _region_code() -> str | None:
    """``?region=``, else the account's jurisdiction (None: everywhere, for the admin)."""
    raw = request.args.get("region") or current_user.region_code
    if raw is not None and not _REGION_CODE.fullmatch(raw):
        abort(404)
    return raw


# --- coverage --------------------------------------------------------------------------------

@bp.route("/dashboard/coverage")
@login_required
def coverage():
    """A region's evaluation coverage for a cycle, its sub-regions, and who is still to evaluate."""
    today = _today()
    code, cycle = _region_code(), int_arg("cycle", today.year - 1, low=MIN_YEAR, high=MAX_YEAR)
    if not 2000 <= cycle <= 2100:
        abort(404)
    report = services.coverage_report(current_user, code, cycle, today)
    pending = services.organisations_to_evaluate(current_user, code, cycle, page_arg(),
                                                 current_app.config["PER_PAGE"])
    return render_template("dashboard/coverage.html", report=report, pending=pending,
                           cycle=cycle, code=code, cycles=range(today.year, today.year - 6, -1))


# --- designations ----------------------------------------------------------------------------

@bp.route("/designations")
@login_required
def designation_list():
    """Designations in the jurisdiction (current ones by default) and eligible candidates."""
    today = _today()
    current_only = request.args.get("all") != "1"
    page = designations.designations_in_jurisdiction(
        current_user, page_arg(), current_app.config["PER_PAGE"],
        current_only, today)
    return render_template("designations/list.html", page=page, current_only=current_only,
                           candidates=designations.candidates(current_user, today),
                           revoke_form=RevokeForm(formdata=None), today=today)


def _eligibility_page(organisation_id: int, form: DesignationForm | None = None,
                      status: int = 200, problem: str | None = None):
    today = _today()
    organisation, uses = designations.organisation_eligibility(current_user, organisation_id,
                                                               today)
    if form is None:
        form = DesignationForm(formdata=None, year=today.year, valid_from=today,
                               valid_to=date(today.year + 2, 12, 31),
                               designating_body=_default_body())
    return render_template("designations/eligibility.html", organisation=organisation,
                           uses=uses, form=form, problem=problem), status


def _default_body() -> str:
    region = getattr(current_user, "region", None)
    return _("%(region)s卫生健康委员会", region=region.name) if region is not None else ""


@bp.route("/designations/organisations/<int:organisation_id>")
@login_required
def eligibility(organisation_id: int):
    """An organisation's eligibility with its reasons, and the designation form."""
    return _eligibility_page(organisation_id)


@bp.route("/designations/organisations/<int:organisation_id>", methods=["POST"])
@login_required
def designate(organisation_id: int):
    """Designate the organisation 示范单位 (an ineligible one needs a written reason)."""
    form = DesignationForm()
    form.validate()  # parses the dates and the year; the service decides what is wrong
    try:
        designation = designations.designate(
            current_user, organisation_id, form.year.data, form.valid_from.data,
            form.valid_to.data, form.designating_body.data, form.override_reason.data,
            today=_today())
    except ValidationFailed as error:
        form = _clear_parse_errors(form)
        show_errors(form, error)
        return _eligibility_page(organisation_id, form, 400)
    except designations.StateConflict as conflict:
        return _eligibility_page(organisation_id, form, 409, conflict.message)
    flash(_("已认定“%(name)s”为 %(year)s 年度示范单位。", name=designation.organisation.name,
            year=designation.year), "success")
    return redirect(url_for("dashboard.designation_list"))


def _clear_parse_errors(form: DesignationForm) -> DesignationForm:
    """Keep only the service's messages (WTForms' English parse messages would duplicate them)."""
    for field in form:
        field.errors = []
    return form


@bp.route("/designations/<int:designation_id>/revoke", methods=["POST"])
@login_required
def revoke(designation_id: int):
    """Revoke a designation with a reason."""
    form = RevokeForm()
    try:
        designation = designations.revoke(current_user, designation_id, form.reason.data)
    except ValidationFailed as error:
        for message in error.errors.values():
            flash(message, "error")
        return redirect(url_for("dashboard.designation_list"))
    except designations.StateConflict as conflict:
        flash(conflict.message, "error")
        return redirect(url_for("dashboard.designation_list"))
    flash(_("已撤销“%(name)s”的示范单位认定。", name=designation.organisation.name), "success")
    return redirect(url_for("dashboard.designation_list"))
