"""Evaluation forms. They only parse input: every rule (ranges, half points, sums, states)
lives in ``registry.evaluation.services``, whose messages the views put beside each field."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)

from registry.evaluation.services import (
    CriterionInput,
    ScoreInput,
    comment_field,
    score_field,
)

# Empty criterion rows offered below the existing ones when editing a rubric.
SPARE_CRITERIA = 3


class AssociationForm(FlaskForm):
    """An association's name and jurisdiction."""

    name = StringField(_l("协会名称"))
    region_code = SelectField(_l("管辖地区"), validate_choice=False)
    contact_phone = StringField(_l("联系电话"))
    website = StringField(_l("网站"))

    def values(self) -> dict:
        """The typed values, for the service."""
        return {name: getattr(self, name).data
                for name in ("name", "region_code", "contact_phone", "website")}


class CriterionForm(Form):
    """One row of the rubric form."""

    name = StringField(_l("指标名称"))
    max_points = StringField(_l("满分"), render_kw={"inputmode": "decimal"})
    description = StringField(_l("说明"))


class RubricForm(FlaskForm):
    """A rubric's fields, thresholds and criteria."""

    name = StringField(_l("细则名称"))
    description = TextAreaField(_l("说明"), render_kw={"rows": 3})
    first_cycle = StringField(_l("适用起始周期（年度）"), render_kw={"inputmode": "numeric"})
    excellent_min = StringField(_l("优秀分数线"), default="90")
    good_min = StringField(_l("良好分数线"), default="75")
    pass_min = StringField(_l("合格分数线"), default="60")
    criteria = FieldList(FormField(CriterionForm), min_entries=1)

    def values(self) -> dict:
        """The rubric's own fields, for the service."""
        return {name: getattr(self, name).data for name in
                ("name", "description", "first_cycle", "excellent_min", "good_min", "pass_min")}

    def criterion_inputs(self) -> list[CriterionInput]:
        """The criterion rows as typed, blanks included (the service skips empty rows)."""
        return [CriterionInput(row.form.name.data or "", row.form.max_points.data or "",
                               row.form.description.data or "") for row in self.criteria]

    @classmethod
    def for_rubric(cls, rubric=None) -> "RubricForm":
        """The form filled in from ``rubric`` (or empty), with spare rows."""
        data: dict = {"criteria": []}
        if rubric is not None:
            data.update(name=rubric.name, description=rubric.description or "",
                        first_cycle=rubric.first_cycle or "",
                        excellent_min=f"{rubric.excellent_min:g}", good_min=f"{rubric.good_min:g}",
                        pass_min=f"{rubric.pass_min:g}")
            data["criteria"] = [{"name": c.name, "max_points": f"{c.max_points:g}",
                                 "description": c.description or ""} for c in rubric.criteria]
        data["criteria"] += [{}] * SPARE_CRITERIA
        return cls(formdata=None, data=data)


class OpenEvaluationForm(FlaskForm):
    """Which organisation to evaluate, for which cycle (and association, for the admin)."""

    organisation_id = HiddenField()
    cycle = StringField(_l("评估周期（年度）"), render_kw={"inputmode": "numeric"})
    association_id = SelectField(_l("评估协会"), validate_choice=False)
    rubric_id = SelectField(_l("评估细则"), validate_choice=False)


class CycleForm(FlaskForm):
    """The cycle shown on the assessor's list (a GET form)."""

    class Meta:
        csrf = False

    cycle = IntegerField(_l("评估周期（年度）"))


class CorrectionForm(FlaskForm):
    """Why a published evaluation is corrected."""

    reason = TextAreaField(_l("更正理由"), render_kw={"rows": 3})


def scoring_form(rubric, formdata=None, evaluation=None):
    """The scoring form for ``rubric``: points and a comment per criterion, the summary, the
    draft's ``lock_version`` and the conflict-of-interest declaration."""

    class ScoringForm(FlaskForm):
        lock_version = HiddenField()
        summary = TextAreaField(_l("总体评价"), render_kw={"rows": 4})
        conflict_declared = BooleanField(
            _l("本人声明：与该机构不存在利益冲突（无任职、投资、亲属或其他利害关系）。"))

        def score_inputs(self) -> dict[int, ScoreInput]:
            """Typed points and comments per criterion id."""
            return {c.id: ScoreInput(self[score_field(c.id)].data or "",
                                     self[comment_field(c.id)].data or "")
                    for c in rubric.criteria}

    for criterion in rubric.criteria:
        setattr(ScoringForm, score_field(criterion.id), StringField(
            _l("得分（满分 %(max)s）", max=f"{criterion.max_points:g}"),
            render_kw={"inputmode": "decimal", "autocomplete": "off"}))
        setattr(ScoringForm, comment_field(criterion.id),
                TextAreaField(_l("评语"), render_kw={"rows": 2}))
    if formdata is not None:
        return ScoringForm(formdata=formdata)
    data = {"lock_version": str(evaluation.lock_version) if evaluation else "",
            "summary": (evaluation.summary or "") if evaluation else ""}
    for score in (evaluation.scores if evaluation else []):
        data[score_field(score.criterion_id)] = f"{score.points:g}"
        data[comment_field(score.criterion_id)] = score.comment or ""
    return ScoringForm(formdata=None, data=data)
