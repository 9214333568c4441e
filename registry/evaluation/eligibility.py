"""What evaluation results make an organisation eligible for: one function per use.

Each function returns an ``Eligibility`` whose ``reasons`` say which rule passed or failed, so
that the regulator's page, the designation service and any later API show the same answer.
Thresholds are configuration (read with defaults here; declared in ``registry/config.py``):

- ``DEMONSTRATION_MAX_CYCLE_AGE`` (1): the latest evaluation's cycle must be ≥ this year − N;
- ``PRACTICE_BASE_MIN_PRACTITIONERS`` (5): verified practitioners currently affiliated.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from registry.evaluation.models import Evaluation, EvaluationState, Grade
from registry.extensions import db
from registry.orgs.models import Organisation, OrganisationStatus
from registry.practitioners.models import Affiliation, Qualification, VerificationState
from registry.public.labels import label as enum_label
from registry.sanctions.models import Sanction, SanctionState

# Best first: a lower rank is a better grade.
GRADE_RANK = {Grade.EXCELLENT: 0, Grade.GOOD: 1, Grade.PASS: 2, Grade.FAIL: 3}



@dataclass(frozen=True)
class Rule:
    """One rule's outcome: ``key`` for code, ``label`` and ``detail`` for people."""

    key: str
    label: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Eligibility:
    """Whether an organisation qualifies for one use, and why."""

    use: str
    label: str
    reasons: list[Rule] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return all(rule.passed for rule in self.reasons)

    def rule(self, key: str) -> Rule:
        """The outcome of the rule named ``key``."""
        return next(rule for rule in self.reasons if rule.key == key)


def latest_published_evaluation(organisation_id: int) -> Optional[Evaluation]:
    """The current result: latest cycle, then latest publication; superseded ones never count."""
    return db.session.scalars(
        sa.select(Evaluation)
        .where(Evaluation.organisation_id == organisation_id,
               Evaluation.state == EvaluationState.PUBLISHED)
        .order_by(*Evaluation.latest_first())
        .limit(1)
    ).first()


def grade_at_least(grade: Optional[Grade], minimum: Grade) -> bool:
    """Whether ``grade`` is ``minimum`` or better."""
    return grade is not None and GRADE_RANK[grade] <= GRADE_RANK[minimum]


def _grade_rule(evaluation: Optional[Evaluation], minimum: Grade) -> Rule:
    wanted = enum_label(minimum)
    title = (_("最近一次评估为%(grade)s", grade=wanted) if minimum is Grade.EXCELLENT
             else _("最近一次评估为%(grade)s或以上", grade=wanted))
    if evaluation is None:
        return Rule("grade", title, False, _("暂无已公布的评估结果。"))
    detail = _("%(cycle)s 年度评估：%(grade)s（%(total)s 分）。", cycle=evaluation.cycle,
               grade=enum_label(evaluation.grade), total=f"{evaluation.total:g}")
    return Rule("grade", title, grade_at_least(evaluation.grade, minimum), detail)


def _recent_cycle_rule(evaluation: Optional[Evaluation], today: date) -> Rule:
    age = current_app.config["DEMONSTRATION_MAX_CYCLE_AGE"]
    earliest = today.year - age
    label = _("评估属于最近一个周期（%(year)s 年度或以后）", year=earliest)
    if evaluation is None:
        return Rule("recent_cycle", label, False, _("暂无已公布的评估结果。"))
    return Rule("recent_cycle", label, evaluation.cycle >= earliest,
                _("最近一次评估为 %(cycle)s 年度。", cycle=evaluation.cycle))


def _active_rule(organisation: Organisation) -> Rule:
    active = organisation.status is OrganisationStatus.ACTIVE
    return Rule("active", _("机构处于正常服务状态"), active,
                _("正常服务。") if active else _("机构当前不在正常服务状态。"))


def _sanctions(organisation_id: int) -> list[Sanction]:
    return list(db.session.scalars(sa.select(Sanction).where(
        Sanction.organisation_id == organisation_id)))


def _no_disclosed_sanction_rule(organisation: Organisation, today: date) -> Rule:
    disclosed = [s for s in _sanctions(organisation.id) if s.is_disclosed(today)]
    detail = (_("有 %(num)s 项惩戒正在公示期内。", num=len(disclosed)) if disclosed
              else _("没有正在公示的惩戒。"))
    return Rule("no_disclosed_sanction", _("没有处于公示期内的惩戒"), not disclosed, detail)


def _no_sanction_in_force_rule(organisation: Organisation) -> Rule:
    in_force = [s for s in _sanctions(organisation.id) if s.state is SanctionState.IN_FORCE]
    detail = (_("有 %(num)s 项惩戒正在执行。", num=len(in_force)) if in_force
              else _("没有正在执行的惩戒。"))
    return Rule("no_sanction_in_force", _("没有正在执行的惩戒"), not in_force, detail)


def verified_practitioner_count(organisation_id: int, today: date) -> int:
    """Practitioners currently affiliated who hold a verified, unexpired qualification."""
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Affiliation.practitioner_id)))
        .join(Qualification, Qualification.practitioner_id == Affiliation.practitioner_id)
        .where(Affiliation.organisation_id == organisation_id,
               Affiliation.end_date.is_(None), Affiliation.start_date <= today,
               Qualification.state == VerificationState.VERIFIED,
               sa.or_(Qualification.expires_on.is_(None), Qualification.expires_on >= today))
    ) or 0


def _practitioner_rule(organisation: Organisation, today: date) -> Rule:
    minimum = current_app.config["PRACTICE_BASE_MIN_PRACTITIONERS"]
    count = verified_practitioner_count(organisation.id, today)
    return Rule("verified_practitioners",
                _("至少 %(num)s 名资质已核验的在职从业人员", num=minimum), count >= minimum,
                _("目前有 %(num)s 名。", num=count))


def demonstration_candidate(organisation: Organisation, today: date) -> Eligibility:
    """示范单位候选: latest evaluation 优秀 in the last cycle, no disclosed sanction, active."""
    evaluation = latest_published_evaluation(organisation.id)
    return Eligibility("demonstration", _("示范单位候选"), [
        _grade_rule(evaluation, Grade.EXCELLENT),
        _recent_cycle_rule(evaluation, today),
        _no_disclosed_sanction_rule(organisation, today),
        _active_rule(organisation),
    ])


def practice_base(organisation: Organisation, today: date) -> Eligibility:
    """实践基地: 良好 or better and enough verified practitioners currently affiliated."""
    evaluation = latest_published_evaluation(organisation.id)
    return Eligibility("practice_base", _("实践基地"), [
        _grade_rule(evaluation, Grade.GOOD),
        _practitioner_rule(organisation, today),
    ])


def government_purchase(organisation: Organisation, today: date) -> Eligibility:
    """政府购买服务: 合格 or better and no sanction in force."""
    evaluation = latest_published_evaluation(organisation.id)
    return Eligibility("government_purchase", _("政府购买服务"), [
        _grade_rule(evaluation, Grade.PASS),
        _no_sanction_in_force_rule(organisation),
    ])


def all_uses(organisation: Organisation, today: date) -> list[Eligibility]:
    """Every use, in the order the regulator's page shows them."""
    return [demonstration_candidate(organisation, today), practice_base(organisation, today),
            government_purchase(organisation, today)]
