"""Sanction and exit recommendations (惩戒/退出建议) from industry associations.

An assessor files a recommendation about an organisation or practitioner inside the
association's jurisdiction; the regulators of that jurisdiction see it in their queue and
either accept it — by recording the sanction it proposes (``services.record_sanction`` with
``recommendation_id``, which accepts it in the same transaction) — or decline it with a
reason. The association sees every outcome.
"""
from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from registry.audit.services import record, snapshot
from registry.auth.models import Role
from registry.auth.policy import Action, require
from registry.database import load, utcnow
from registry.evaluation.models import Evaluation, EvaluationState
from registry.extensions import db
from registry.regions.services import in_region
from registry.sanctions.models import (
    RecommendationStatus,
    Sanction,
    SanctionRecommendation,
)
from registry.sanctions.services import (
    check_subject_state,
    check_type_fits_subject,
    clean_field,
    local_today,
    sanction_type_of,
)
from registry.sanctions.subjects import Subject, load_subject
from registry.validation import StateConflict, ValidationFailed

FIELDS = ("association_id", "organisation_id", "practitioner_id", "region_code",
          "proposed_type", "facts", "evidence", "complaint_id", "evaluation_id", "status",
          "decision_reason")


def _association_id(actor, values: dict) -> int:
    if actor.role is Role.ADMIN:
        try:
            return int(values.get("association_id"))
        except (TypeError, ValueError):
            raise ValidationFailed({"association_id": _l("请选择提出建议的行业协会。")}) from None
    if actor.association_id is None:
        raise ValidationFailed({"association_id": _l("您的账号未关联行业协会，不能提出建议。")})
    return actor.association_id


def _linked_evaluation(evaluation_id: Any, subject: Subject) -> Optional[Evaluation]:
    if evaluation_id in (None, ""):
        return None
    evaluation = db.session.get(Evaluation, int(evaluation_id))
    if evaluation is None or evaluation.state is not EvaluationState.PUBLISHED or \
            subject.organisation is None or evaluation.organisation_id != subject.organisation.id:
        raise ValidationFailed({"evaluation_id": _l("只能关联该机构已发布的评估。")})
    return evaluation


def _linked_complaint(actor, complaint_id: Any, subject: Subject):
    if complaint_id in (None, ""):
        return None
    from registry.complaints.services import complaint_for_link

    complaint = complaint_for_link(actor, int(complaint_id))
    columns = subject.columns()
    if (complaint.organisation_id, complaint.practitioner_id) != \
            (columns["organisation_id"], columns["practitioner_id"]):
        raise ValidationFailed({"complaint_id": _l("所选投诉与建议对象不一致。")})
    return complaint


def file_recommendation(actor, subject_kind: str, subject_id: Any,
                        values: dict) -> SanctionRecommendation:
    """An association's recommendation to the competent department (one transaction)."""
    subject = load_subject(subject_kind, subject_id, actor)
    require(actor, Action.RECOMMENDATION_FILE, subject)
    errors: dict = {}
    try:
        kind = sanction_type_of(values.get("proposed_type"), "proposed_type")
        check_type_fits_subject(kind, subject, "proposed_type")
    except ValidationFailed as failed:
        kind = None
        errors.update(failed.errors)
    facts = clean_field(values, "facts", errors, multiline=True)
    evidence = clean_field(values, "evidence", errors, required=False, multiline=True)
    try:
        association_id = _association_id(actor, values)
    except ValidationFailed as failed:
        errors.update(failed.errors)
    if errors:
        raise ValidationFailed(errors)
    check_subject_state(kind, subject, local_today())
    evaluation = _linked_evaluation(values.get("evaluation_id"), subject)
    complaint = _linked_complaint(actor, values.get("complaint_id"), subject)
    recommendation = SanctionRecommendation(
        association_id=association_id, filed_by_id=actor.id, **subject.columns(),
        region_code=subject.region_code, proposed_type=kind, facts=facts, evidence=evidence,
        complaint_id=complaint.id if complaint else None,
        evaluation_id=evaluation.id if evaluation else None,
        status=RecommendationStatus.PENDING)
    db.session.add(recommendation)
    db.session.flush()
    record("recommendation.file", "sanction_recommendation", recommendation.id, actor=actor,
           after=snapshot(recommendation, FIELDS), region_code=recommendation.region_code)
    db.session.commit()
    return recommendation


def _recommendation(recommendation_id: int, *, lock: bool = False) -> SanctionRecommendation:
    return load(SanctionRecommendation, recommendation_id, lock=lock)


def for_decision(actor, recommendation_id: int) -> SanctionRecommendation:
    """A recommendation for a regulator of its jurisdiction."""
    recommendation = _recommendation(recommendation_id)
    require(actor, Action.RECOMMENDATION_DECIDE, recommendation)
    return recommendation


def decline(actor, recommendation_id: int, reason: Any) -> SanctionRecommendation:
    """pending → declined, with the reason the association reads."""
    recommendation = _recommendation(recommendation_id, lock=True)
    require(actor, Action.RECOMMENDATION_DECIDE, recommendation)
    if recommendation.status is not RecommendationStatus.PENDING:
        raise StateConflict(_l("该建议已处理，不能再操作。"))
    errors: dict = {}
    text = clean_field({"decision_reason": reason}, "decision_reason", errors, multiline=True)
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(recommendation, ("status", "decision_reason"))
    recommendation.status = RecommendationStatus.DECLINED
    recommendation.decision_reason = text
    recommendation.decided_by_id = actor.id
    recommendation.decided_at = utcnow()
    record("recommendation.decline", "sanction_recommendation", recommendation.id, actor=actor,
           before=before, after=snapshot(recommendation, ("status", "decision_reason")),
           region_code=recommendation.region_code)
    db.session.commit()
    return recommendation


def queue(actor) -> list[SanctionRecommendation]:
    """Pending recommendations inside the regulator's jurisdiction, oldest first."""
    require(actor, Action.RECOMMENDATION_DECIDE)
    query = (sa.select(SanctionRecommendation)
             .where(SanctionRecommendation.status == RecommendationStatus.PENDING)
             .options(joinedload(SanctionRecommendation.association),
                      joinedload(SanctionRecommendation.organisation),
                      joinedload(SanctionRecommendation.practitioner))
             .order_by(SanctionRecommendation.created_at, SanctionRecommendation.id))
    if actor.role is not Role.ADMIN:
        query = query.where(in_region(SanctionRecommendation.region_code, actor.region_code))
    return list(db.session.scalars(query))


def of_association(actor) -> list[tuple[SanctionRecommendation, Optional[Sanction]]]:
    """The recommendations the actor's association filed, newest first, each with the
    sanction that accepted it (the association sees every outcome)."""
    require(actor, Action.RECOMMENDATION_FILE)
    query = (sa.select(SanctionRecommendation, Sanction)
             .outerjoin(Sanction, Sanction.recommendation_id == SanctionRecommendation.id)
             .options(joinedload(SanctionRecommendation.organisation),
                      joinedload(SanctionRecommendation.practitioner))
             .order_by(SanctionRecommendation.created_at.desc(), SanctionRecommendation.id.desc()))
    if actor.role is not Role.ADMIN:
        query = query.where(SanctionRecommendation.association_id == actor.association_id)
    return [(row[0], row[1]) for row in db.session.execute(query)]


def subject_for_assessor(actor, subject_kind: str, subject_id: Any) -> Subject:
    """The subject of a recommendation about to be filed, inside the assessor's jurisdiction."""
    subject = load_subject(subject_kind, subject_id, actor)
    require(actor, Action.RECOMMENDATION_FILE, subject)
    return subject
