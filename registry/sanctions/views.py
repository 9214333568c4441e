"""Sanction pages: the association's recommendations, the regulator's queues and decisions,
the organisation's sanctions and appeals, and the public list (惩戒公示).

Thin: parse the form, call one service, render or redirect. Bad input re-renders the form
with each message beside its field (HTTP 400), what was typed kept; a wrong state re-renders
with the message (HTTP 409); refusals are 403 (the app-wide handler), unknown records 404.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from registry import vocabulary
from registry.auth.policy import Action, require
from registry.auth.views import show_errors
from registry.extensions import db
from registry.http_cache import shared_cacheable
from registry.public.labels import SANCTION_TYPE
from registry.query import int_value, page_arg
from registry.regions.services import ancestors, get_region
from registry.sanctions import appeals, publication, recommendations, services
from registry.sanctions.forms import (
    OUTCOME_LABELS,
    AppealForm,
    LookupForm,
    ReasonForm,
    RecommendationForm,
    ReferralOutcomeForm,
    SanctionForm,
    type_choices,
)
from registry.sanctions.models import (
    AppealKind,
    AppealStatus,
    LicenceReferral,
    SanctionState,
    SanctionType,
)
from registry.sanctions.subjects import KINDS, find_subjects
from registry.validation import StateConflict, ValidationFailed

bp = Blueprint("sanctions", __name__)

_REGION_CODE = re.compile(r"[0-9]{6}")


@bp.app_context_processor
def sanction_helpers() -> dict:
    """Labels and rules the sanction templates use."""
    return {"sanction_state_label": state_label, "appeal_label": appeal_label,
            "outcome_label": lambda outcome: str(OUTCOME_LABELS.get(outcome, "")),
            "disclosure_rule": lambda sanction: publication.rule_for(sanction.sanction_type)}


def state_label(state: SanctionState) -> str:
    """A sanction's state in the reader's language."""
    return {SanctionState.IN_FORCE: _("执行中"), SanctionState.ENDED: _("已执行完毕"),
            SanctionState.LIFTED: _("已撤销")}.get(state, "")


def appeal_label(appeal) -> str:
    """An appeal's kind and status in the reader's language."""
    kind = _("申诉") if appeal.kind is AppealKind.APPEAL else _("信用修复申请")
    status = {AppealStatus.PENDING: _("审查中"), AppealStatus.ACCEPTED: _("已采纳"),
              AppealStatus.REJECTED: _("未采纳")}[appeal.status]
    return _("%(kind)s（%(status)s）", kind=kind, status=status)


def _number(name: str):
    """``name`` from the query string or the form, as an id (None when absent; else 404)."""
    return int_value(request.args.get(name) or request.form.get(name))


def _subject_args():
    """``?organisation=ID`` or ``?practitioner=ID``: (kind, id), or (None, None)."""
    for kind in KINDS:
        value = _number(kind)
        if value is not None:
            return kind, value
    return None, None


def _lookup():
    form = LookupForm(request.args)
    found = find_subjects(current_user, form.kind.data or "organisation", form.q.data) \
        if form.q.data else []
    return form, found


# --- assessors: recommendations ---------------------------------------------------------------

@bp.route("/recommendations")
@login_required
def recommendations_list():
    """The association's recommendations and what the regulator decided."""
    rows = recommendations.of_association(current_user)
    return render_template("sanctions/recommendations.html", rows=rows)


@bp.route("/recommendations/new", methods=["GET", "POST"])
@login_required
def new_recommendation():
    """File a recommendation about an organisation or practitioner of the jurisdiction."""
    require(current_user, Action.RECOMMENDATION_FILE)
    kind, subject_id = _subject_args()
    complaint_id, evaluation_id = _number("complaint"), _number("evaluation")
    if kind is None and complaint_id is not None:
        from registry.complaints.services import complaint_for_link

        complaint = complaint_for_link(current_user, complaint_id)
        kind = "organisation" if complaint.organisation_id else "practitioner"
        subject_id = complaint.organisation_id or complaint.practitioner_id
    if kind is None:
        lookup, found = _lookup()
        return render_template("sanctions/choose_subject.html", lookup=lookup, found=found,
                               target="sanctions.new_recommendation",
                               title=_("提出惩戒或退出建议"))
    subject = recommendations.subject_for_assessor(current_user, kind, subject_id)
    form = RecommendationForm() if request.method == "POST" else RecommendationForm(
        formdata=None, data={"complaint_id": complaint_id or "",
                             "evaluation_id": evaluation_id or ""})
    form.proposed_type.choices = type_choices()
    status, problem = 200, None
    if request.method == "POST":
        try:
            recommendations.file_recommendation(current_user, kind, subject_id, form.values())
        except ValidationFailed as error:
            show_errors(form, error)
            status = 400
        except StateConflict as conflict:
            status, problem = 409, conflict.message
        else:
            flash(_("建议已提交主管部门。"), "success")
            return redirect(url_for("sanctions.recommendations_list"))
    return render_template("sanctions/recommendation_form.html", form=form, subject=subject,
                           problem=problem), status


# --- regulators: recommendations ------------------------------------------------------------

@bp.route("/review/recommendations")
@login_required
def recommendation_queue():
    """Pending recommendations of the jurisdiction, oldest first."""
    return render_template("sanctions/recommendation_queue.html",
                           items=recommendations.queue(current_user))


def _recommendation_page(recommendation_id: int, form=None, status=200, problem=None):
    recommendation = recommendations.for_decision(current_user, recommendation_id)
    return render_template("sanctions/recommendation.html", recommendation=recommendation,
                           form=form or ReasonForm(formdata=None), problem=problem), status


@bp.route("/review/recommendations/<int:recommendation_id>")
@login_required
def recommendation(recommendation_id: int):
    """One recommendation: accept (opens the prefilled sanction form) or decline."""
    return _recommendation_page(recommendation_id)


@bp.route("/review/recommendations/<int:recommendation_id>/decline", methods=["POST"])
@login_required
def decline_recommendation(recommendation_id: int):
    """Decline with a reason the association reads."""
    form = ReasonForm()
    try:
        recommendations.decline(current_user, recommendation_id, form.decision_reason.data)
    except ValidationFailed as error:
        show_errors(form, error)
        return _recommendation_page(recommendation_id, form, 400)
    except StateConflict as conflict:
        return _recommendation_page(recommendation_id, form, 409, conflict.message)
    flash(_("已不予采纳该建议，理由已告知行业协会。"), "success")
    return redirect(url_for("sanctions.recommendation_queue"))


# --- regulators: sanctions --------------------------------------------------------------------

@bp.route("/review/sanctions")
@login_required
def sanction_list():
    """Sanctions decided in the jurisdiction, newest first."""
    state = request.args.get("state") or None
    page = services.sanctions_in_jurisdiction(current_user, page_arg(),
                                              current_app.config["PER_PAGE"], state)
    return render_template("sanctions/list.html", page=page, state=state,
                           states=list(SanctionState))


@bp.route("/review/sanctions/new", methods=["GET", "POST"])
@login_required
def new_sanction():
    """Record a sanction (prefilled from a recommendation when one is accepted)."""
    require(current_user, Action.SANCTION_RECORD)
    today = services.local_today()
    kind, subject_id = _subject_args()
    recommendation_id, complaint_id = _number("recommendation"), _number("complaint")
    recommendation = None
    if recommendation_id is not None:
        recommendation = recommendations.for_decision(current_user, recommendation_id)
        kind = "organisation" if recommendation.organisation_id else "practitioner"
        subject_id = recommendation.organisation_id or recommendation.practitioner_id
    elif kind is None and complaint_id is not None:
        from registry.complaints.services import complaint_for_link

        complaint = complaint_for_link(current_user, complaint_id)
        kind = "organisation" if complaint.organisation_id else "practitioner"
        subject_id = complaint.organisation_id or complaint.practitioner_id
    if kind is None:
        lookup, found = _lookup()
        return render_template("sanctions/choose_subject.html", lookup=lookup, found=found,
                               target="sanctions.new_sanction", title=_("录入惩戒决定"))
    subject = services.subject_for_officer(current_user, kind, subject_id)
    if request.method == "POST":
        form = SanctionForm()
    else:
        prefill = services.prefill_from(recommendation, today)
        prefill.setdefault("complaint_id", complaint_id)
        form = SanctionForm(formdata=None, data={key: value if value is not None else ""
                                                 for key, value in prefill.items()})
    form.sanction_type.choices = type_choices()
    form.revoke_qualification_ids.choices = [
        SelectChoice(str(q.id), f"{vocabulary.QUALIFICATION_KINDS.label(q.kind)} "
                                f"{q.certificate_number}")
        for q in services.revocable_qualifications(subject)]
    status, problem = 200, None
    if request.method == "POST":
        try:
            sanction = services.record_sanction(current_user, kind, subject_id, form.values(),
                                                today=today)
        except ValidationFailed as error:
            db.session.rollback()
            show_errors(form, error)
            status = 400
        except StateConflict as conflict:
            db.session.rollback()
            status, problem = 409, conflict.message
        else:
            flash(_("惩戒决定已录入，相应后果已执行。"), "success")
            return redirect(url_for("sanctions.sanction_detail", sanction_id=sanction.id))
    return render_template("sanctions/sanction_form.html", form=form, subject=subject,
                           recommendation=recommendation, problem=problem, today=today,
                           rules=[(kind, SANCTION_TYPE[kind], publication.rule_for(kind))
                                  for kind in SanctionType]), status


def _sanction_page(sanction_id: int, status: int = 200, problem=None, outcome_form=None,
                   reason_form=None):
    sanction = services.get_sanction(current_user, sanction_id)
    if outcome_form is None and sanction.referral is not None:
        outcome_form = ReferralOutcomeForm(formdata=None, obj=sanction.referral)
        outcome_form.outcome.data = sanction.referral.outcome.value
        outcome_form.outcome_on.data = (sanction.referral.outcome_on.isoformat()
                                        if sanction.referral.outcome_on else "")
    return render_template("sanctions/detail.html", sanction=sanction,
                           requests=appeals.requests_of(sanction.id), outcome_form=outcome_form,
                           reason_form=reason_form or ReasonForm(formdata=None),
                           today=services.local_today(), problem=problem), status


@bp.route("/review/sanctions/<int:sanction_id>")
@login_required
def sanction_detail(sanction_id: int):
    """One sanction with its consequences, disclosure, appeals and referral."""
    return _sanction_page(sanction_id)


@bp.route("/review/referrals/<int:referral_id>/outcome", methods=["POST"])
@login_required
def referral_outcome(referral_id: int):
    """Record what the market regulator decided."""
    form = ReferralOutcomeForm()
    referral = db.session.get(LicenceReferral, referral_id) or abort(404)
    try:
        services.record_referral_outcome(current_user, referral_id, {
            "outcome": form.outcome.data, "outcome_on": form.outcome_on.data,
            "outcome_note": form.outcome_note.data, "reference_number": form.reference_number.data})
    except ValidationFailed as error:
        db.session.rollback()
        show_errors(form, error)
        return _sanction_page(referral.sanction_id, 400, outcome_form=form)
    flash(_("移送处理结果已保存。"), "success")
    return redirect(url_for("sanctions.sanction_detail", sanction_id=referral.sanction_id))


# --- regulators: appeals ----------------------------------------------------------------------

@bp.route("/review/appeals")
@login_required
def appeal_queue():
    """Pending appeals and credit-repair requests of the jurisdiction."""
    return render_template("sanctions/appeal_queue.html", items=appeals.queue(current_user))


@bp.route("/review/appeals/<int:appeal_id>/decide", methods=["POST"])
@login_required
def decide_appeal(appeal_id: int):
    """Accept or reject an appeal or repair request, with a reason."""
    appeal = appeals.for_decision(current_user, appeal_id)
    form = ReasonForm()
    accept = request.form.get("decision") == "accept"
    try:
        appeals.decide(current_user, appeal_id, accept, form.decision_reason.data)
    except ValidationFailed as error:
        db.session.rollback()
        show_errors(form, error)
        return _sanction_page(appeal.sanction_id, 400, reason_form=form)
    except StateConflict as conflict:
        db.session.rollback()
        return _sanction_page(appeal.sanction_id, 409, conflict.message)
    flash(_("已采纳该申请。") if accept else _("已决定不予采纳，理由已告知机构。"), "success")
    return redirect(url_for("sanctions.sanction_detail", sanction_id=appeal.sanction_id))


# --- the organisation -----------------------------------------------------------------------

@bp.route("/my/sanctions")
@login_required
def own_sanctions():
    """The organisation's sanctions (and its practitioners'), with appeals and decisions."""
    if current_user.organisation is None:
        abort(403)
    sanctions = appeals.own_sanctions(current_user)
    return render_template("sanctions/own.html", sanctions=sanctions,
                           requests={s.id: appeals.requests_of(s.id) for s in sanctions},
                           today=services.local_today())


@bp.route("/my/sanctions/<int:sanction_id>/appeal", methods=["GET", "POST"])
@login_required
def file_appeal(sanction_id: int):
    """File an appeal or a credit-repair request."""
    sanction = appeals.own_sanction(current_user, sanction_id)
    form = AppealForm() if request.method == "POST" else AppealForm(
        formdata=None, data={"kind": request.args.get("kind", "appeal")})
    status, problem = 200, None
    if request.method == "POST":
        try:
            appeals.file_request(current_user, sanction_id, form.kind.data,
                                 {"statement": form.statement.data,
                                  "evidence": form.evidence.data})
        except ValidationFailed as error:
            show_errors(form, error)
            status = 400
        except StateConflict as conflict:
            status, problem = 409, conflict.message
        else:
            flash(_("申请已提交，主管部门审查后会告知结果。"), "success")
            return redirect(url_for("sanctions.own_sanctions"))
    return render_template("sanctions/appeal_form.html", form=form, sanction=sanction,
                           deadline=appeals.appeal_deadline(sanction),
                           earliest=publication.earliest_removal(sanction),
                           rule=publication.rule_for(sanction.sanction_type),
                           problem=problem), status


# --- the public -------------------------------------------------------------------------------

@bp.route("/sanctions")
@shared_cacheable
def public_list():
    """Sanctions in their disclosure period (惩戒公示), by region, type and subject."""
    today = services.local_today()
    code = request.args.get("region") or None
    region = None
    if code is not None:
        region = get_region(code) if _REGION_CODE.fullmatch(code) else None
        if region is None:
            abort(404)
    kind_code = request.args.get("type") or None
    kind = None
    if kind_code is not None:
        try:
            kind = SanctionType(kind_code)
        except ValueError:
            abort(404)
    subject = request.args.get("subject") or None
    if subject not in (None, *KINDS):
        abort(404)
    query = publication.public_sanctions(today, code, kind, subject)
    page = db.paginate(query, page=page_arg(),
                       per_page=current_app.config["PER_PAGE"], error_out=False)
    if page.page > 1 and not page.items:
        abort(404)
    return render_template("sanctions/public_list.html", page=page, region=region,
                           path=ancestors(region) if region else [], kind=kind,
                           subject=subject, types=SANCTION_TYPE, today=today)

