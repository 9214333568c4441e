"""Demonstration-unit designations (示范单位): designate, revoke, and revoke on a serious sanction.

``designate`` and ``revoke`` are use cases (one transaction each, committed here).
``revoke_for_sanction`` is a step of the sanctions domain's "record a sanction" use case: it
adds its changes and audit events to the caller's transaction and leaves the commit to it.
Setting read here: ``SERIOUS_SANCTION_TYPES`` (sanction type values that revoke designations).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from registry.audit.services import record, snapshot
from registry.auth.models import Role
from registry.auth.policy import Action, require
from registry.database import utcnow
from registry.evaluation import eligibility
from registry.evaluation.models import DemonstrationDesignation
from registry.extensions import db
from registry.orgs.models import Organisation, OrganisationStatus
from registry.public.labels import label
from registry.regions.services import in_region
from registry.sanctions.models import Sanction
from registry.validation import NotFound, StateConflict, ValidationFailed

FIELDS = ("organisation_id", "year", "designating_body", "valid_from", "valid_to",
          "evaluation_id", "override_reason", "revoked_at", "revoked_reason", "revoked_by_id")
REASON_MAX = 500
BODY_MAX = 120




@dataclass(frozen=True)
class Candidate:
    """An organisation and its demonstration eligibility, for the regulator's list."""

    organisation: Organisation
    eligibility: eligibility.Eligibility


def _organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(organisation_id)
    return organisation


def _designation(designation_id: int, *, lock: bool = False) -> DemonstrationDesignation:
    query = sa.select(DemonstrationDesignation).where(DemonstrationDesignation.id == designation_id)
    if lock:
        query = query.with_for_update()
    designation = db.session.scalars(query).one_or_none()
    if designation is None:
        raise NotFound(designation_id)
    return designation


def _text(value: Any, field: str, maximum: int, message: str) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if not text:
        raise ValidationFailed({field: message})
    if len(text) > maximum:
        raise ValidationFailed({field: _("不能超过 %(num)s 个字。", num=maximum)})
    return text


def _check_terms(year: Any, valid_from: Optional[date], valid_to: Optional[date]) -> dict:
    errors = {}
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = _("请填写有效的年度。")
    if not isinstance(valid_from, date):
        errors["valid_from"] = _("请填写有效期开始日期。")
    if not isinstance(valid_to, date):
        errors["valid_to"] = _("请填写有效期结束日期。")
    elif isinstance(valid_from, date) and valid_to < valid_from:
        errors["valid_to"] = _("结束日期不能早于开始日期。")
    return errors


def organisation_eligibility(actor, organisation_id: int,
                             today: date) -> tuple[Organisation, list[eligibility.Eligibility]]:
    """An organisation of the actor's jurisdiction with every use's eligibility."""
    organisation = _organisation(organisation_id)
    require(actor, Action.DESIGNATION_MANAGE, organisation)
    return organisation, eligibility.all_uses(organisation, today)


def designate(actor, organisation_id: int, year: int, valid_from: date, valid_to: date,
              designating_body: str, override_reason: Optional[str] = None, *,
              today: Optional[date] = None) -> DemonstrationDesignation:
    """Designate an organisation 示范单位 for ``year``; one per organisation and year.

    An organisation the eligibility rules do not support needs a written ``override_reason``,
    which is stored with the designation and in the audit log.
    """
    today = today or date.today()
    organisation = _organisation(organisation_id)
    require(actor, Action.DESIGNATION_MANAGE, organisation)
    if organisation.status is not OrganisationStatus.ACTIVE:
        raise StateConflict(_("只能认定正常服务的机构为示范单位。"))
    errors = _check_terms(year, valid_from, valid_to)
    try:
        body = _text(designating_body, "designating_body", BODY_MAX, _("请填写认定单位。"))
    except ValidationFailed as error:
        errors.update(error.errors)
    result = eligibility.demonstration_candidate(organisation, today)
    reason = None
    if not result.eligible:
        try:
            reason = _text(override_reason, "override_reason", REASON_MAX,
                           _("该机构不符合示范单位条件，须填写认定理由。"))
        except ValidationFailed as error:
            errors.update(error.errors)
    if not errors and _exists(organisation.id, year):
        errors["year"] = _("该机构 %(year)s 年度已有示范单位认定。", year=year)
    if errors:
        raise ValidationFailed(errors)
    latest = eligibility.latest_published_evaluation(organisation.id)
    designation = DemonstrationDesignation(
        organisation_id=organisation.id, year=year, designating_body=body,
        designated_by_id=actor.id, evaluation_id=latest.id if latest else None,
        valid_from=valid_from, valid_to=valid_to, override_reason=reason,
    )
    db.session.add(designation)
    db.session.flush()
    after = snapshot(designation, FIELDS)
    after["eligible"] = result.eligible
    after["failed_rules"] = [rule.key for rule in result.reasons if not rule.passed]
    record("designation.create", "demonstration_designation", designation.id, actor=actor,
           after=after, region_code=organisation.region_code)
    db.session.commit()
    return designation


def _exists(organisation_id: int, year: int) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).where(
        DemonstrationDesignation.organisation_id == organisation_id,
        DemonstrationDesignation.year == year)) > 0


def _revoke(actor, designation: DemonstrationDesignation, reason: str, action: str) -> None:
    before = snapshot(designation, FIELDS)
    designation.revoked_at = utcnow()
    designation.revoked_reason = reason
    designation.revoked_by_id = actor.id if actor is not None else None
    db.session.flush()
    record(action, "demonstration_designation", designation.id, actor=actor, before=before,
           after=snapshot(designation, FIELDS), region_code=designation.organisation.region_code)


def revoke(actor, designation_id: int, reason: str) -> DemonstrationDesignation:
    """Revoke a designation with a written reason."""
    designation = _designation(designation_id, lock=True)
    require(actor, Action.DESIGNATION_MANAGE, designation.organisation)
    if designation.revoked_at is not None:
        raise StateConflict(_("该示范单位认定已被撤销。"))
    text = _text(reason, "reason", REASON_MAX, _("请填写撤销理由。"))
    _revoke(actor, designation, text, "designation.revoke")
    db.session.commit()
    return designation


def serious_sanction_types() -> frozenset[str]:
    """Sanction type values that revoke designations (``SERIOUS_SANCTION_TYPES``)."""
    configured = current_app.config["SERIOUS_SANCTION_TYPES"]
    return frozenset(getattr(value, "value", value) for value in configured)


def revoke_for_sanction(sanction: Sanction, *, actor=None,
                        today: Optional[date] = None) -> list[DemonstrationDesignation]:
    """Revoke the sanctioned organisation's designations that are current or still to come,
    when the sanction type is serious; one audit event ``designation.revoke_auto`` each.

    Called by the sanctions domain inside its own transaction, after the sanction is added:
    this flushes but does not commit. ``actor`` is the account recording the sanction (its
    permission was checked by that use case), or None for the system.
    """
    if sanction.organisation_id is None or \
            sanction.sanction_type.value not in serious_sanction_types():
        return []
    today = today or date.today()
    designations = list(db.session.scalars(
        sa.select(DemonstrationDesignation)
        .where(DemonstrationDesignation.organisation_id == sanction.organisation_id,
               # current ones and those not yet begun: a serious sanction ends both
               DemonstrationDesignation.revoked_at.is_(None),
               DemonstrationDesignation.valid_to >= today)
        .options(joinedload(DemonstrationDesignation.organisation))
        .with_for_update(of=DemonstrationDesignation)
    ))
    reason = _("因受到“%(type)s”处理（%(number)s）自动撤销。",
               type=label(sanction.sanction_type), number=sanction.decision_number)
    for designation in designations:
        _revoke(actor, designation, reason, "designation.revoke_auto")
    return designations


def designations_in_jurisdiction(actor, page: int, per_page: int, current_only: bool,
                                 today: date):
    """Designations in the actor's jurisdiction, newest year first (paginated)."""
    require(actor, Action.DESIGNATION_MANAGE)
    query = (sa.select(DemonstrationDesignation)
             .join(Organisation, Organisation.id == DemonstrationDesignation.organisation_id)
             .options(joinedload(DemonstrationDesignation.organisation))
             .order_by(DemonstrationDesignation.year.desc(), Organisation.name,
                       DemonstrationDesignation.id))
    if actor.role is not Role.ADMIN:
        query = query.where(in_region(Organisation.region_code, actor.region_code))
    if current_only:
        query = query.where(DemonstrationDesignation.current_condition(today))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def candidates(actor, today: date, limit: int = 50) -> list[Candidate]:
    """Active organisations in the jurisdiction whose latest evaluation is 优秀 and that hold
    no current designation, with their eligibility (the regulator's starting point)."""
    require(actor, Action.DESIGNATION_MANAGE)
    from registry.evaluation.models import Evaluation, EvaluationState, Grade

    current = (sa.select(DemonstrationDesignation.organisation_id)
               .where(DemonstrationDesignation.current_condition(today)))
    excellent = (sa.select(Evaluation.organisation_id)
                 .where(Evaluation.state == EvaluationState.PUBLISHED,
                        Evaluation.grade == Grade.EXCELLENT))
    query = (sa.select(Organisation)
             .where(Organisation.status == OrganisationStatus.ACTIVE,
                    Organisation.id.in_(excellent), Organisation.id.not_in(current))
             .order_by(Organisation.name, Organisation.id).limit(limit * 4))
    if actor.role is not Role.ADMIN:
        query = query.where(in_region(Organisation.region_code, actor.region_code))
    rows = []
    for organisation in db.session.scalars(query):
        result = eligibility.demonstration_candidate(organisation, today)
        if result.eligible:
            rows.append(Candidate(organisation, result))
        if len(rows) >= limit:
            break
    return rows
