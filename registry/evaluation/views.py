"""Evaluation pages: the admin's associations and rubrics, the assessor's list and scoring
page, and the organisation's own reports. Thin: parse the form, call one service, render or
redirect. Wrong-state errors re-render with the message and HTTP 409; bad input re-renders
the form with each message beside its field and HTTP 400, what was typed kept."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from registry.auth.models import Role
from registry.auth.policy import Action, can, require
from registry.auth.views import show_errors
from registry.evaluation import services
from registry.evaluation.forms import (
    AssociationForm,
    CorrectionForm,
    CycleForm,
    OpenEvaluationForm,
    RubricForm,
    scoring_form,
)
from registry.evaluation.models import EvaluationState, Grade
from registry.extensions import db
from registry.query import int_arg, parse_int
from registry.regions.models import Region, RegionLevel
from registry.text import MAX_YEAR, MIN_YEAR
from registry.validation import ValidationFailed

bp = Blueprint("evaluation", __name__)

@bp.app_context_processor
def evaluation_helpers() -> dict:
    """Labels the evaluation templates use."""
    return {"grade_label": grade_label, "state_label": state_label,
            "score_field": services.score_field, "comment_field": services.comment_field}


def grade_label(grade) -> str:
    """评估等级 in the reader's language."""
    labels = {Grade.EXCELLENT: _("优秀"), Grade.GOOD: _("良好"), Grade.PASS: _("合格"),
              Grade.FAIL: _("不合格")}
    return labels.get(grade, "")


def state_label(state) -> str:
    """An evaluation's state in the reader's language."""
    labels = {EvaluationState.DRAFT: _("草稿"), EvaluationState.PUBLISHED: _("已发布"),
              EvaluationState.SUPERSEDED: _("已被更正")}
    return labels.get(state, "")


def _rubric_errors(form: RubricForm, error: ValidationFailed) -> None:
    """Criterion errors (``criteria-<i>-<field>``) beside their row; the rest as usual."""
    rest = {}
    for key, message in error.errors.items():
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == "criteria" and parts[1].isdigit() \
                and int(parts[1]) < len(form.criteria):
            field = form.criteria[int(parts[1])].form[parts[2]]
            field.errors = list(field.errors) + [message]
        elif key == "criteria":  # about all the rows: above the form
            form.form_errors.append(message)
        else:
            rest[key] = message
    show_errors(form, ValidationFailed(rest))


def _jurisdiction_choices() -> list[tuple[str, str]]:
    regions = db.session.scalars(
        sa.select(Region).where(Region.level.in_((RegionLevel.PROVINCE, RegionLevel.CITY)))
        .order_by(Region.code))
    return [("", _("请选择"))] + [(r.code, f"{r.name}（{r.code}）") for r in regions]


# --- admin: associations ----------------------------------------------------------------------

@bp.route("/admin/associations", methods=["GET", "POST"])
@login_required
def associations():
    """Every association, and a form to add one."""
    require(current_user, Action.ASSOCIATION_MANAGE)
    form = AssociationForm() if request.method == "POST" else AssociationForm(formdata=None)
    form.region_code.choices = _jurisdiction_choices()
    status = 200
    if request.method == "POST":
        try:
            association = services.create_association(current_user, form.values())
        except ValidationFailed as error:
            show_errors(form, error)
            status = 400
        else:
            flash(_("已添加协会“%(name)s”。", name=association.name), "success")
            return redirect(url_for("evaluation.associations"))
    return render_template("evaluation/associations.html", form=form,
                           associations=services.list_associations(current_user)), status


@bp.route("/admin/associations/<int:association_id>", methods=["GET", "POST"])
@login_required
def edit_association(association_id: int):
    """Change an association's name or jurisdiction."""
    association = services.get_association(current_user, association_id)
    if request.method == "POST":
        form = AssociationForm()
    else:
        form = AssociationForm(formdata=None, obj=association)
    form.region_code.choices = _jurisdiction_choices()
    status = 200
    if request.method == "POST":
        try:
            services.update_association(current_user, association_id, form.values())
        except ValidationFailed as error:
            show_errors(form, error)
            status = 400
        else:
            flash(_("协会信息已保存。"), "success")
            return redirect(url_for("evaluation.associations"))
    return render_template("evaluation/association_form.html", form=form,
                           association=association), status


# --- admin: rubrics --------------------------------------------------------------------------

@bp.route("/admin/rubrics")
@login_required
def rubrics():
    """Every rubric version."""
    rubrics = services.list_rubrics(current_user)
    return render_template("evaluation/rubrics.html", rubrics=rubrics,
                           current_ids={r.id for r in services.current_rubrics()})


@bp.route("/admin/rubrics/new", methods=["GET", "POST"])
@login_required
def new_rubric():
    """Create a rubric."""
    require(current_user, Action.RUBRIC_MANAGE)
    form = RubricForm() if request.method == "POST" else RubricForm.for_rubric()
    status, problem = 200, None
    if request.method == "POST":
        try:
            rubric = services.create_rubric(current_user, form.values(), form.criterion_inputs())
        except ValidationFailed as error:
            _rubric_errors(form, error)
            status = 400
        else:
            flash(_("已创建评估细则“%(name)s”。", name=rubric.name), "success")
            return redirect(url_for("evaluation.rubrics"))
    return render_template("evaluation/rubric_form.html", form=form, rubric=None,
                           problem=problem), status


@bp.route("/admin/rubrics/<int:rubric_id>", methods=["GET", "POST"])
@login_required
def edit_rubric(rubric_id: int):
    """Edit a rubric's criteria and thresholds (a used version gets a new version)."""
    rubric = services.get_rubric(current_user, rubric_id)
    form = RubricForm() if request.method == "POST" else RubricForm.for_rubric(rubric)
    status, problem = 200, None
    if request.method == "POST":
        try:
            saved = services.update_rubric(current_user, rubric_id, form.values(),
                                           form.criterion_inputs())
        except ValidationFailed as error:
            _rubric_errors(form, error)
            status = 400
        except services.StateConflict as conflict:
            status, problem = 409, conflict.message
        else:
            if saved.id != rubric_id:
                flash(_("该细则已被评估使用，修改已保存为新版本（第 %(version)d 版）；"
                        "已有评估仍使用原版本。", version=saved.version), "success")
            else:
                flash(_("评估细则已保存。"), "success")
            return redirect(url_for("evaluation.rubrics"))
    return render_template("evaluation/rubric_form.html", form=form, rubric=rubric,
                           in_use=services.rubric_in_use(rubric), problem=problem), status


# --- assessors --------------------------------------------------------------------------------

def _open_form(form: OpenEvaluationForm | None = None) -> OpenEvaluationForm:
    form = form or OpenEvaluationForm(formdata=None)
    form.association_id.choices = [(str(a.id), a.name)
                                   for a in services.associations_for_choice(current_user)]
    form.rubric_id.choices = [("", _("按周期自动选择"))] + [
        (str(r.id), _("%(name)s（第 %(version)d 版）", name=r.name, version=r.version))
        for r in services.current_rubrics()]
    return form


def _list_page(cycle: int, status: int = 200, problem: str | None = None,
               open_form: OpenEvaluationForm | None = None):
    association_id = int_arg("association_id")
    work = services.workload(current_user, cycle, association_id)
    form = _open_form(open_form)
    if not form.cycle.data:
        form.cycle.data = str(cycle)
    return render_template("evaluation/list.html", work=work, open_form=form,
                           cycle_form=CycleForm(formdata=None, data={"cycle": cycle}),
                           problem=problem), status


@bp.route("/evaluations")
@login_required
def index():
    """The association's drafts and published evaluations for a cycle, and the active
    organisations in its jurisdiction not yet evaluated."""
    require(current_user, Action.EVALUATION_SCORE)
    cycle = int_arg("cycle", low=MIN_YEAR, high=MAX_YEAR) or services.default_cycle()
    return _list_page(cycle)


@bp.route("/evaluations/open", methods=["POST"])
@login_required
def open_evaluation():
    """Start a draft evaluation of one organisation for a cycle."""
    form = OpenEvaluationForm()
    organisation_id = parse_int(form.organisation_id.data) or 0
    try:
        evaluation = services.open_evaluation(
            current_user, organisation_id, form.cycle.data,
            association_id=parse_int(form.association_id.data),
            rubric_id=parse_int(form.rubric_id.data))
    except ValidationFailed as error:
        cycle = parse_int(form.cycle.data, low=MIN_YEAR, high=MAX_YEAR) or services.default_cycle()
        return _list_page(cycle, 400, "；".join(error.errors.values()))
    except services.StateConflict as conflict:
        cycle = parse_int(form.cycle.data, low=MIN_YEAR, high=MAX_YEAR) or services.default_cycle()
        return _list_page(cycle, 409, conflict.message)
    flash(_("已创建评估草稿，请逐项打分。"), "success")
    return redirect(url_for("evaluation.detail", evaluation_id=evaluation.id))


def _detail_page(evaluation_id: int, form=None, status: int = 200, problem: str | None = None,
                 correction_form: CorrectionForm | None = None):
    evaluation = services.evaluation_for(current_user, evaluation_id)
    editable = evaluation.state is EvaluationState.DRAFT and \
        services.can_see_draft(current_user, evaluation)
    if editable and form is None:
        form = scoring_form(evaluation.rubric, evaluation=evaluation)
    may_correct = evaluation.state is EvaluationState.PUBLISHED and \
        services.can_see_draft(current_user, evaluation)
    scores = {score.criterion_id: score for score in evaluation.scores}
    return render_template(
        "evaluation/detail.html", evaluation=evaluation, form=form if editable else None,
        scores=scores, problem=problem, may_correct=may_correct,
        correction_form=correction_form or CorrectionForm(formdata=None)), status


@bp.route("/evaluations/<int:evaluation_id>")
@login_required
def detail(evaluation_id: int):
    """One evaluation: the scoring form for a draft, the report once published."""
    return _detail_page(evaluation_id)


def _scoring_post(evaluation_id: int, publishing: bool):
    # The service checks who may score; the form only needs the rubric's criteria.
    form = scoring_form(services.rubric_of(evaluation_id), formdata=request.form)
    try:
        if publishing:
            services.publish(current_user, evaluation_id, form.lock_version.data,
                             form.score_inputs(), form.summary.data, bool(form.conflict_declared.data))
        else:
            services.save_draft(current_user, evaluation_id, form.lock_version.data,
                                form.score_inputs(), form.summary.data)
    except ValidationFailed as error:
        db.session.rollback()
        show_errors(form, error)
        return _detail_page(evaluation_id, form, 400,
                            _("有些分数有误，请按提示修改；草稿未被改动。"))
    except services.StateConflict as conflict:
        db.session.rollback()
        return _detail_page(evaluation_id, form, 409, conflict.message)
    if publishing:
        flash(_("评估结果已发布。"), "success")
    else:
        flash(_("草稿已保存。"), "success")
    return redirect(url_for("evaluation.detail", evaluation_id=evaluation_id))


@bp.route("/evaluations/<int:evaluation_id>/draft", methods=["POST"])
@login_required
def save_draft(evaluation_id: int):
    """Save the typed scores and comments (refused if the draft changed meanwhile)."""
    return _scoring_post(evaluation_id, publishing=False)


@bp.route("/evaluations/<int:evaluation_id>/publish", methods=["POST"])
@login_required
def publish(evaluation_id: int):
    """Save and publish: every criterion scored, the no-conflict declaration ticked."""
    return _scoring_post(evaluation_id, publishing=True)


@bp.route("/evaluations/<int:evaluation_id>/correct", methods=["POST"])
@login_required
def correct(evaluation_id: int):
    """Start a correction (a new revision) of a published evaluation, with a reason."""
    form = CorrectionForm()
    try:
        correction = services.start_correction(current_user, evaluation_id, form.reason.data)
    except ValidationFailed as error:
        show_errors(form, error)
        return _detail_page(evaluation_id, status=400, correction_form=form)
    except services.StateConflict as conflict:
        return _detail_page(evaluation_id, status=409, problem=conflict.message,
                            correction_form=form)
    flash(_("已创建更正草稿（第 %(revision)d 版）。发布后将取代原评估，原评估仍予保留。",
            revision=correction.revision), "success")
    return redirect(url_for("evaluation.detail", evaluation_id=correction.id))


# --- the organisation -------------------------------------------------------------------------

@bp.route("/my-organisation/evaluations")
@login_required
def mine():
    """An organisation account's own evaluation reports."""
    if current_user.role is not Role.ORG or not current_user.organisation_id:
        abort(404)
    return redirect(url_for("evaluation.reports", organisation_id=current_user.organisation_id))


@bp.route("/manage/organisations/<int:organisation_id>/evaluations")
@login_required
def reports(organisation_id: int):
    """Every published evaluation of the organisation, with per-criterion scores and comments."""
    organisation, evaluations = services.organisation_reports(current_user, organisation_id)
    return render_template("evaluation/reports.html", organisation=organisation,
                           evaluations=evaluations,
                           may_score=can(current_user, Action.EVALUATION_SCORE, organisation))
