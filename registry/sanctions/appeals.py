"""Appeals (申诉) and credit repair (信用修复) by the sanctioned party, decided by the regulator.

- An appeal contests the decision; it must be filed within ``APPEAL_DEADLINE_DAYS`` (60, as
  for 行政复议) of the decision date. Accepted, it lifts the sanction: its consequences end
  (a suspended organisation is active again) and it leaves the public view. An exit stays
  final (the lifecycle has no way back from ``exited``): the organisation registers anew.
- A repair request asks, after the type's minimum disclosure period and with evidence of
  correction, that disclosure end early; only types whose rule allows early removal.
  Accepted, disclosure ends at once; a listing in the abnormal list (列入异常名录) is lifted.

One pending request per sanction. Every decision is recorded and shown to the organisation.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Optional

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from registry.audit.services import record, snapshot
from registry.auth.models import Role
from registry.auth.policy import Action, require
from registry.database import load, utcnow
from registry.extensions import db
from registry.orgs.models import Organisation
from registry.regions.services import in_region
from registry.sanctions import publication
from registry.sanctions.models import (
    AppealKind,
    AppealStatus,
    Sanction,
    SanctionAppeal,
    SanctionState,
    SanctionType,
)
from registry.sanctions.services import (
    SANCTION_FIELDS,
    _apply_status,
    _end_disclosure,
    clean_field,
    local_today,
)
from registry.sanctions.subjects import organisation_subject, practitioner_subject
from registry.validation import NotFound, StateConflict, ValidationFailed

APPEAL_FIELDS = ("sanction_id", "kind", "statement", "evidence", "status", "decision_reason")


def appeal_deadline(sanction: Sanction) -> date:
    """The last day an appeal may be filed."""
    days = current_app.config["APPEAL_DEADLINE_DAYS"]
    return sanction.decision_date + timedelta(days=days)


def _sanction(sanction_id: int, *, lock: bool = False) -> Sanction:
    return load(Sanction, sanction_id, lock=lock)


def party_target(actor, sanction: Sanction):
    """What the policy judges an appeal against: the organisation, or the practitioner as
    seen through the actor's organisation."""
    if sanction.organisation_id is not None:
        return organisation_subject(sanction.organisation)
    return practitioner_subject(sanction.practitioner, actor)


def pending_request(sanction_id: int) -> Optional[SanctionAppeal]:
    """The sanction's undecided appeal or repair request, if any."""
    return db.session.scalar(sa.select(SanctionAppeal).where(
        SanctionAppeal.sanction_id == sanction_id,
        SanctionAppeal.status == AppealStatus.PENDING).limit(1))


def check_may_file(sanction: Sanction, kind: AppealKind, today: date) -> None:
    """Why this request cannot be filed now (StateConflict), or nothing."""
    if sanction.state is SanctionState.LIFTED:
        raise StateConflict(_l("该决定已被撤销，无需再申请。"))
    if pending_request(sanction.id) is not None:
        raise StateConflict(_l("已有一项申请正在审查，请等待处理结果。"))
    if kind is AppealKind.APPEAL:
        deadline = appeal_deadline(sanction)
        if today > deadline:
            raise StateConflict(_l("申诉期限已过：应在决定日期起 %(days)s 日内（%(date)s 前）提出。",
                                   days=(deadline - sanction.decision_date).days,
                                   date=deadline.isoformat()))
        return
    rule = publication.rule_for(sanction.sanction_type)
    if not rule.early_removal or rule.permanent:
        raise StateConflict(_l("该类决定不适用信用修复，公示期内不能提前结束公示。"))
    if not sanction.is_disclosed(today):
        raise StateConflict(_l("该决定已不在公示期内，无需申请信用修复。"))
    earliest = publication.earliest_removal(sanction)
    if today < earliest:
        raise StateConflict(_l("最短公示期届满后方可申请信用修复（%(date)s 起）。",
                               date=earliest.isoformat()))


def file_request(actor, sanction_id: int, kind: Any, values: dict, *,
                 today: Optional[date] = None) -> SanctionAppeal:
    """The sanctioned party's appeal or repair request (one transaction)."""
    today = today or local_today()
    sanction = _sanction(sanction_id, lock=True)
    require(actor, Action.APPEAL_FILE, party_target(actor, sanction))
    try:
        kind = AppealKind(kind)
    except ValueError:
        raise ValidationFailed({"kind": _l("请选择申请类型。")}) from None
    check_may_file(sanction, kind, today)
    errors: dict = {}
    statement = clean_field(values, "statement", errors, multiline=True)
    evidence = clean_field(values, "evidence", errors, multiline=True,
                           required=kind is AppealKind.CREDIT_REPAIR)
    if errors:
        raise ValidationFailed(errors)
    appeal = SanctionAppeal(sanction_id=sanction.id, kind=kind, statement=statement,
                            evidence=evidence, filed_by_id=actor.id, status=AppealStatus.PENDING)
    db.session.add(appeal)
    db.session.flush()
    record("appeal.file", "sanction_appeal", appeal.id, actor=actor,
           after=snapshot(appeal, APPEAL_FIELDS), region_code=sanction.region_code)
    db.session.commit()
    return appeal


def _appeal(appeal_id: int) -> SanctionAppeal:
    appeal = db.session.get(SanctionAppeal, appeal_id)
    if appeal is None:
        raise NotFound(appeal_id)
    return appeal


def for_decision(actor, appeal_id: int) -> SanctionAppeal:
    """A request for a regulator of the sanction's jurisdiction."""
    appeal = _appeal(appeal_id)
    require(actor, Action.APPEAL_DECIDE, appeal.sanction)
    return appeal


def decide(actor, appeal_id: int, accept: bool, reason: Any, *,
           today: Optional[date] = None) -> SanctionAppeal:
    """Accept or reject a pending request, with the reason the party reads."""
    today = today or local_today()
    appeal = _appeal(appeal_id)
    sanction = _sanction(appeal.sanction_id, lock=True)
    require(actor, Action.APPEAL_DECIDE, sanction)
    if sanction.organisation_id is not None:
        load(Organisation, sanction.organisation_id, lock=True)
    if appeal.status is not AppealStatus.PENDING:
        raise StateConflict(_l("该申请已处理，不能再操作。"))
    errors: dict = {}
    text = clean_field({"decision_reason": reason}, "decision_reason", errors, multiline=True)
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(appeal, APPEAL_FIELDS)
    appeal.status = AppealStatus.ACCEPTED if accept else AppealStatus.REJECTED
    appeal.decision_reason = text
    appeal.decided_by_id = actor.id
    appeal.decided_at = utcnow()
    action = "appeal.accept" if accept else "appeal.reject"
    record(action, "sanction_appeal", appeal.id, actor=actor, before=before,
           after=snapshot(appeal, APPEAL_FIELDS), region_code=sanction.region_code)
    if accept:
        _carry_out(actor, appeal, sanction, today)
    db.session.commit()
    return appeal


def _carry_out(actor, appeal: SanctionAppeal, sanction: Sanction, today: date) -> None:
    before = snapshot(sanction, SANCTION_FIELDS)
    now = utcnow()
    lifts = appeal.kind is AppealKind.APPEAL or \
        sanction.sanction_type is SanctionType.ABNORMAL_LIST
    if lifts:
        sanction.state = SanctionState.LIFTED
        sanction.lifted_at = now
    if sanction.disclosure_withdrawn_at is None:
        sanction.disclosure_withdrawn_at = now
    db.session.flush()
    record("sanction.lift" if lifts else "sanction.disclosure_withdraw", "sanction",
           sanction.id, actor=actor, before=before, after=snapshot(sanction, SANCTION_FIELDS),
           region_code=sanction.region_code)
    if sanction.disclosure_ended_at is None:
        _end_disclosure(sanction, actor)
    if sanction.organisation is not None and lifts:
        _apply_status(actor, sanction.organisation, today)


def queue(actor) -> list[SanctionAppeal]:
    """Pending appeals and repair requests in the regulator's jurisdiction, oldest first."""
    require(actor, Action.APPEAL_DECIDE)
    query = (sa.select(SanctionAppeal).join(Sanction, Sanction.id == SanctionAppeal.sanction_id)
             .where(SanctionAppeal.status == AppealStatus.PENDING)
             .options(joinedload(SanctionAppeal.sanction))
             .order_by(SanctionAppeal.created_at, SanctionAppeal.id))
    if actor.role is not Role.ADMIN:
        query = query.where(in_region(Sanction.region_code, actor.region_code))
    return list(db.session.scalars(query))


def requests_of(sanction_id: int) -> list[SanctionAppeal]:
    """Every request filed against a sanction, oldest first."""
    return list(db.session.scalars(sa.select(SanctionAppeal).where(
        SanctionAppeal.sanction_id == sanction_id).order_by(SanctionAppeal.id)))


def own_sanctions(actor) -> list[Sanction]:
    """The sanctions of the actor's organisation and of the practitioners working there
    (an organisation account's "惩戒与申诉" page), newest first."""
    from registry.practitioners.models import Affiliation

    require(actor, Action.APPEAL_FILE, actor.organisation)
    staff = sa.select(Affiliation.practitioner_id).where(
        Affiliation.organisation_id == actor.organisation_id)
    return list(db.session.scalars(
        sa.select(Sanction).where(sa.or_(Sanction.organisation_id == actor.organisation_id,
                                         Sanction.practitioner_id.in_(staff)))
        .order_by(Sanction.decision_date.desc(), Sanction.id.desc())))


def own_sanction(actor, sanction_id: int) -> Sanction:
    """One sanction of the actor's organisation or of its practitioners."""
    sanction = _sanction(sanction_id)
    require(actor, Action.APPEAL_FILE, party_target(actor, sanction))
    return sanction
