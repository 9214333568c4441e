"""Sanctions (惩戒) recorded by regulators, and their consequences, applied in one transaction.

Plain values in, domain errors out (``ValidationFailed`` naming the field, ``StateConflict``,
``NotFound``, ``PermissionDenied``); every use case checks the policy first, changes nothing
until every check has passed, audits each change and commits once.

Consequences (``record_sanction``):
- 暂停服务: the organisation is ``suspended`` from the start to the end date, then ``active``
  again (the public sees the date's status at once, ``registry.sanctions.status``; the daily
  ``run_schedule``, ``flask sanctions expire``, writes the transition), unless it exited;
- 退出登记: the organisation is ``exited`` (terminal) and its affiliations end; for a
  practitioner, every current affiliation ends;
- 提请吊销营业执照: a referral to the market regulator (``LicenceReferral``) whose outcome
  is recorded later;
- a serious type (``SERIOUS_SANCTION_TYPES``) revokes current demonstration designations;
- on a practitioner, the chosen verified qualifications are revoked.

The organisation's status is a function of its record, its sanctions and the date
(``registry.sanctions.status``): recording, lifting and the scheduler write the transition it
decides through ``_apply_status``; no page that reads writes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterable, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from registry.clock import local_today
from registry.audit.services import record, snapshot
from registry.auth.models import Role
from registry.auth.policy import Action, require
from registry.database import load, utcnow
from registry.evaluation import designations
from registry.extensions import db
from registry.orgs import services as org_services
from registry.orgs.models import REGISTERED, Organisation, OrganisationStatus
from registry.practitioners import services as practitioner_services
from registry.practitioners.models import Affiliation, Qualification, VerificationState
from registry.text import clean_date
from registry.public.labels import label
from registry.regions.services import in_region
from registry.sanctions import publication
from registry.sanctions.models import (
    LicenceReferral,
    RecommendationStatus,
    ReferralOutcome,
    Sanction,
    SanctionRecommendation,
    SanctionState,
    SanctionType,
)
from registry.sanctions.status import organisation_standing
from registry.sanctions.subjects import ORGANISATION, Subject, load_subject
from registry.text import TextProblem, clean_text
from registry.validation import NotFound, StateConflict, ValidationFailed

SANCTION_FIELDS = ("organisation_id", "practitioner_id", "sanction_type", "facts",
                   "legal_basis", "decision_number", "decision_date", "deciding_body",
                   "recommendation_id", "complaint_id", "region_code", "starts_on", "ends_on",
                   "disclosure_until", "disclosure_withdrawn_at", "disclosure_ended_at",
                   "state", "lifted_at")
STATUS_FIELDS = ("status", "suspended_until", "exited_at")
REFERRAL_FIELDS = ("sanction_id", "referred_to", "referred_on", "reference_number", "outcome",
                   "outcome_on", "outcome_note")
# Types whose term is the day of the decision itself (executed when announced).
INSTANT_TYPES = (SanctionType.WARNING, SanctionType.CIRCULATED_CRITICISM)
# Types that need an end date (a term), and types that have none (they last).
TERM_TYPES = (SanctionType.SUSPENSION, SanctionType.RECTIFICATION)
LASTING_TYPES = (SanctionType.EXIT, SanctionType.LICENCE_REVOCATION_REFERRAL)
ORGANISATION_ONLY_TYPES = (SanctionType.LICENCE_REVOCATION_REFERRAL,)
TEXT_LIMITS = {"facts": 5000, "evidence": 5000, "statement": 5000, "legal_basis": 500,
               "decision_number": 80, "deciding_body": 120, "referred_to": 120,
               "reference_number": 80, "outcome_note": 500, "decision_reason": 500}


# --- input ------------------------------------------------------------------------------------

def clean_field(values: dict, name: str, errors: dict, *, required: bool = True,
                multiline: bool = False) -> Optional[str]:
    """One text field, its message collected in ``errors`` instead of raised."""
    try:
        return clean_text(values.get(name), max_length=TEXT_LIMITS.get(name, 500),
                          required=required, multiline=multiline)
    except TextProblem as problem:
        errors[name] = problem.args[0]
        return None


def clean_day(values: dict, name: str, errors: dict, *, required: bool = False) -> Optional[date]:
    """One date field, its message collected in ``errors``."""
    try:
        return clean_date(values.get(name), required=required)
    except TextProblem as problem:
        errors[name] = problem.args[0]
        return None


def sanction_type_of(value: Any, field_name: str = "sanction_type") -> SanctionType:
    """A sanction type from its code (ValidationFailed naming ``field_name``)."""
    if isinstance(value, SanctionType):
        return value
    try:
        return SanctionType(str(value or "").strip())
    except ValueError:
        raise ValidationFailed({field_name: _l("请选择惩戒类型。")}) from None


def check_type_fits_subject(kind: SanctionType, subject: Subject, field_name: str) -> None:
    """A licence referral concerns an organisation's business licence, never a person."""
    if subject.kind != ORGANISATION and kind in ORGANISATION_ONLY_TYPES:
        raise ValidationFailed({field_name: _l("提请吊销营业执照只适用于机构。")})


def check_subject_state(kind: SanctionType, subject: Subject, today: date) -> None:
    """Refuse a sanction the subject's state no longer admits (a second exit, say)."""
    if subject.organisation is not None:
        status = subject.organisation.status
        if status is OrganisationStatus.EXITED:
            if kind is SanctionType.EXIT:
                raise StateConflict(_l("该机构已退出登记，不能再次作出退出登记决定。"))
            if kind is not SanctionType.LICENCE_REVOCATION_REFERRAL:
                raise StateConflict(_l("该机构已退出登记，只能再作出“提请吊销营业执照”的决定。"))
        elif status not in REGISTERED:
            raise StateConflict(_l("该机构尚未通过登记，不能对其作出惩戒（当前状态：%(status)s）。",
                                   status=label(status)))
    elif kind is SanctionType.EXIT and _practitioner_exited(subject.practitioner.id, today):
        raise StateConflict(_l("该从业人员已被退出登记，不能再次作出退出登记决定。"))


def _practitioner_exited(practitioner_id: int, today: date) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).where(
        Sanction.practitioner_id == practitioner_id, Sanction.sanction_type == SanctionType.EXIT,
        Sanction.state == SanctionState.IN_FORCE, Sanction.starts_on <= today)) > 0


@dataclass
class SanctionInput:
    """A sanction's cleaned fields (``clean_sanction``)."""

    sanction_type: SanctionType
    facts: str
    legal_basis: str
    decision_number: str
    decision_date: date
    deciding_body: str
    starts_on: date
    ends_on: Optional[date]
    disclosure_until: Optional[date]
    referral: Optional[dict] = None
    revoke_qualification_ids: list[int] = field(default_factory=list)


def _check_dates(kind: SanctionType, decision: Optional[date], starts: Optional[date],
                 ends: Optional[date], today: date, errors: dict) -> Optional[date]:
    if decision is not None and decision > today:
        errors["decision_date"] = _l("决定日期不能晚于今天。")
    if decision is not None and starts is not None and starts < decision:
        errors["starts_on"] = _l("执行开始日期不能早于决定日期。")
    if kind in INSTANT_TYPES:
        if ends is not None and starts is not None and ends != starts:
            errors["ends_on"] = _l("警告、通报批评在决定当日执行，不填写结束日期。")
        return starts
    if kind in LASTING_TYPES:
        if ends is not None:
            errors["ends_on"] = _l("该类决定长期有效，不填写结束日期。")
        return None
    if kind in TERM_TYPES and ends is None and "ends_on" not in errors:
        errors["ends_on"] = _l("请填写执行结束日期（暂停服务、责令整改须有期限）。")
    if ends is not None and starts is not None and ends < starts:
        errors["ends_on"] = _l("结束日期不能早于开始日期。")
    return ends


def check_disclosure(kind: SanctionType, starts: Optional[date], until: Optional[date],
                     errors: dict) -> None:
    """The disclosure end must respect the publication rule of the type (公示规则)."""
    rule = publication.rule_for(kind)
    if rule.permanent:
        if until is not None:
            errors["disclosure_until"] = _l("该类决定长期公示，不填写公示截止日期。")
        return
    if until is None:
        if "disclosure_until" not in errors:
            errors["disclosure_until"] = _l("请填写公示截止日期。")
        return
    if starts is None:
        return
    earliest = publication.add_months(starts, rule.min_months)
    latest = publication.add_months(starts, rule.max_months) if rule.max_months else None
    if until < earliest or (latest is not None and until > latest):
        errors["disclosure_until"] = _l(
            "公示期须为 %(min)s 至 %(max)s 个月：公示截止日期应在 %(earliest)s 至 %(latest)s 之间。",
            min=rule.min_months, max=rule.max_months or "—", earliest=earliest.isoformat(),
            latest=latest.isoformat() if latest else "—")


def _clean_referral(values: dict, decision: Optional[date], errors: dict) -> dict:
    referral = {"referred_to": clean_field(values, "referred_to", errors),
                "referred_on": clean_day(values, "referred_on", errors, required=True),
                "reference_number": clean_field(values, "reference_number", errors,
                                                required=False)}
    if referral["referred_on"] and decision and referral["referred_on"] < decision:
        errors["referred_on"] = _l("移送日期不能早于决定日期。")
    return referral


def _qualification_ids(values: dict) -> list[int]:
    raw = values.get("revoke_qualification_ids") or []
    if isinstance(raw, (str, int)):
        raw = [raw]
    ids = []
    for item in raw:
        try:
            ids.append(int(item))
        except (TypeError, ValueError):
            raise ValidationFailed({"revoke_qualification_ids": _l("请选择要撤销的证书。")}) from None
    return ids


def clean_sanction(values: dict, subject: Subject, today: date) -> SanctionInput:
    """Every field of a sanction checked together; one ValidationFailed with every message."""
    errors: dict = {}
    try:
        kind = sanction_type_of(values.get("sanction_type"))
        check_type_fits_subject(kind, subject, "sanction_type")
    except ValidationFailed as failed:
        raise ValidationFailed(failed.errors | _text_errors(values)) from None
    texts = {name: clean_field(values, name, errors, multiline=name == "facts")
             for name in ("facts", "legal_basis", "decision_number", "deciding_body")}
    decision = clean_day(values, "decision_date", errors, required=True)
    starts = clean_day(values, "starts_on", errors, required=True)
    ends = clean_day(values, "ends_on", errors)
    until = clean_day(values, "disclosure_until", errors)
    ends = _check_dates(kind, decision, starts, ends, today, errors)
    check_disclosure(kind, starts, until, errors)
    referral = (_clean_referral(values, decision, errors)
                if kind is SanctionType.LICENCE_REVOCATION_REFERRAL else None)
    revoke = _qualification_ids(values) if subject.practitioner is not None else []
    if errors:
        raise ValidationFailed(errors)
    return SanctionInput(kind, texts["facts"], texts["legal_basis"], texts["decision_number"],
                         decision, texts["deciding_body"], starts, ends, until, referral, revoke)


def _text_errors(values: dict) -> dict:
    errors: dict = {}
    for name in ("facts", "legal_basis", "decision_number", "deciding_body"):
        clean_field(values, name, errors, multiline=name == "facts")
    return errors


# --- recording --------------------------------------------------------------------------------

def _linked_recommendation(actor, recommendation_id: Any,
                           subject: Subject) -> Optional[SanctionRecommendation]:
    if recommendation_id in (None, ""):
        return None
    recommendation = db.session.scalar(
        sa.select(SanctionRecommendation).where(SanctionRecommendation.id == int(recommendation_id))
        .with_for_update())
    if recommendation is None:
        raise NotFound(recommendation_id)
    require(actor, Action.RECOMMENDATION_DECIDE, recommendation)
    if recommendation.status is not RecommendationStatus.PENDING:
        raise StateConflict(_l("该建议已处理，不能再据此作出决定。"))
    if (recommendation.organisation_id, recommendation.practitioner_id) != \
            (subject.columns()["organisation_id"], subject.columns()["practitioner_id"]):
        raise StateConflict(_l("惩戒对象与建议所涉对象不一致。"))
    return recommendation


def _linked_complaint(actor, complaint_id: Any, subject: Subject):
    if complaint_id in (None, ""):
        return None
    from registry.complaints.services import complaint_for_link

    complaint = complaint_for_link(actor, int(complaint_id))
    if complaint.organisation_id != subject.columns()["organisation_id"] or \
            complaint.practitioner_id != subject.columns()["practitioner_id"]:
        raise ValidationFailed({"complaint_id": _l("所选投诉与惩戒对象不一致。")})
    return complaint


def _revocable(ids: list[int], subject: Subject) -> list[Qualification]:
    if not ids:
        return []
    qualifications = list(db.session.scalars(sa.select(Qualification).where(
        Qualification.id.in_(ids))))
    if len(qualifications) != len(set(ids)) or any(
            q.practitioner_id != subject.practitioner.id or
            q.state not in (VerificationState.VERIFIED, VerificationState.EXPIRED)
            for q in qualifications):
        raise ValidationFailed({"revoke_qualification_ids":
                                _l("只能撤销该从业人员已核验的证书。")})
    return qualifications


def record_sanction(actor, subject_kind: str, subject_id: Any, values: dict, *,
                    today: Optional[date] = None) -> Sanction:
    """Record a regulator's decision and apply its consequences in one transaction.

    ``values`` holds the sanction's fields as typed, and optionally ``recommendation_id``
    (the recommendation is accepted with it), ``complaint_id``, the referral's fields
    (提请吊销营业执照) and ``revoke_qualification_ids`` (a practitioner's certificates).
    """
    today = today or local_today()
    subject = load_subject(subject_kind, subject_id, actor)
    require(actor, Action.SANCTION_RECORD, subject)
    if subject.organisation is not None:
        load(Organisation, subject.organisation.id, lock=True)
    cleaned = clean_sanction(values, subject, today)
    check_subject_state(cleaned.sanction_type, subject, today)
    recommendation = _linked_recommendation(actor, values.get("recommendation_id"), subject)
    complaint = _linked_complaint(actor, values.get("complaint_id"), subject)
    qualifications = _revocable(cleaned.revoke_qualification_ids, subject)
    sanction = Sanction(
        **subject.columns(), sanction_type=cleaned.sanction_type, facts=cleaned.facts,
        legal_basis=cleaned.legal_basis, decision_number=cleaned.decision_number,
        decision_date=cleaned.decision_date, deciding_body=cleaned.deciding_body,
        decided_by_id=actor.id, region_code=subject.region_code,
        recommendation_id=recommendation.id if recommendation else None,
        complaint_id=complaint.id if complaint else (
            recommendation.complaint_id if recommendation else None),
        starts_on=cleaned.starts_on, ends_on=cleaned.ends_on,
        disclosure_until=cleaned.disclosure_until, state=SanctionState.IN_FORCE)
    db.session.add(sanction)
    db.session.flush()
    record("sanction.record", "sanction", sanction.id, actor=actor,
           after=snapshot(sanction, SANCTION_FIELDS), region_code=sanction.region_code)
    if recommendation is not None:
        _accept_recommendation(actor, recommendation, sanction)
    _consequences(actor, sanction, subject, cleaned, qualifications, today)
    db.session.commit()
    return sanction


def _accept_recommendation(actor, recommendation: SanctionRecommendation,
                           sanction: Sanction) -> None:
    recommendation.status = RecommendationStatus.ACCEPTED
    recommendation.decided_by_id = actor.id
    recommendation.decided_at = utcnow()
    record("recommendation.accept", "sanction_recommendation", recommendation.id, actor=actor,
           before={"status": RecommendationStatus.PENDING.value},
           after={"status": recommendation.status.value, "sanction_id": sanction.id},
           region_code=recommendation.region_code)


def _consequences(actor, sanction: Sanction, subject: Subject, cleaned: SanctionInput,
                  qualifications: list[Qualification], today: date) -> None:
    if cleaned.referral is not None:
        referral = LicenceReferral(sanction_id=sanction.id, recorded_by_id=actor.id,
                                   outcome=ReferralOutcome.PENDING, **cleaned.referral)
        db.session.add(referral)
        db.session.flush()
        record("licence_referral.create", "licence_referral", referral.id, actor=actor,
               after=snapshot(referral, REFERRAL_FIELDS), region_code=sanction.region_code)
    designations.revoke_for_sanction(sanction, actor=actor, today=today)
    reason = _l("因“%(type)s”决定（%(number)s）撤销。", type=label(sanction.sanction_type),
                number=sanction.decision_number)
    for qualification in qualifications:
        practitioner_services.revoke_qualification(actor, qualification.id, str(reason),
                                                   commit=False)
    if subject.organisation is not None:
        _apply_status(actor, subject.organisation, today)
    elif sanction.sanction_type is SanctionType.EXIT and sanction.starts_on <= today:
        _end_practitioner_affiliations(actor, sanction, today)


# --- the organisation's status ----------------------------------------------------------------

def _apply_status(actor, organisation: Organisation, today: date) -> Optional[str]:
    """Write the transition to the status ``registry.sanctions.status`` decides for
    ``today``; the audit action taken, or None when the record already says it."""
    standing = organisation_standing(organisation, today, fresh=True)
    status = standing.status
    if status is OrganisationStatus.EXITED and organisation.status is not status:
        exit_sanction = db.session.get(Sanction, standing.exit_sanction_id)
        reason = _l("机构已被退出登记（%(number)s）。", number=exit_sanction.decision_number)
        org_services.exit_organisation(actor, organisation, str(reason),
                                       exit_sanction.starts_on)
        return "organisation.exit"
    if status is organisation.status and organisation.suspended_until == standing.suspended_until:
        return None
    if status not in REGISTERED:
        return None
    before = snapshot(organisation, STATUS_FIELDS)
    action = ("organisation.suspend" if status is OrganisationStatus.SUSPENDED
              else "organisation.reactivate")
    organisation.status = status
    organisation.suspended_until = standing.suspended_until
    db.session.flush()
    record(action, "organisation", organisation.id, actor=actor, before=before,
           after=snapshot(organisation, STATUS_FIELDS), region_code=organisation.region_code)
    return action


def _end_practitioner_affiliations(actor, sanction: Sanction, today: date) -> int:
    affiliations = list(db.session.scalars(sa.select(Affiliation).where(
        Affiliation.practitioner_id == sanction.practitioner_id,
        Affiliation.end_date.is_(None)).order_by(Affiliation.id)))
    for affiliation in affiliations:
        affiliation.end_date = max(sanction.starts_on, affiliation.start_date)
        record("affiliation.end", "affiliation", affiliation.id, actor=actor,
               before={"end_date": None},
               after={"end_date": affiliation.end_date, "sanction_id": sanction.id,
                      "practitioner_id": affiliation.practitioner_id,
                      "organisation_id": affiliation.organisation_id},
               region_code=sanction.region_code)
    return len(affiliations)


# --- the daily schedule -----------------------------------------------------------------------

@dataclass
class ScheduleReport:
    """What ``run_schedule`` changed."""

    sanctions_ended: int = 0
    suspended: int = 0
    reactivated: int = 0
    exited: int = 0
    affiliations_ended: int = 0
    disclosures_started: int = 0
    disclosures_ended: int = 0

    @property
    def total(self) -> int:
        return (self.sanctions_ended + self.suspended + self.reactivated + self.exited
                + self.affiliations_ended + self.disclosures_started + self.disclosures_ended)


def _due_terms(today: date) -> list[Sanction]:
    return list(db.session.scalars(sa.select(Sanction).where(
        Sanction.state == SanctionState.IN_FORCE, Sanction.ends_on.is_not(None),
        Sanction.ends_on < today).order_by(Sanction.id)))


def _end_terms(sanctions: Iterable[Sanction]) -> int:
    count = 0
    for sanction in sanctions:
        sanction.state = SanctionState.ENDED
        record("sanction.end", "sanction", sanction.id, before={"state": "in_force"},
               after={"state": "ended", "ends_on": sanction.ends_on},
               region_code=sanction.region_code)
        count += 1
    return count


def _status_candidates(today: date) -> list[int]:
    """Organisations whose status may be due to change: suspended ones, and registered ones
    with a suspension or exit in force that has started."""
    started = sa.select(Sanction.organisation_id).where(
        Sanction.state == SanctionState.IN_FORCE, Sanction.starts_on <= today,
        Sanction.organisation_id.is_not(None),
        Sanction.sanction_type.in_((SanctionType.SUSPENSION, SanctionType.EXIT)))
    return list(db.session.scalars(sa.select(Organisation.id).where(
        Organisation.status.in_(REGISTERED),
        sa.or_(Organisation.status == OrganisationStatus.SUSPENDED,
               Organisation.id.in_(started))).order_by(Organisation.id)))


def _due_disclosure_starts(today: date) -> list[Sanction]:
    """Sanctions starting after their decision whose disclosure has begun by ``today`` and
    not yet been announced (a ``sanction.disclosure_start`` event, for the change feed)."""
    from registry.audit.models import AuditEvent

    announced = sa.select(AuditEvent.id).where(
        AuditEvent.entity_type == "sanction", AuditEvent.action == "sanction.disclosure_start",
        AuditEvent.entity_id == sa.cast(Sanction.id, sa.String))
    return list(db.session.scalars(sa.select(Sanction).where(
        Sanction.starts_on <= today, Sanction.starts_on > Sanction.decision_date,
        Sanction.disclosure_withdrawn_at.is_(None), ~sa.exists(announced)).order_by(Sanction.id)))


def _due_disclosure_ends(today: date) -> list[Sanction]:
    return list(db.session.scalars(sa.select(Sanction).where(
        Sanction.disclosure_ended_at.is_(None),
        sa.or_(Sanction.disclosure_withdrawn_at.is_not(None),
               Sanction.disclosure_until < today)).order_by(Sanction.id)))


def _end_disclosure(sanction: Sanction, actor=None) -> None:
    sanction.disclosure_ended_at = utcnow()
    record("sanction.disclosure_end", "sanction", sanction.id, actor=actor,
           after={"disclosure_until": sanction.disclosure_until,
                  "disclosure_withdrawn_at": sanction.disclosure_withdrawn_at,
                  "disclosure_ended_at": sanction.disclosure_ended_at},
           region_code=sanction.region_code)


def count_due(today: date) -> int:
    """How many steps ``run_schedule`` would take (for its progress bar)."""
    exits = _due_practitioner_exits(today)
    return (len(_due_terms(today)) + len(_status_candidates(today)) + len(exits)
            + len(_due_disclosure_starts(today)) + len(_due_disclosure_ends(today)))


def _due_practitioner_exits(today: date) -> list[Sanction]:
    current = sa.select(Affiliation.practitioner_id).where(Affiliation.end_date.is_(None))
    return list(db.session.scalars(sa.select(Sanction).where(
        Sanction.practitioner_id.in_(current), Sanction.sanction_type == SanctionType.EXIT,
        Sanction.state == SanctionState.IN_FORCE, Sanction.starts_on <= today)))


def run_schedule(today: Optional[date] = None,
                 progress: Optional[Callable[[int], None]] = None) -> ScheduleReport:
    """The daily run (``flask sanctions expire``): end sanctions whose term is over, start and
    end suspensions, carry out exits that have started, and end disclosures whose period ran
    out — each with its audit event (actor: the system). Commits after each step's batch."""
    today = today or local_today()
    report = ScheduleReport()
    step = progress or (lambda n: None)
    due = _due_terms(today)
    report.sanctions_ended = _end_terms(due)
    db.session.commit()
    step(len(due))
    for organisation_id in _status_candidates(today):
        organisation = load(Organisation, organisation_id, lock=True)
        action = _apply_status(None, organisation, today)
        if action == "organisation.suspend":
            report.suspended += 1
        elif action == "organisation.reactivate":
            report.reactivated += 1
        elif action == "organisation.exit":
            report.exited += 1
        db.session.commit()
        step(1)
    for sanction in _due_practitioner_exits(today):
        report.affiliations_ended += _end_practitioner_affiliations(None, sanction, today)
        db.session.commit()
        step(1)
    starting = _due_disclosure_starts(today)
    for sanction in starting:
        record("sanction.disclosure_start", "sanction", sanction.id,
               after={"starts_on": sanction.starts_on, "disclosure_until": sanction.disclosure_until},
               region_code=sanction.region_code)
    report.disclosures_started = len(starting)
    ending = _due_disclosure_ends(today)
    for sanction in ending:
        _end_disclosure(sanction)
    report.disclosures_ended = len(ending)
    db.session.commit()
    step(len(starting) + len(ending))
    return report


# --- referral outcome -------------------------------------------------------------------------

def record_referral_outcome(actor, referral_id: int, values: dict) -> LicenceReferral:
    """What the market regulator decided on a referral, and when."""
    referral = db.session.get(LicenceReferral, referral_id)
    if referral is None:
        raise NotFound(referral_id)
    require(actor, Action.SANCTION_RECORD, referral.sanction)
    errors: dict = {}
    try:
        outcome = ReferralOutcome(str(values.get("outcome") or ""))
    except ValueError:
        outcome = None
        errors["outcome"] = _l("请选择处理结果。")
    outcome_on = clean_day(values, "outcome_on", errors, required=outcome not in
                           (None, ReferralOutcome.PENDING))
    note = clean_field(values, "outcome_note", errors, required=False, multiline=True)
    reference = clean_field(values, "reference_number", errors, required=False)
    if outcome_on is not None and outcome_on < referral.referred_on:
        errors["outcome_on"] = _l("处理日期不能早于移送日期。")
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(referral, REFERRAL_FIELDS)
    referral.outcome, referral.outcome_on, referral.outcome_note = outcome, outcome_on, note
    referral.reference_number = reference or referral.reference_number
    db.session.flush()
    record("licence_referral.outcome", "licence_referral", referral.id, actor=actor,
           before=before, after=snapshot(referral, REFERRAL_FIELDS),
           region_code=referral.sanction.region_code)
    db.session.commit()
    return referral


# --- reading ----------------------------------------------------------------------------------

def get_sanction(actor, sanction_id: int) -> Sanction:
    """One sanction for a regulator of its jurisdiction (or the admin)."""
    sanction = db.session.get(Sanction, sanction_id)
    if sanction is None:
        raise NotFound(sanction_id)
    require(actor, Action.SANCTION_RECORD, sanction)
    return sanction


def sanctions_in_jurisdiction(actor, page: int, per_page: int, state: Optional[str] = None):
    """Sanctions the actor's jurisdiction decided, newest decision first (paginated)."""
    require(actor, Action.SANCTION_RECORD)
    query = (sa.select(Sanction)
             .options(joinedload(Sanction.organisation), joinedload(Sanction.practitioner))
             .order_by(Sanction.decision_date.desc(), Sanction.id.desc()))
    if actor.role is not Role.ADMIN:
        query = query.where(in_region(Sanction.region_code, actor.region_code))
    if state in {member.value for member in SanctionState}:
        query = query.where(Sanction.state == SanctionState(state))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def prefill_from(recommendation: Optional[SanctionRecommendation], today: date) -> dict:
    """The sanction form's starting values: a recommendation's type and facts, today's date."""
    values: dict = {"decision_date": today, "starts_on": today}
    if recommendation is not None:
        values.update(sanction_type=recommendation.proposed_type.value,
                      facts=recommendation.facts, recommendation_id=recommendation.id,
                      complaint_id=recommendation.complaint_id)
    return values


def subject_for_officer(actor, subject_kind: str, subject_id: Any) -> Subject:
    """The subject of a sanction about to be recorded, for a regulator of its jurisdiction."""
    subject = load_subject(subject_kind, subject_id, actor)
    require(actor, Action.SANCTION_RECORD, subject)
    return subject


def revocable_qualifications(subject: Subject) -> list[Qualification]:
    """A practitioner's certificates a sanction may revoke (verified or expired)."""
    if subject.practitioner is None:
        return []
    return [q for q in subject.practitioner.qualifications
            if q.state in (VerificationState.VERIFIED, VerificationState.EXPIRED)]
