"""Web pages: an organisation manages its practitioners and their certificates; verifiers work
through the verification queue; the public verifies a certificate (证书查询).

Views parse the form, call one service and render or redirect; the services check permissions
(a refusal becomes 403 through the PermissionDenied handler) and raise field errors, which
``show_field_errors`` puts beside the fields.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.auth.models import Role
from registry.extensions import limiter
from registry.practitioners import services
from registry.query import page_arg
from registry.practitioners.forms import (
    ActionForm,
    CertificateLookupForm,
    EditPractitionerForm,
    EndAffiliationForm,
    NewPractitionerForm,
    QualificationForm,
    ReasonForm,
)
from registry.validation import StateConflict, ValidationFailed

bp = Blueprint("practitioners", __name__)
MANAGE = "/manage/organisations/<int:organisation_id>/practitioners"
PERSON = MANAGE + "/<int:practitioner_id>"
REVIEW = "/review/qualifications"
certificates_bp = Blueprint("certificates", __name__)
# The public page marks each verified certificate with who verified it and when:
# {{ qualification_marking(qualification) }} in any template.
bp.add_app_template_global(services.verification_marking, "qualification_marking")

# One budget for the page and the API together, so that neither doubles the other's rate.
CERTIFICATE_LOOKUP_SCOPE = "certificate-lookup"


def certificate_lookup_limit() -> str:
    """``CERTIFICATE_LOOKUP_LIMIT`` (30 per minute per address unless configured)."""
    return current_app.config["CERTIFICATE_LOOKUP_LIMIT"]


def show_field_errors(form, error: ValidationFailed, rows: dict[int, int] | None = None) -> None:
    """Put a service's messages beside the form's fields.

    ``qualifications.{i}.{field}`` goes to row ``rows[i]`` of the qualifications list (the
    service saw only the rows that were not blank); a field the form lacks becomes a form error.
    """
    for name, message in error.errors.items():
        target = _field_for(form, name, rows or {})
        if target is not None:
            target.errors = list(target.errors) + [message]
        else:
            form.form_errors.append(message)


def _field_for(form, name: str, rows: dict[int, int]):
    entries = getattr(form, "qualifications", None)
    if name == "qualifications":  # none given: beside the first certificate row
        return entries.entries[0].form.kind if entries is not None and entries.entries else None
    parts = name.split(".")
    if len(parts) == 3 and parts[0] == "qualifications" and parts[1].isdigit():
        row = rows.get(int(parts[1]))
        if row is None or entries is None or row >= len(entries.entries):
            return None
        return getattr(entries.entries[row].form, parts[2], None)
    field = getattr(form, name, None)
    return field if field is not None and hasattr(field, "errors") else None


def _or_404(call, *args, **kwargs):
    """A missing record is a 404 page; a refusal propagates (403)."""
    try:
        return call(*args, **kwargs)
    except LookupError:
        abort(404)


# --- an organisation's practitioners ------------------------------------------------------------

@bp.route("/manage/practitioners")
@login_required
def mine():
    """An organisation account's own list (the link a navigation bar can use)."""
    if current_user.role is not Role.ORG:
        abort(404)
    return redirect(url_for("practitioners.roster", organisation_id=current_user.organisation_id))


@bp.route(MANAGE)
@login_required
def roster(organisation_id: int):
    """Current and past practitioners of the organisation, with their certificates' states."""
    roster = _or_404(services.organisation_roster, current_user, organisation_id)
    return render_template("practitioners/roster.html", roster=roster, today=services.local_today())


@bp.route(MANAGE + "/new", methods=["GET", "POST"])
@login_required
def new(organisation_id: int):
    """Add a practitioner (or link the person already registered under the ID number)."""
    organisation = _or_404(services.managed_organisation, current_user, organisation_id)
    form = NewPractitionerForm()
    if "add_qualification" in request.form:  # no JavaScript: one more certificate row
        if len(form.qualifications.entries) < form.qualifications.max_entries:
            form.qualifications.append_entry()
        return render_template("practitioners/new.html", form=form, organisation=organisation)
    status = None
    if form.validate_on_submit():
        rows = form.qualification_rows()
        try:
            registration = _or_404(
                services.register_practitioner, current_user, organisation.id,
                form.practitioner_values(), [values for _index, values in rows],
                role=form.role.data, start_date=form.start_date.data,
            )
        except StateConflict as conflict:
            form.form_errors.append(conflict.message)
            status = 409
        except ValidationFailed as error:
            show_field_errors(form, error, {i: row for i, (row, _values) in enumerate(rows)})
        else:
            if registration.linked:
                flash(_("该身份证号码对应的人员已经登记，已将其关联为本机构人员；原有登记信息未改动。"), "success")
            else:
                flash(_("已添加从业人员，资质证书等待主管部门核验。"), "success")
            return redirect(url_for("practitioners.detail", organisation_id=organisation.id,
                                    practitioner_id=registration.practitioner.id))
    if request.method == "GET":
        status = 200
    elif status is None:
        status = 400
    return render_template("practitioners/new.html", form=form, organisation=organisation), status


@bp.route(PERSON)
@login_required
def detail(organisation_id: int, practitioner_id: int):
    """One practitioner: fields, certificates with their states, leaving."""
    managed = _or_404(services.managed_practitioner, current_user, organisation_id, practitioner_id)
    return _render_detail(managed, EndAffiliationForm())


def _render_detail(managed, end_form, status: int = 200):
    return render_template("practitioners/detail.html", managed=managed, end_form=end_form,
                           today=services.local_today()), status


@bp.route(PERSON + "/edit", methods=["GET", "POST"])
@login_required
def edit(organisation_id: int, practitioner_id: int):
    """Correct a practitioner's public fields (the ID number only by typing it again)."""
    managed = _or_404(services.managed_practitioner, current_user, organisation_id, practitioner_id)
    if not managed.is_current:
        abort(404)
    form = EditPractitionerForm(obj=None if request.method == "POST" else managed.practitioner)
    if request.method == "GET" and managed.practitioner.gender:
        form.gender.data = managed.practitioner.gender.value
    if form.validate_on_submit():
        try:
            _or_404(services.update_practitioner, current_user, organisation_id, practitioner_id,
                    form.practitioner_values())
        except ValidationFailed as error:
            show_field_errors(form, error)
        else:
            flash(_("已保存。"), "success")
            return redirect(url_for("practitioners.detail", organisation_id=organisation_id,
                                    practitioner_id=practitioner_id))
    status = 400 if request.method == "POST" else 200
    return render_template("practitioners/edit.html", form=form, managed=managed), status


@bp.route(PERSON + "/end", methods=["POST"])
@login_required
def end_affiliation(organisation_id: int, practitioner_id: int):
    """The practitioner leaves the organisation; the affiliation is kept as history."""
    form = EndAffiliationForm()
    if form.validate_on_submit():
        try:
            _or_404(services.end_affiliation, current_user, organisation_id, practitioner_id,
                    form.end_date.data)
        except ValidationFailed as error:
            show_field_errors(form, error)
        else:
            flash(_("已登记离职，执业记录保留在历史中。"), "success")
            return redirect(url_for("practitioners.roster", organisation_id=organisation_id))
    managed = _or_404(services.managed_practitioner, current_user, organisation_id, practitioner_id)
    return _render_detail(managed, form, 400)


@bp.route(PERSON + "/qualifications/new", methods=["GET", "POST"])
@login_required
def add_qualification(organisation_id: int, practitioner_id: int):
    """Add a certificate; it waits for verification."""
    managed = _or_404(services.managed_practitioner, current_user, organisation_id, practitioner_id)
    if not managed.is_current:
        abort(404)
    form = QualificationForm()
    if form.validate_on_submit():
        try:
            _or_404(services.add_qualification, current_user, organisation_id, practitioner_id,
                    form.values())
        except ValidationFailed as error:
            show_field_errors(form, error)
        else:
            flash(_("已添加资质证书，等待主管部门核验。"), "success")
            return redirect(url_for("practitioners.detail", organisation_id=organisation_id,
                                    practitioner_id=practitioner_id))
    status = 400 if request.method == "POST" else 200
    return render_template("practitioners/qualification_form.html", form=form, managed=managed,
                           qualification=None), status


@bp.route(PERSON + "/qualifications/<int:qualification_id>/edit", methods=["GET", "POST"])
@login_required
def edit_qualification(organisation_id: int, practitioner_id: int, qualification_id: int):
    """Correct an unverified or rejected certificate (a rejected one is resubmitted)."""
    managed = _or_404(services.managed_practitioner, current_user, organisation_id, practitioner_id)
    qualification = _or_404(services.managed_qualification, current_user, organisation_id,
                            practitioner_id, qualification_id)
    back = url_for("practitioners.detail", organisation_id=organisation_id,
                   practitioner_id=practitioner_id)
    if qualification.state not in services.EDITABLE_STATES:
        flash(_("已核验的证书不能修改或删除；如有错误，请联系主管部门。"), "error")
        return redirect(back)
    form = QualificationForm(obj=None if request.method == "POST" else qualification)
    if form.validate_on_submit():
        try:
            services.update_qualification(current_user, organisation_id, qualification_id,
                                          form.values())
        except StateConflict as conflict:  # verified meanwhile
            flash(conflict.message, "error")
            return redirect(back)
        except ValidationFailed as error:
            show_field_errors(form, error)
        else:
            flash(_("已保存，证书等待主管部门核验。"), "success")
            return redirect(back)
    status = 400 if request.method == "POST" else 200
    return render_template("practitioners/qualification_form.html", form=form, managed=managed,
                           qualification=qualification), status


@bp.route(PERSON + "/qualifications/<int:qualification_id>/remove", methods=["POST"])
@login_required
def remove_qualification(organisation_id: int, practitioner_id: int, qualification_id: int):
    """Remove an unverified or rejected certificate (the audit log keeps it)."""
    _or_404(services.managed_qualification, current_user, organisation_id, practitioner_id,
            qualification_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.remove_qualification(current_user, organisation_id, qualification_id)
    except StateConflict as conflict:
        flash(conflict.message, "error")
    else:
        flash(_("已删除该证书。"), "success")
    return redirect(url_for("practitioners.detail", organisation_id=organisation_id,
                            practitioner_id=practitioner_id))


# --- verification ------------------------------------------------------------------------------

@bp.route(REVIEW)
@login_required
def queue():
    """Certificates waiting for verification in the jurisdiction, oldest first."""
    page = services.verification_queue(current_user, page_arg(),
                                       current_app.config["PER_PAGE"])
    return render_template("practitioners/queue.html", page=page)


@bp.route(REVIEW + "/<int:qualification_id>")
@login_required
def review(qualification_id: int):
    """One certificate for a verifier: verify, reject with a reason, or revoke."""
    return _render_review(qualification_id, ReasonForm())


def _render_review(qualification_id: int, reason_form, status: int = 200):
    # A certificate is either waiting (reject) or verified (revoke): one reason form at most.
    review = _or_404(services.qualification_review, current_user, qualification_id)
    return render_template("practitioners/review.html", review=review, reason_form=reason_form,
                           today=services.local_today()), status


@bp.route(REVIEW + "/<int:qualification_id>/verify", methods=["POST"])
@login_required
def verify(qualification_id: int):
    """Verified: the certificate appears on the public pages."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        qualification = _or_404(services.verify_qualification, current_user, qualification_id)
    except StateConflict as conflict:
        flash(conflict.message, "error")
        return redirect(url_for("practitioners.review", qualification_id=qualification_id))
    flash(_("已核验：%(name)s 的证书 %(number)s。", name=qualification.practitioner.name,
            number=qualification.certificate_number), "success")
    return redirect(url_for("practitioners.queue"))


@bp.route(REVIEW + "/<int:qualification_id>/<any(reject, revoke):decision>", methods=["POST"])
@login_required
def decide(qualification_id: int, decision: str):
    """Reject an unverified certificate, or revoke a verified one, with a reason."""
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    service = (services.reject_qualification if decision == "reject"
               else services.revoke_qualification)
    try:
        _or_404(service, current_user, qualification_id, form.reason.data)
    except StateConflict as conflict:
        flash(conflict.message, "error")
        return redirect(url_for("practitioners.review", qualification_id=qualification_id))
    except ValidationFailed as error:
        show_field_errors(form, error)
        return _render_review(qualification_id, form, 400)
    flash(_("证书未通过核验，已告知机构。") if decision == "reject" else _("证书已撤销。"), "success")
    if decision == "reject":
        return redirect(url_for("practitioners.queue"))
    return redirect(url_for("practitioners.review", qualification_id=qualification_id))


# --- certificate lookup (public) ---------------------------------------------------------------

@certificates_bp.route("/certificates/verify", methods=["GET", "POST"])
@limiter.shared_limit(certificate_lookup_limit, scope=CERTIFICATE_LOOKUP_SCOPE, methods=["POST"])
def verify_certificate():
    """证书查询: is this certificate, held by this person, valid?"""
    form = CertificateLookupForm()
    answer = None
    status = 200
    if form.validate_on_submit():
        try:
            answer = services.lookup_certificate(form.number.data, form.name.data)
        except ValidationFailed as error:
            show_field_errors(form, error)
            status = 400
    elif request.method == "POST":
        status = 400
    return render_template("certificates/verify.html", form=form, answer=answer,
                           statuses=services.CertificateStatus), status
