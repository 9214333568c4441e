"""Complaint pages: the public form and tracking page, the regulators' queue, the association's
referred complaints, and one complaint's page with its actions. Thin: parse the form, call one
service, render or redirect. Bad input re-renders with messages beside the fields (HTTP 400),
a wrong state with the message (HTTP 409); refusals are 403 through the PermissionDenied handler.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.auth.policy import Action, can
from registry.auth.views import show_errors
from registry.complaints import services
from registry.complaints.forms import (
    ActionForm,
    CloseForm,
    ComplaintForm,
    FindingsForm,
    ReferForm,
    TrackForm,
)
from registry.complaints.models import ComplaintStatus
from registry.extensions import db, limiter
from registry.query import int_arg
from registry.validation import StateConflict, ValidationFailed

bp = Blueprint("complaints", __name__)
FILED_KEY = "complaint_filed"
# Bad input is answered with 400 and costs nothing; a filed complaint (302) or a refused bot
# (422) counts against COMPLAINT_LIMIT.
BAD_INPUT = 400
BOT_REFUSED = 422


@bp.app_context_processor
def complaint_helpers() -> dict:
    """Labels the complaint templates use."""
    return {"complaint_status_label": services.status_label,
            "complaint_public_status": services.public_status_label}


def complaint_limit() -> str:
    """``COMPLAINT_LIMIT``: complaints filed per client address."""
    return current_app.config["COMPLAINT_LIMIT"]


def track_limit() -> str:
    """``COMPLAINT_TRACK_LIMIT``: tracking look-ups per client address."""
    return current_app.config["COMPLAINT_TRACK_LIMIT"]


def _subject_ids() -> tuple[int | None, int | None]:
    """``?organisation=`` or ``?practitioner=`` as ids; anything else is a missing page."""
    return int_arg("organisation"), int_arg("practitioner")


# --- the public ------------------------------------------------------------------------------

@bp.route("/complaints/new", methods=["GET", "POST"])
@limiter.limit(complaint_limit, methods=["POST"],
               deduct_when=lambda response: response.status_code != BAD_INPUT)
def new():
    """投诉: the public complains about a publicly visible organisation or practitioner."""
    organisation_id, practitioner_id = _subject_ids()
    try:
        subject = services.complaint_subject(organisation_id, practitioner_id)
    except StateConflict as conflict:
        return render_template("complaints/new.html", form=None, subject=None,
                               problem=conflict.message), 409
    form = (ComplaintForm() if request.method == "POST" else ComplaintForm(formdata=None))
    form.with_choices()
    status, problem = 200, None
    if request.method == "POST":
        if form.caught_a_bot():
            status, problem = BOT_REFUSED, _("提交未能完成，请稍后再试。")
        else:
            try:
                complaint = services.file_complaint(form.values(), organisation_id=organisation_id,
                                                    practitioner_id=practitioner_id)
            except ValidationFailed as error:
                show_errors(form, error)
                status = BAD_INPUT
            else:
                session[FILED_KEY] = complaint.reference
                return redirect(url_for("complaints.filed"))
    return render_template("complaints/new.html", form=form, subject=subject,
                           problem=problem), status


@bp.route("/complaints/filed")
def filed():
    """The tracking number of the complaint just filed (shown once, from the session)."""
    reference = session.pop(FILED_KEY, None)
    if reference is None:
        return redirect(url_for("complaints.track"))
    return render_template("complaints/filed.html", reference=reference)


@bp.route("/complaints/track")
@limiter.limit(track_limit, exempt_when=lambda: not request.args.get("reference"))
def track():
    """查询投诉进度: the state of a complaint by its tracking number."""
    form = TrackForm(request.args)
    asked = bool((form.reference.data or "").strip())
    tracking = services.track(form.reference.data) if asked else None
    return render_template("complaints/track.html", form=form, asked=asked, tracking=tracking)


# --- regulators and associations -------------------------------------------------------------

def _list_page(list_service, default_status: str, heading: str):
    """A list of complaints filtered by ``?status=`` (the same page for both lists)."""
    status = request.args.get("status", default_status)
    return render_template("complaints/queue.html", rows=list_service(current_user, status),
                           status=status, statuses=list(ComplaintStatus),
                           endpoint=request.endpoint, heading=heading)


@bp.route("/complaints")
@login_required
def queue():
    """投诉处理: the complaints of the regulator's jurisdiction, oldest open first."""
    return _list_page(services.complaint_queue, "open", _("投诉处理"))


@bp.route("/complaints/referred")
@login_required
def referred():
    """The complaints referred to the assessor's association."""
    return _list_page(services.referred_complaints, "all", _("转交核查的投诉"))


def _detail_page(complaint_id: int, status: int = 200, problem: str | None = None,
                 refer_form: ReferForm | None = None, close_form: CloseForm | None = None,
                 findings_form: FindingsForm | None = None):
    detail = services.complaint_detail(current_user, complaint_id)
    refer_form = refer_form or ReferForm(formdata=None)
    refer_form.association_id.choices = [("", _("请选择"))] + [
        (str(a.id), a.name) for a in detail.associations]
    views = current_app.view_functions
    return render_template(
        "complaints/detail.html", detail=detail, complaint=detail.complaint, problem=problem,
        action_form=ActionForm(formdata=None), refer_form=refer_form,
        close_form=close_form or CloseForm(formdata=None),
        findings_form=findings_form or FindingsForm(formdata=None),
        may_recommend="sanctions.new_recommendation" in views
        and can(current_user, Action.RECOMMENDATION_FILE, detail.complaint),
        may_sanction="sanctions.new_sanction" in views
        and can(current_user, Action.SANCTION_RECORD, detail.complaint)), status


@bp.route("/complaints/<int:complaint_id>")
@login_required
def detail(complaint_id: int):
    """One complaint: the complainant only for regulators; the actions its viewer may take."""
    return _detail_page(complaint_id)


def _act(complaint_id: int, call, done: str, form=None, form_name: str | None = None):
    """Run one use case; a wrong state is 409, bad input 400, both with nothing changed."""
    kept = {form_name: form} if form_name else {}  # what was typed, shown again
    try:
        call()
    except ValidationFailed as error:
        db.session.rollback()
        show_errors(form, error)
        return _detail_page(complaint_id, BAD_INPUT, **kept)
    except StateConflict as conflict:
        db.session.rollback()
        return _detail_page(complaint_id, 409, conflict.message, **kept)
    flash(done, "success")
    return redirect(url_for("complaints.detail", complaint_id=complaint_id))


@bp.route("/complaints/<int:complaint_id>/start", methods=["POST"])
@login_required
def start_review(complaint_id: int):
    """已受理 → 正在核查."""
    return _act(complaint_id, lambda: services.start_review(current_user, complaint_id),
                _("已开始核查。"))


@bp.route("/complaints/<int:complaint_id>/refer", methods=["POST"])
@login_required
def refer(complaint_id: int):
    """Refer the complaint to an association of its region."""
    form = ReferForm()
    return _act(complaint_id,
                lambda: services.refer(current_user, complaint_id, form.association_id.data),
                _("已转交行业协会核查。"), form, "refer_form")


@bp.route("/complaints/<int:complaint_id>/close", methods=["POST"])
@login_required
def close(complaint_id: int):
    """Close the complaint with its outcome."""
    form = CloseForm()
    return _act(complaint_id,
                lambda: services.close(current_user, complaint_id, form.outcome.data,
                                       form.resolution.data),
                _("投诉已办结，投诉人可凭编号查看办结意见。"), form, "close_form")


@bp.route("/complaints/<int:complaint_id>/findings", methods=["POST"])
@login_required
def findings(complaint_id: int):
    """The association reports its findings to the regulator."""
    form = FindingsForm()
    return _act(complaint_id,
                lambda: services.record_findings(current_user, complaint_id, form.findings.data),
                _("核查结果已提交主管部门。"), form, "findings_form")
