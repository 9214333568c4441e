"""Evaluation use cases (评估): associations, versioned rubrics, and an association's
evaluation of an organisation from draft to publication and correction.

Plain values in, domain errors out (``ValidationFailed`` naming the field, ``StateConflict``,
``NotFound``, ``PermissionDenied``). Every use case checks the policy first, changes nothing
until every check has passed, records an audit event per change and commits once.

Who sees what: drafts only the evaluating association's assessors and the admin
(``can_see_draft``); everyone else only published and superseded evaluations
(``VISIBLE_STATES``), which is what ``published_evaluations`` and ``latest_published`` return.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from registry.query import parse_int
from registry.audit.services import changed_fields, record, snapshot
from registry.auth.models import Role
from registry.auth.policy import Action, PermissionDenied, can, in_jurisdiction, require
from registry.database import load, utcnow
from registry.evaluation import defaults
from registry.evaluation.grading import grade_for, is_half_step
from registry.evaluation.eligibility import latest_published_evaluation
from registry.evaluation.models import (
    Association,
    Evaluation,
    EvaluationState,
    Rubric,
    RubricCriterion,
    Score,
)
from registry.extensions import db
from registry.orgs.models import Organisation, OrganisationStatus
from registry.regions.models import Region
from registry.regions.services import in_region
from registry.validation import NotFound, StateConflict, ValidationFailed

ASSOCIATION_FIELDS = ("name", "region_code", "contact_phone", "website")
RUBRIC_FIELDS = ("name", "version", "description", "first_cycle", "excellent_min", "good_min",
                 "pass_min", "previous_version_id")
EVALUATION_FIELDS = ("organisation_id", "association_id", "rubric_id", "cycle", "revision",
                     "supersedes_id", "correction_reason", "state", "total", "grade",
                     "published_at", "conflict_declared")
# What anyone but the association's assessors (and the admin) may ever see.
VISIBLE_STATES = (EvaluationState.PUBLISHED, EvaluationState.SUPERSEDED)
TOTAL_POINTS = 100.0
REASON_LIMIT = 500
NAME_LIMIT = 120




@dataclass(frozen=True)
class ScoreInput:
    """One criterion's score as typed (text, checked here) and the comment."""

    points: str
    comment: str = ""


@dataclass(frozen=True)
class CriterionInput:
    """One criterion of a rubric as typed in the rubric form."""

    name: str
    max_points: str
    description: str = ""


# --- numbers ---------------------------------------------------------------------------------

def _number(raw: Any) -> Optional[float]:
    """A float from typed text (full-width digits allowed), None for blank; ValueError else."""
    if raw is None:
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    text = str(raw).strip().translate({ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９．"})
    if not text:
        return None
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def parse_points(raw: Any, maximum: float) -> Optional[float]:
    """The points typed for a criterion (None when blank); ``ValueError`` with the message."""
    try:
        value = _number(raw)
    except ValueError:
        raise ValueError(str(_l("请输入数字分数，例如 8 或 8.5。"))) from None
    if value is None:
        return None
    if value < 0 or value > maximum:
        raise ValueError(str(_l("分数应在 0 到 %(max)s 分之间。", max=_points_text(maximum))))
    if not is_half_step(value):
        raise ValueError(str(_l("分数只能是整数或半分（如 8.5）。")))
    return value


def _points_text(value: float) -> str:
    return f"{value:g}"


def score_field(criterion_id: int) -> str:
    """The form field that holds a criterion's points (errors are keyed by it)."""
    return f"score_{criterion_id}"


def comment_field(criterion_id: int) -> str:
    """The form field that holds a criterion's comment."""
    return f"comment_{criterion_id}"


# --- associations -----------------------------------------------------------------------------

def list_associations(actor) -> list[Association]:
    """Every association, by name (admin)."""
    require(actor, Action.ASSOCIATION_MANAGE)
    return list(db.session.scalars(sa.select(Association).order_by(Association.name)))


def get_association(actor, association_id: int) -> Association:
    """One association (admin)."""
    require(actor, Action.ASSOCIATION_MANAGE)
    association = db.session.get(Association, association_id)
    if association is None:
        raise NotFound(association_id)
    return association


def _clean_association(values: dict, current: Optional[Association] = None) -> dict:
    errors: dict[str, object] = {}
    name = (values.get("name") or "").strip()
    region_code = (values.get("region_code") or "").strip()
    if not name:
        errors["name"] = _l("请填写协会名称。")
    elif len(name) > NAME_LIMIT:
        errors["name"] = _l("名称不能超过 %(limit)d 个字。", limit=NAME_LIMIT)
    else:
        query = sa.select(Association.id).where(Association.name == name)
        if current is not None:
            query = query.where(Association.id != current.id)
        if db.session.scalar(query) is not None:
            errors["name"] = _l("已有同名的协会。")
    if not region_code:
        errors["region_code"] = _l("请选择协会的管辖地区。")
    elif db.session.get(Region, region_code) is None:
        errors["region_code"] = _l("没有这个地区。")
    if errors:
        raise ValidationFailed(errors)
    return {"name": name, "region_code": region_code,
            "contact_phone": (values.get("contact_phone") or "").strip() or None,
            "website": (values.get("website") or "").strip() or None}


def create_association(actor, values: dict) -> Association:
    """Add an association with a name and jurisdiction (admin)."""
    require(actor, Action.ASSOCIATION_MANAGE)
    association = Association(**_clean_association(values))
    db.session.add(association)
    db.session.flush()
    record("association.create", "association", association.id, actor=actor,
           after=snapshot(association, ASSOCIATION_FIELDS), region_code=association.region_code)
    db.session.commit()
    return association


def update_association(actor, association_id: int, values: dict) -> Association:
    """Change an association's name or jurisdiction (admin)."""
    association = get_association(actor, association_id)
    cleaned = _clean_association(values, association)
    before = snapshot(association, ASSOCIATION_FIELDS)
    for key, value in cleaned.items():
        setattr(association, key, value)
    old, new = changed_fields(before, snapshot(association, ASSOCIATION_FIELDS))
    if new:
        db.session.flush()
        record("association.update", "association", association.id, actor=actor, before=old,
               after=new, region_code=association.region_code)
    db.session.commit()
    return association


# --- rubrics ---------------------------------------------------------------------------------

def _newer_version_id(rubric: Rubric) -> Optional[int]:
    return db.session.scalar(sa.select(Rubric.id).where(Rubric.previous_version_id == rubric.id))


def current_rubrics() -> list[Rubric]:
    """The latest version of every rubric, by name."""
    newer = sa.select(Rubric.previous_version_id).where(Rubric.previous_version_id.is_not(None))
    return list(db.session.scalars(
        sa.select(Rubric).where(Rubric.id.not_in(newer)).order_by(Rubric.name, Rubric.version)))


def list_rubrics(actor) -> list[Rubric]:
    """Every version of every rubric, newest version first within a name (admin)."""
    require(actor, Action.RUBRIC_MANAGE)
    return list(db.session.scalars(
        sa.select(Rubric).order_by(Rubric.name, Rubric.version.desc())))


def get_rubric(actor, rubric_id: int) -> Rubric:
    """One rubric version (admin)."""
    require(actor, Action.RUBRIC_MANAGE)
    rubric = db.session.get(Rubric, rubric_id)
    if rubric is None:
        raise NotFound(rubric_id)
    return rubric


def rubric_in_use(rubric: Rubric) -> bool:
    """Whether any evaluation (draft or not) was made with this version."""
    return db.session.scalar(
        sa.select(sa.func.count(Evaluation.id)).where(Evaluation.rubric_id == rubric.id)) > 0


def _threshold(values: dict, key: str, errors: dict) -> Optional[float]:
    try:
        value = _number(values.get(key))
    except ValueError:
        errors[key] = _l("请输入 0 到 100 之间的分数。")
        return None
    if value is None:
        errors[key] = _l("请填写分数线。")
    elif not 0 <= value <= TOTAL_POINTS or not is_half_step(value):
        errors[key] = _l("请输入 0 到 100 之间的分数（整数或半分）。")
        return None
    return value


def _clean_criteria(criteria: Iterable[CriterionInput], errors: dict) -> list[dict]:
    cleaned = []
    for index, item in enumerate(criteria):
        name, description = (item.name or "").strip(), (item.description or "").strip()
        if not name and not str(item.max_points or "").strip() and not description:
            continue  # an empty row of the form
        prefix = f"criteria-{index}-"
        if not name:
            errors[prefix + "name"] = _l("请填写指标名称。")
        elif len(name) > NAME_LIMIT:
            errors[prefix + "name"] = _l("名称不能超过 %(limit)d 个字。", limit=NAME_LIMIT)
        try:
            points = _number(item.max_points)
        except ValueError:
            points = None
        if points is None or points <= 0 or points > TOTAL_POINTS or not is_half_step(points):
            errors[prefix + "max_points"] = _l("满分应为大于 0、不超过 100 的整数或半分。")
            points = None
        cleaned.append({"name": name, "description": description or None, "max_points": points})
    if not cleaned:
        errors["criteria"] = _l("评估细则至少需要一项指标。")
    elif all(row["max_points"] is not None for row in cleaned):
        total = sum(row["max_points"] for row in cleaned)
        if total != TOTAL_POINTS:
            errors["criteria"] = _l("各项指标满分之和应为 100 分（现为 %(total)s 分）。",
                                    total=_points_text(total))
    return cleaned


def clean_rubric(values: dict, criteria: Iterable[CriterionInput]) -> tuple[dict, list[dict]]:
    """The rubric's fields and criteria, checked (``ValidationFailed`` naming each field)."""
    errors: dict[str, object] = {}
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = _l("请填写细则名称。")
    elif len(name) > NAME_LIMIT:
        errors["name"] = _l("名称不能超过 %(limit)d 个字。", limit=NAME_LIMIT)
    limits = {key: _threshold(values, key, errors)
              for key in ("excellent_min", "good_min", "pass_min")}
    if None not in limits.values() and not (
            limits["pass_min"] <= limits["good_min"] <= limits["excellent_min"]):
        errors["excellent_min"] = _l("分数线应满足：优秀 ≥ 良好 ≥ 合格。")
    first_cycle = None
    raw_cycle = str(values.get("first_cycle") or "").strip()
    if raw_cycle:
        first_cycle = parse_int(raw_cycle, low=2000, high=2100)
        if first_cycle is None:
            errors["first_cycle"] = _l("请填写 2000 到 2100 之间的年份。")
    rows = _clean_criteria(criteria, errors)
    if errors:
        raise ValidationFailed(errors)
    fields = {"name": name, "description": (values.get("description") or "").strip() or None,
              "first_cycle": first_cycle, **limits}
    return fields, rows


def _add_criteria(rubric: Rubric, rows: list[dict]) -> None:
    for position, row in enumerate(rows, start=1):
        db.session.add(RubricCriterion(rubric_id=rubric.id, position=position, **row))
    db.session.flush()
    db.session.expire(rubric, ["criteria"])


def _criteria_snapshot(rubric: Rubric) -> list:
    return [[c.name, c.max_points, c.description] for c in rubric.criteria]


def create_rubric(actor, values: dict, criteria: Iterable[CriterionInput]) -> Rubric:
    """A new rubric, version 1 (admin)."""
    require(actor, Action.RUBRIC_MANAGE)
    fields, rows = clean_rubric(values, criteria)
    if db.session.scalar(sa.select(Rubric.id).where(Rubric.name == fields["name"])):
        raise ValidationFailed({"name": _l("已有同名的评估细则；如需修改，请编辑该细则。")})
    rubric = Rubric(version=1, **fields)
    db.session.add(rubric)
    db.session.flush()
    _add_criteria(rubric, rows)
    record("rubric.create", "rubric", rubric.id, actor=actor,
           after={**snapshot(rubric, RUBRIC_FIELDS), "criteria": _criteria_snapshot(rubric)})
    db.session.commit()
    return rubric


def update_rubric(actor, rubric_id: int, values: dict,
                  criteria: Iterable[CriterionInput]) -> Rubric:
    """Edit a rubric. A version that any evaluation used is kept as it is: the edit becomes a
    new version (version + 1, ``previous_version_id``), which is returned; old evaluations keep
    theirs. An unused version is edited in place."""
    rubric = get_rubric(actor, rubric_id)
    if _newer_version_id(rubric) is not None:
        raise StateConflict(_l("这不是该细则的最新版本，请编辑最新版本。"))
    fields, rows = clean_rubric(values, criteria)
    if fields["name"] != rubric.name and db.session.scalar(
            sa.select(Rubric.id).where(Rubric.name == fields["name"])):
        raise ValidationFailed({"name": _l("已有同名的评估细则。")})
    before = {**snapshot(rubric, RUBRIC_FIELDS), "criteria": _criteria_snapshot(rubric)}
    if rubric_in_use(rubric):
        target = Rubric(version=rubric.version + 1, previous_version_id=rubric.id, **fields)
        db.session.add(target)
        db.session.flush()
        action = "rubric.new_version"
    else:
        target = rubric
        for key, value in fields.items():
            setattr(target, key, value)
        for criterion in list(rubric.criteria):
            db.session.delete(criterion)
        db.session.flush()
        action = "rubric.update"
    _add_criteria(target, rows)
    after = {**snapshot(target, RUBRIC_FIELDS), "criteria": _criteria_snapshot(target)}
    record(action, "rubric", target.id, actor=actor, before=before, after=after)
    db.session.commit()
    return target


def ensure_default_rubric(actor=None) -> tuple[Rubric, bool]:
    """The shipped default rubric, created if no rubric of its name exists (idempotent).

    Returns the rubric (its latest version) and whether it was created now.
    """
    existing = [rubric for rubric in current_rubrics() if rubric.name == defaults.RUBRIC_NAME]
    if existing:
        return existing[0], False
    rubric = Rubric(name=defaults.RUBRIC_NAME, version=1, description=defaults.RUBRIC_DESCRIPTION,
                    **defaults.THRESHOLDS)
    db.session.add(rubric)
    db.session.flush()
    _add_criteria(rubric, [{"name": name, "max_points": float(points), "description": text}
                           for name, points, text in defaults.CRITERIA])
    record("rubric.create", "rubric", rubric.id, actor=actor,
           after={**snapshot(rubric, RUBRIC_FIELDS), "criteria": _criteria_snapshot(rubric)})
    db.session.commit()
    return rubric, True


def rubric_for_cycle(cycle: int) -> Optional[Rubric]:
    """The current rubric that applies to ``cycle``: the latest-starting one not after it."""
    candidates = [rubric for rubric in current_rubrics()
                  if rubric.first_cycle is None or rubric.first_cycle <= cycle]
    candidates.sort(key=lambda r: (r.first_cycle or 0, r.name == defaults.RUBRIC_NAME, r.id))
    return candidates[-1] if candidates else None


# --- permissions on evaluations ---------------------------------------------------------------

def _outside_jurisdiction() -> PermissionDenied:
    return PermissionDenied(Action.EVALUATION_SCORE,
                            str(_l("该机构不在您所在协会的管辖范围内，不能评估。")))


def _require_assessor_of(actor, association: Association, organisation: Organisation) -> None:
    """The actor scores for ``association`` (its assessor, or the admin), and the organisation
    lies in the association's jurisdiction and the assessor's."""
    if getattr(actor, "role", None) is Role.ASSESSOR and actor.is_active \
            and not can(actor, Action.EVALUATION_SCORE, organisation):
        raise _outside_jurisdiction()
    require(actor, Action.EVALUATION_SCORE, organisation)
    if actor.role is Role.ASSESSOR and actor.association_id != association.id:
        raise _outside_jurisdiction()
    if not in_jurisdiction(association.region_code, organisation.region_code):
        raise _outside_jurisdiction()


def can_see_draft(viewer, evaluation: Evaluation) -> bool:
    """Drafts are for the evaluating association's assessors (in jurisdiction) and the admin."""
    return can(viewer, Action.EVALUATION_READ_DRAFT, evaluation)


def _evaluation(evaluation_id: int, *, lock: bool = False) -> Evaluation:
    return load(Evaluation, evaluation_id, lock=lock)


def rubric_of(evaluation_id: int) -> Rubric:
    """The rubric an evaluation is scored with (to build its form before the policy check)."""
    return _evaluation(evaluation_id).rubric


def _scoring(actor, evaluation_id: int, *, lock: bool = False) -> Evaluation:
    evaluation = _evaluation(evaluation_id, lock=lock)
    _require_assessor_of(actor, evaluation.association, evaluation.organisation)
    return evaluation


def evaluation_for(viewer, evaluation_id: int) -> Evaluation:
    """One evaluation as ``viewer`` may see it: drafts only for ``can_see_draft``; published
    ones for the organisation itself, officers in the jurisdiction and the admin. Anything else
    is ``NotFound`` (a draft's existence is not disclosed)."""
    evaluation = _evaluation(evaluation_id)
    if evaluation.state is EvaluationState.DRAFT:
        if not can_see_draft(viewer, evaluation):
            raise NotFound(evaluation_id)
        return evaluation
    if not _may_read_reports(viewer, evaluation.organisation):
        raise NotFound(evaluation_id)
    return evaluation


def _may_read_reports(viewer, organisation: Organisation) -> bool:
    return can(viewer, Action.EVALUATION_READ_REPORTS, organisation)


# --- reading evaluations ----------------------------------------------------------------------

def published_evaluations(organisation_id: int) -> list[Evaluation]:
    """The organisation's current published evaluations (no drafts, no superseded revisions),
    newest cycle first: what the public and the API may show."""
    return list(db.session.scalars(
        sa.select(Evaluation)
        .where(Evaluation.organisation_id == organisation_id,
               Evaluation.state == EvaluationState.PUBLISHED)
        .order_by(*Evaluation.latest_first())))


def latest_published(organisation_id: int) -> Optional[Evaluation]:
    """The organisation's most recent published evaluation, or None (the eligibility rules'
    ``latest_published_evaluation``: one query, one order)."""
    return latest_published_evaluation(organisation_id)


def organisation_reports(viewer, organisation_id: int) -> tuple[Organisation, list[Evaluation]]:
    """The organisation's full reports: every published and superseded evaluation with its
    scores, newest first, for the organisation itself, officers in jurisdiction and the admin.
    Drafts are never among them."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not _may_read_reports(viewer, organisation):
        raise NotFound(organisation_id)
    evaluations = list(db.session.scalars(
        sa.select(Evaluation)
        .where(Evaluation.organisation_id == organisation_id,
               Evaluation.state.in_(VISIBLE_STATES))
        .order_by(Evaluation.cycle.desc(), Evaluation.revision.desc())))
    return organisation, evaluations


@dataclass(frozen=True)
class Workload:
    """An association's evaluations for a cycle and the organisations still to evaluate."""

    association: Optional[Association]
    cycle: int
    drafts: list[Evaluation]
    published: list[Evaluation]
    to_evaluate: list[Organisation]


def default_cycle(today: Optional[date] = None) -> int:
    """The cycle (year) being evaluated by default: the previous calendar year, since a
    year's evaluation takes place in the year after it."""
    return (today or date.today()).year - 1


def workload(actor, cycle: int, association_id: Optional[int] = None) -> Workload:
    """The assessor's association's drafts and published evaluations for ``cycle``, and the
    active organisations in its jurisdiction without an evaluation of that cycle."""
    require(actor, Action.EVALUATION_SCORE)
    if actor.role is Role.ASSESSOR:
        association = actor.association
    elif association_id is not None:
        association = db.session.get(Association, association_id)
    else:
        association = None
    if association is None:
        return Workload(None, cycle, [], [], [])
    evaluations = list(db.session.scalars(
        sa.select(Evaluation)
        .where(Evaluation.association_id == association.id, Evaluation.cycle == cycle,
               Evaluation.state != EvaluationState.SUPERSEDED)
        .order_by(Evaluation.updated_at.desc())))
    jurisdiction = _common_jurisdiction(actor, association)
    evaluated = sa.select(Evaluation.organisation_id).where(
        Evaluation.association_id == association.id, Evaluation.cycle == cycle)
    to_evaluate = list(db.session.scalars(
        sa.select(Organisation)
        .where(Organisation.status == OrganisationStatus.ACTIVE,
               in_region(Organisation.region_code, jurisdiction),
               Organisation.id.not_in(evaluated))
        .order_by(Organisation.region_code, Organisation.name)))
    return Workload(association, cycle,
                    [e for e in evaluations if e.state is EvaluationState.DRAFT],
                    [e for e in evaluations if e.state is EvaluationState.PUBLISHED],
                    to_evaluate)


def _common_jurisdiction(actor, association: Association) -> str:
    """The narrower of the assessor's and the association's jurisdictions."""
    if actor.role is Role.ASSESSOR and actor.region_code and \
            in_jurisdiction(association.region_code, actor.region_code):
        return actor.region_code
    return association.region_code


# --- the evaluation workflow ------------------------------------------------------------------

def _clean_cycle(cycle: Any) -> int:
    year = parse_int(cycle, low=2000, high=2100)
    if year is None:
        raise ValidationFailed({"cycle": _l("请填写 2000 到 2100 之间的年份。")})
    if year > date.today().year:
        raise ValidationFailed({"cycle": _l("评估周期不能晚于今年。")})
    return year


def open_evaluation(actor, organisation_id: int, cycle: Any,
                    association_id: Optional[int] = None,
                    rubric_id: Optional[int] = None) -> Evaluation:
    """Start a draft evaluation of an active organisation for ``cycle``, for the assessor's
    association (the admin names one). One per organisation, cycle and association."""
    require(actor, Action.EVALUATION_SCORE)
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(organisation_id)
    if actor.role is Role.ASSESSOR:
        association = actor.association
    else:
        association = db.session.get(Association, association_id) if association_id else None
        if association is None:
            raise ValidationFailed({"association_id": _l("请选择评估的协会。")})
    _require_assessor_of(actor, association, organisation)
    year = _clean_cycle(cycle)
    if organisation.status is not OrganisationStatus.ACTIVE:
        raise StateConflict(_l("只能评估状态为“正常”的机构。"))
    _refuse_second(organisation, association, year)
    rubric = db.session.get(Rubric, rubric_id) if rubric_id else rubric_for_cycle(year)
    if rubric is None or rubric.id not in {r.id for r in current_rubrics()}:
        raise ValidationFailed({"rubric_id": _l("请选择现行的评估细则；如尚无细则，请联系管理员。")})
    evaluation = Evaluation(organisation_id=organisation.id, association_id=association.id,
                            rubric_id=rubric.id, cycle=year, revision=1,
                            state=EvaluationState.DRAFT, created_by_id=actor.id)
    evaluation.assessors.append(actor)
    db.session.add(evaluation)
    try:
        db.session.flush()
    except IntegrityError:  # another assessor opened it a moment ago
        db.session.rollback()
        raise StateConflict(_duplicate_message(year)) from None
    record("evaluation.open", "evaluation", evaluation.id, actor=actor,
           after=snapshot(evaluation, EVALUATION_FIELDS), region_code=organisation.region_code)
    db.session.commit()
    return evaluation


def _duplicate_message(cycle: int) -> str:
    return str(_l("本协会已对该机构开展过 %(cycle)d 年度的评估，不能重复创建；"
                  "请打开已有的评估，已发布的评估如需更正请创建更正版本。", cycle=cycle))


def _refuse_second(organisation: Organisation, association: Association, cycle: int) -> None:
    existing = db.session.scalar(
        sa.select(Evaluation.id).where(Evaluation.organisation_id == organisation.id,
                                       Evaluation.association_id == association.id,
                                       Evaluation.cycle == cycle).limit(1))
    if existing is not None:
        raise StateConflict(_duplicate_message(cycle))


def _expect_draft(evaluation: Evaluation) -> None:
    if evaluation.state is not EvaluationState.DRAFT:
        raise StateConflict(_l("该评估已发布，不能再修改或重复发布；如需更正，请创建更正版本。"))


def _expect_fresh(evaluation: Evaluation, lock_version: Any) -> None:
    if str(lock_version or "").strip() != str(evaluation.lock_version):
        raise StateConflict(STALE_MESSAGE)


def clean_scores(evaluation: Evaluation, scores: dict[int, ScoreInput],
                 *, complete: bool = False) -> dict[int, tuple[Optional[float], Optional[str]]]:
    """Points and comments per criterion id, checked against the rubric; with ``complete``
    (publishing) every criterion must be scored. ``ValidationFailed`` keyed by field."""
    errors: dict[str, object] = {}
    cleaned = {}
    for criterion in evaluation.rubric.criteria:
        typed = scores.get(criterion.id, ScoreInput(""))
        try:
            points = parse_points(typed.points, criterion.max_points)
        except ValueError as error:
            errors[score_field(criterion.id)] = str(error)
            continue
        if points is None and complete:
            errors[score_field(criterion.id)] = _l("发布前须为此项打分。")
        comment = (typed.comment or "").strip() or None
        if comment and len(comment) > 2000:
            errors[comment_field(criterion.id)] = _l("评语不能超过 2000 个字。")
        cleaned[criterion.id] = (points, comment)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _apply_scores(evaluation: Evaluation, cleaned: dict, summary: Optional[str]) -> None:
    current = {score.criterion_id: score for score in evaluation.scores}
    for criterion_id, (points, comment) in cleaned.items():
        score = current.get(criterion_id)
        if points is None:
            if score is not None:
                db.session.delete(score)
            continue
        if score is None:
            db.session.add(Score(evaluation=evaluation, criterion_id=criterion_id,
                                 points=points, comment=comment))
        else:
            score.points, score.comment = points, comment
    evaluation.summary = (summary or "").strip() or None
    # Touch the row on every save so that its lock_version moves, even when only scores changed.
    evaluation.updated_at = utcnow()


STALE_MESSAGE = _l("保存失败：在您编辑期间，其他评估员已修改了这份草稿。"
                   "您填写的内容仍保留在页面上，请记下后刷新页面查看最新内容再修改。")


def _commit_or_conflict(flush_only: bool = False) -> None:
    """Flush or commit; a row changed by someone else since it was read (StaleDataError
    from the version counter) is a StateConflict, with nothing saved."""
    try:
        db.session.flush() if flush_only else db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StateConflict(STALE_MESSAGE) from None


def save_draft(actor, evaluation_id: int, lock_version: Any, scores: dict[int, ScoreInput],
               summary: Optional[str] = None) -> Evaluation:
    """Save the typed scores of a draft; refused (StateConflict) when the draft changed since
    the form was loaded (``lock_version``)."""
    evaluation = _scoring(actor, evaluation_id, lock=True)
    _expect_draft(evaluation)
    _expect_fresh(evaluation, lock_version)
    cleaned = clean_scores(evaluation, scores)
    _apply_scores(evaluation, cleaned, summary)
    if actor not in evaluation.assessors:
        evaluation.assessors.append(actor)
    _commit_or_conflict(flush_only=True)
    record("evaluation.save_draft", "evaluation", evaluation.id, actor=actor,
           after={"scores": {str(k): v[0] for k, v in cleaned.items()}},
           region_code=evaluation.organisation.region_code)
    _commit_or_conflict()
    return evaluation


def publish(actor, evaluation_id: int, lock_version: Any, scores: dict[int, ScoreInput],
            summary: Optional[str], conflict_declared: bool) -> Evaluation:
    """Save the typed scores and publish: every criterion scored, the no-conflict-of-interest
    declaration made; total and grade computed (``grading.grade_for``). A correction that is
    published marks the evaluation it corrects superseded."""
    evaluation = _scoring(actor, evaluation_id, lock=True)
    _expect_draft(evaluation)
    _expect_fresh(evaluation, lock_version)
    try:
        cleaned = clean_scores(evaluation, scores, complete=True)
    except ValidationFailed as error:
        if not conflict_declared:
            error.errors["conflict_declared"] = str(_l("发布前须声明与该机构不存在利益冲突。"))
        raise
    if not conflict_declared:
        raise ValidationFailed({"conflict_declared": _l("发布前须声明与该机构不存在利益冲突。")})
    _apply_scores(evaluation, cleaned, summary)
    result = grade_for((points for points, _comment in cleaned.values()), evaluation.rubric)
    before = snapshot(evaluation, EVALUATION_FIELDS)
    evaluation.total, evaluation.grade = result.total, result.grade
    evaluation.conflict_declared = True
    evaluation.state = EvaluationState.PUBLISHED
    evaluation.published_at = utcnow()
    if actor not in evaluation.assessors:
        evaluation.assessors.append(actor)
    if evaluation.supersedes_id is not None:
        _supersede(actor, evaluation)
    _commit_or_conflict(flush_only=True)
    old, new = changed_fields(before, snapshot(evaluation, EVALUATION_FIELDS))
    record("evaluation.publish", "evaluation", evaluation.id, actor=actor, before=old,
           after={**new, "scores": {str(k): v[0] for k, v in cleaned.items()}},
           region_code=evaluation.organisation.region_code)
    _commit_or_conflict()
    return evaluation


def _supersede(actor, correction: Evaluation) -> None:
    previous = _evaluation(correction.supersedes_id, lock=True)
    if previous.state is not EvaluationState.PUBLISHED:
        raise StateConflict(_l("被更正的评估已不是现行版本，不能发布这份更正。"))
    previous.state = EvaluationState.SUPERSEDED
    db.session.flush()
    record("evaluation.supersede", "evaluation", previous.id, actor=actor,
           before={"state": EvaluationState.PUBLISHED.value},
           after={"state": EvaluationState.SUPERSEDED.value, "superseded_by": correction.id},
           region_code=previous.organisation.region_code)


def start_correction(actor, evaluation_id: int, reason: str) -> Evaluation:
    """A new revision of a published evaluation (revision + 1, ``supersedes_id``, a reason),
    starting as a draft copy of its scores. The published one stays until this is published."""
    evaluation = _scoring(actor, evaluation_id, lock=True)
    if evaluation.state is EvaluationState.DRAFT:
        raise StateConflict(_l("草稿可以直接修改，无需更正。"))
    if evaluation.state is not EvaluationState.PUBLISHED:
        raise StateConflict(_l("该评估已被更正版本取代，请更正现行版本。"))
    pending = db.session.scalar(sa.select(Evaluation.id).where(
        Evaluation.supersedes_id == evaluation.id, Evaluation.state == EvaluationState.DRAFT))
    if pending is not None:
        raise StateConflict(_l("该评估已有一份未发布的更正草稿，请继续编辑那一份。"))
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed({"reason": _l("请写明更正的理由。")})
    if len(text) > REASON_LIMIT:
        raise ValidationFailed({"reason": _l("理由不能超过 %(limit)d 个字。", limit=REASON_LIMIT)})
    latest = db.session.scalar(sa.select(sa.func.max(Evaluation.revision)).where(
        Evaluation.organisation_id == evaluation.organisation_id,
        Evaluation.association_id == evaluation.association_id,
        Evaluation.cycle == evaluation.cycle))
    correction = Evaluation(
        organisation_id=evaluation.organisation_id, association_id=evaluation.association_id,
        rubric_id=evaluation.rubric_id, cycle=evaluation.cycle, revision=latest + 1,
        supersedes_id=evaluation.id, correction_reason=text, state=EvaluationState.DRAFT,
        summary=evaluation.summary, created_by_id=actor.id)
    correction.assessors.append(actor)
    db.session.add(correction)
    db.session.flush()
    for score in evaluation.scores:
        db.session.add(Score(evaluation_id=correction.id, criterion_id=score.criterion_id,
                             points=score.points, comment=score.comment))
    db.session.flush()
    record("evaluation.start_correction", "evaluation", correction.id, actor=actor,
           after=snapshot(correction, EVALUATION_FIELDS),
           region_code=evaluation.organisation.region_code)
    db.session.commit()
    return correction


def associations_for_choice(actor) -> list[Association]:
    """The associations ``actor`` may evaluate for: its own, or every one (admin)."""
    if actor.role is Role.ASSESSOR:
        return [actor.association] if actor.association else []
    if actor.role is Role.ADMIN:
        return list(db.session.scalars(sa.select(Association).order_by(Association.name)))
    return []

