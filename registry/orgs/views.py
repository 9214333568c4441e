"""Registration pages: the organisation's own page (我的机构) with its edit form, and the
regulator's review queue and review pages. Thin: parse the form, call one service, render or
redirect. Wrong-state errors re-render the page with the message and HTTP 409; bad input
re-renders the form with each message beside its field and HTTP 400."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.auth.models import Role
from registry.auth.policy import Action, can
from registry.auth.views import show_errors
from registry.orgs import labels, services
from registry.orgs.forms import (
    ERROR_ALIASES,
    DecisionForm,
    DeregistrationForm,
    OrganisationForm,
    RejectForm,
)
from registry.orgs.models import ChangeRequestKind
from registry.validation import ValidationFailed

bp = Blueprint("orgs", __name__)


@bp.app_context_processor
def orgs_helpers() -> dict:
    """Labels the registration templates use."""
    return {"orgs_labels": labels}


def _problem_list(error: ValidationFailed) -> list[str]:
    """``字段：message`` lines, for errors shown in a banner rather than beside a form."""
    return [f"{labels.field_label(name)}{_('：')}{message}"
            for name, message in error.errors.items()]


# --- the organisation's own page ---------------------------------------------------------------

def _form_mode(overview: services.Overview) -> str | None:
    """Which edit the page offers: ``draft`` (before approval), ``change`` (after), or none."""
    status = overview.organisation.status
    if status in services.EDITABLE:
        return "draft"
    pending = overview.pending
    if status in services.REGISTERED and (
            pending is None or pending.kind is ChangeRequestKind.CHANGE):
        return "change"
    return None


def _manage_page(organisation_id: int, form: OrganisationForm | None = None, status: int = 200,
                 problem: str | None = None):
    overview = services.overview(current_user, organisation_id)
    mode = _form_mode(overview)
    if mode and form is None:
        form = OrganisationForm.initial(services.proposed_values(overview.organisation,
                                                                 overview.pending))
    return render_template("orgs/manage.html", overview=overview, form=form if mode else None,
                           mode=mode, problem=problem), status


@bp.route("/my-organisation")
@login_required
def mine():
    """我的机构: an organisation account's own page; reviewers land on their queue."""
    if current_user.role is Role.ORG and current_user.organisation_id:
        return redirect(url_for("orgs.manage", organisation_id=current_user.organisation_id))
    if can(current_user, Action.ORG_REVIEW):
        return redirect(url_for("orgs.queue"))
    abort(404)


@bp.route("/manage/organisations/<int:organisation_id>")
@login_required
def manage(organisation_id: int):
    """Status, what is missing, the rejection reason, a pending request, the form, history."""
    return _manage_page(organisation_id)


@bp.route("/manage/organisations/<int:organisation_id>/draft", methods=["POST"])
@login_required
def save_draft(organisation_id: int):
    """Save the registration (draft or rejected)."""
    form = OrganisationForm()
    if "refresh_regions" in request.form:  # no JavaScript: only update the region options
        return _manage_page(organisation_id, form)
    try:
        services.save_draft(current_user, organisation_id, form.profile_values())
    except ValidationFailed as error:
        show_errors(form, error, ERROR_ALIASES)
        return _manage_page(organisation_id, form, 400)
    except services.StateConflict as conflict:
        return _manage_page(organisation_id, form, 409, conflict.message)
    flash(_("登记信息已保存。"), "success")
    return redirect(url_for("orgs.manage", organisation_id=organisation_id))


@bp.route("/manage/organisations/<int:organisation_id>/submit", methods=["POST"])
@login_required
def submit(organisation_id: int):
    """Submit the saved registration for review."""
    try:
        services.submit(current_user, organisation_id)
    except ValidationFailed as error:
        overview = services.overview(current_user, organisation_id)
        form = OrganisationForm.initial(services.proposed_values(overview.organisation, None))
        show_errors(form, error, ERROR_ALIASES)
        return _manage_page(organisation_id, form, 400,
                            _("登记信息尚不完整或有误，请按提示修改并保存后再提交。"))
    except services.StateConflict as conflict:
        return _manage_page(organisation_id, status=409, problem=conflict.message)
    flash(_("已提交审核。主管部门审核期间不能修改登记信息。"), "success")
    return redirect(url_for("orgs.manage", organisation_id=organisation_id))


@bp.route("/manage/organisations/<int:organisation_id>/changes", methods=["POST"])
@login_required
def request_change(organisation_id: int):
    """Propose changes to an approved registration (or update the pending proposal)."""
    form = OrganisationForm()
    if "refresh_regions" in request.form:
        return _manage_page(organisation_id, form)
    try:
        services.request_change(current_user, organisation_id, form.profile_values())
    except ValidationFailed as error:
        show_errors(form, error, ERROR_ALIASES)
        return _manage_page(organisation_id, form, 400)
    except services.StateConflict as conflict:
        return _manage_page(organisation_id, form, 409, conflict.message)
    flash(_("变更申请已提交。审核通过前，公众看到的仍是已公开的信息。"), "success")
    return redirect(url_for("orgs.manage", organisation_id=organisation_id))


@bp.route("/manage/organisations/<int:organisation_id>/changes/<int:change_request_id>/withdraw",
          methods=["POST"])
@login_required
def withdraw_change(organisation_id: int, change_request_id: int):
    """Take back a pending change request or deregistration."""
    try:
        change = services.withdraw_change(current_user, change_request_id)
    except services.StateConflict as conflict:
        return _manage_page(organisation_id, status=409, problem=conflict.message)
    flash(_("申请已撤回。"), "success")
    return redirect(url_for("orgs.manage", organisation_id=change.organisation_id))


@bp.route("/manage/organisations/<int:organisation_id>/deregister", methods=["GET", "POST"])
@login_required
def request_deregistration(organisation_id: int):
    """申请注销: the form with its consequences, and the request."""
    form = DeregistrationForm()
    status, problem = 200, None
    if request.method == "POST":
        try:
            services.request_deregistration(current_user, organisation_id, form.reason.data)
        except ValidationFailed as error:
            show_errors(form, error)
            status = 400
        except services.StateConflict as conflict:
            status, problem = 409, conflict.message
        else:
            flash(_("注销申请已提交，等待主管部门审核。"), "success")
            return redirect(url_for("orgs.manage", organisation_id=organisation_id))
    overview = services.overview(current_user, organisation_id)
    return render_template("orgs/deregister.html", overview=overview, form=form,
                           problem=problem), status


# --- review by the regulator ------------------------------------------------------------------

@bp.route("/review")
@login_required
def queue():
    """Registrations and change requests waiting in the jurisdiction, oldest first."""
    return render_template("orgs/queue.html", items=services.review_queue(current_user))


def _review_page(organisation_id: int, reject_form: RejectForm | None = None, status: int = 200,
                 problem: str | None = None):
    overview = services.review_overview(current_user, organisation_id)
    return render_template("orgs/review.html", overview=overview,
                           reject_form=reject_form or RejectForm(formdata=None),
                           problem=problem), status


@bp.route("/review/organisations/<int:organisation_id>")
@login_required
def review(organisation_id: int):
    """One registration: every field, history; approve, or reject with a reason."""
    return _review_page(organisation_id)


@bp.route("/review/organisations/<int:organisation_id>/approve", methods=["POST"])
@login_required
def approve(organisation_id: int):
    """Approve a submitted registration: the organisation becomes public."""
    try:
        organisation = services.approve(current_user, organisation_id)
    except services.StateConflict as conflict:
        return _review_page(organisation_id, status=409, problem=conflict.message)
    flash(_("已批准“%(name)s”的登记，机构信息已公开。", name=organisation.name), "success")
    return redirect(url_for("orgs.queue"))


@bp.route("/review/organisations/<int:organisation_id>/reject", methods=["POST"])
@login_required
def reject(organisation_id: int):
    """Reject a submitted registration with a reason."""
    form = RejectForm()
    try:
        organisation = services.reject(current_user, organisation_id, form.reason.data)
    except ValidationFailed as error:
        show_errors(form, error)
        return _review_page(organisation_id, form, 400)
    except services.StateConflict as conflict:
        return _review_page(organisation_id, form, 409, conflict.message)
    flash(_("已退回“%(name)s”的登记，机构将看到退回理由。", name=organisation.name), "success")
    return redirect(url_for("orgs.queue"))


def _change_page(change_request_id: int, reject_form: RejectForm | None = None,
                 status: int = 200, problem: str | list | None = None):
    change = services.change_request_for_review(current_user, change_request_id)
    revision = services.change_revision(change)
    moving_to = (change.changes or {}).get("region_code")
    return render_template(
        "orgs/review_change.html", change=change, diff=services.change_diff(change),
        history=services.history(current_user, change.organisation_id),
        decision_form=DecisionForm(formdata=None, data={"revision": revision}),
        reject_form=reject_form or RejectForm(formdata=None, data={"revision": revision}),
        move_outside=bool(moving_to) and not can(current_user, Action.ORG_REVIEW, moving_to),
        problem=problem,
    ), status


@bp.route("/review/changes/<int:change_request_id>")
@login_required
def review_change(change_request_id: int):
    """One change request: the field-by-field diff; approve, or reject with a reason."""
    return _change_page(change_request_id)


@bp.route("/review/changes/<int:change_request_id>/approve", methods=["POST"])
@login_required
def approve_change(change_request_id: int):
    """Apply the change (or carry out the deregistration)."""
    form = DecisionForm()
    try:
        change = services.approve_change(current_user, change_request_id,
                                         revision=form.revision.data or None)
    except ValidationFailed as error:
        return _change_page(change_request_id, status=400, problem=_problem_list(error))
    except services.StateConflict as conflict:
        return _change_page(change_request_id, status=409, problem=conflict.message)
    if change.kind is ChangeRequestKind.DEREGISTRATION:
        flash(_("已批准注销，“%(name)s”已退出登记。", name=change.organisation.name), "success")
    else:
        flash(_("已批准变更，“%(name)s”的公开信息已更新。", name=change.organisation.name), "success")
    return redirect(url_for("orgs.queue"))


@bp.route("/review/changes/<int:change_request_id>/reject", methods=["POST"])
@login_required
def reject_change(change_request_id: int):
    """Refuse the change or deregistration, with a reason."""
    form = RejectForm()
    try:
        change = services.reject_change(current_user, change_request_id, form.reason.data,
                                        revision=form.revision.data or None)
    except ValidationFailed as error:
        show_errors(form, error)
        return _change_page(change_request_id, form, 400)
    except services.StateConflict as conflict:
        return _change_page(change_request_id, form, 409, conflict.message)
    flash(_("已退回“%(name)s”的申请，机构将看到退回理由。", name=change.organisation.name), "success")
    return redirect(url_for("orgs.queue"))
