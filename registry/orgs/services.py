"""Registration use cases (登记): drafts, submission, review, change requests, deregistration.

Plain values in, domain errors out (``ValidationFailed``, ``StateConflict``, ``NotFound``,
``PermissionDenied``). Every use case loads its record, checks the policy first (``require``),
changes nothing until every check has passed, writes an audit event for each change and
commits once. The organisation row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite admits
one writer anyway) before a decision, always before its change requests, so that two reviewers,
or a reviewer and the organisation, cannot act on the same record at the same moment.

One pending request per organisation. While a change request is pending, a new edit *updates*
it (the organisation corrects a typo without withdrawing first); the reviewer's decision carries
the revision they looked at (``change_revision``), so a request edited in the meantime is never
decided unseen. A pending deregistration blocks edits, and a pending change blocks
deregistration: withdraw one before asking for the other.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from registry.clock import local_today as _today
from registry.audit.models import AuditEvent
from registry.audit.services import changed_fields, record, snapshot
from registry.auth.models import Role
from registry.auth.policy import Action, PermissionDenied, can, require
from registry.database import load, utcnow
from registry.extensions import db
from registry.orgs.labels import change_status, display_value, field_label
from registry.orgs.models import (
    REGISTERED,
    ChangeRequest,
    ChangeRequestKind,
    ChangeRequestStatus,
    Organisation,
    OrganisationStatus,
)
from registry.orgs.validation import (
    PROFILE_FIELDS,
    REQUIRED_FOR_SUBMISSION,
    clean_for_saving,
    clean_organisation,
    missing_for_submission,
)
from registry.practitioners.models import Affiliation
from registry.public.labels import label
from registry.regions.services import in_region
from registry.text import TextProblem, clean_text
from registry.validation import NotFound, StateConflict, ValidationFailed

# The organisation edits its registration directly only before it is approved.
EDITABLE = (OrganisationStatus.DRAFT, OrganisationStatus.REJECTED)
# After approval, edits and deregistration go through change requests.
STATUS_FIELDS = ("status", "submitted_at", "approved_at", "rejection_reason", "exited_at")
REQUEST_FIELDS = ("kind", "status", "changes", "reason")
DECISION_FIELDS = ("status", "decision_reason", "decided_by_id", "decided_at")
REASON_LIMIT = 500




@dataclass(frozen=True)
class DiffRow:
    """One changed field as the reviewer sees it: the public value and the proposed one."""

    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class QueueItem:
    """A registration or a change request waiting for review."""

    organisation: Organisation
    change_request: Optional[ChangeRequest]
    since: datetime
    waiting: timedelta

    @property
    def kind(self) -> str:
        """``registration``, ``change`` or ``deregistration``."""
        if self.change_request is None:
            return "registration"
        return self.change_request.kind.value

    @property
    def days(self) -> int:
        """Whole days waited."""
        return max(int(self.waiting.total_seconds()), 0) // 86400

    @property
    def hours(self) -> int:
        """Hours waited beyond the whole days."""
        return max(int(self.waiting.total_seconds()), 0) % 86400 // 3600


@dataclass(frozen=True)
class HistoryEntry:
    """One audit event about an organisation, in the terms its staff understand."""

    occurred_at: datetime
    action: str
    actor_role: str
    fields: tuple[str, ...]  # labels of the fields the event changed or proposed
    reason: Optional[str]
    kind: Optional[str]  # a change request's kind, for change-request events


@dataclass(frozen=True)
class Overview:
    """What the organisation's own page and the reviewer's page show."""

    organisation: Organisation
    missing: dict
    pending: Optional[ChangeRequest]
    pending_diff: list[DiffRow]
    history: list[HistoryEntry]


# --- loading and checks ------------------------------------------------------------------------

def _organisation(organisation_id: int, *, lock: bool = False) -> Organisation:
    return load(Organisation, organisation_id, lock=lock)


def _change_request(change_request_id: int, *, lock: bool = False) -> ChangeRequest:
    """The change request; with ``lock``, its organisation is locked first, then the request."""
    change = db.session.get(ChangeRequest, change_request_id)
    if change is None:
        raise NotFound(change_request_id)
    if lock:
        _organisation(change.organisation_id, lock=True)
        change = db.session.scalar(
            sa.select(ChangeRequest).where(ChangeRequest.id == change_request_id)
            .with_for_update().execution_options(populate_existing=True)
        )
    return change


def pending_change(organisation: Organisation) -> Optional[ChangeRequest]:
    """The organisation's pending change request or deregistration, if any."""
    return db.session.scalar(
        sa.select(ChangeRequest)
        .where(ChangeRequest.organisation_id == organisation.id,
               ChangeRequest.status == ChangeRequestStatus.PENDING)
        .order_by(ChangeRequest.id).limit(1)
    )


def _expect_editable(organisation: Organisation) -> None:
    if organisation.status in EDITABLE:
        return
    if organisation.status is OrganisationStatus.SUBMITTED:
        raise StateConflict(_l("登记信息已提交审核，审核结束前不能修改。"))
    if organisation.status in REGISTERED:
        raise StateConflict(_l("机构已登记，修改信息需提交变更申请，经主管部门审核后公开。"))
    raise StateConflict(_l("机构已退出登记，不能再修改登记信息。"))


def _expect_submittable(organisation: Organisation) -> None:
    if organisation.status in EDITABLE:
        return
    if organisation.status is OrganisationStatus.SUBMITTED:
        raise StateConflict(_l("登记信息已提交，正在等待主管部门审核。"))
    raise StateConflict(_l("只有草稿或未通过审核的登记可以提交审核（当前状态：%(status)s）。",
                           status=label(organisation.status)))


def _expect_submitted(organisation: Organisation) -> None:
    if organisation.status is not OrganisationStatus.SUBMITTED:
        raise StateConflict(_l("该机构不在待审核状态，不能审核（当前状态：%(status)s）。",
                               status=label(organisation.status)))


def _expect_registered(organisation: Organisation) -> None:
    if organisation.status in REGISTERED:
        return
    if organisation.status in EDITABLE or organisation.status is OrganisationStatus.SUBMITTED:
        raise StateConflict(_l("机构尚未通过登记审核，不能提出变更或注销申请（当前状态：%(status)s）。",
                               status=label(organisation.status)))
    raise StateConflict(_l("机构已退出登记，不能再提出申请。"))


def change_revision(change: ChangeRequest) -> str:
    """A short digest of what the request asks for: changes when the organisation edits it."""
    payload = json.dumps({"kind": change.kind.value, "changes": change.changes,
                          "reason": change.reason}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _expect_pending(change: ChangeRequest, revision: Optional[str] = None) -> None:
    if change.status is not ChangeRequestStatus.PENDING:
        raise StateConflict(_l("该申请已处理（%(status)s），不能再操作。",
                               status=change_status(change.status)))
    if revision is not None and revision != change_revision(change):
        raise StateConflict(_l("机构在您查看之后修改了申请内容，请重新查看后再审核。"))


def _clean_reason(reason: Any, field: str = "reason") -> str:
    try:
        return clean_text(reason, max_length=REASON_LIMIT, required=True, multiline=True)
    except TextProblem as problem:
        raise ValidationFailed({field: problem.args[0]})


# --- the organisation's registration ----------------------------------------------------------

def save_draft(actor, organisation_id: int, values: dict) -> Organisation:
    """Save every profile field of a draft or rejected registration (the owner or an admin)."""
    organisation = _organisation(organisation_id, lock=True)
    require(actor, Action.ORG_EDIT, organisation)
    _expect_editable(organisation)
    cleaned = clean_for_saving(values, exclude_id=organisation.id)
    before = snapshot(organisation, PROFILE_FIELDS)
    for name, value in cleaned.items():
        setattr(organisation, name, value)
    old, new = changed_fields(before, snapshot(organisation, PROFILE_FIELDS))
    if new:
        record("organisation.update", "organisation", organisation.id, actor=actor,
               before=old, after=new, region_code=organisation.region_code)
    db.session.commit()
    return organisation


def submit(actor, organisation_id: int) -> Organisation:
    """Draft or rejected → submitted, once nothing required is missing or malformed."""
    organisation = _organisation(organisation_id, lock=True)
    require(actor, Action.ORG_SUBMIT, organisation)
    _expect_submittable(organisation)
    errors: dict = {}
    try:  # the rules may have tightened since the draft was saved
        clean_organisation(snapshot(organisation, PROFILE_FIELDS), exclude_id=organisation.id)
    except ValidationFailed as failed:
        errors.update(failed.errors)
    for name, message in missing_for_submission(organisation).items():
        errors.setdefault(name, str(message))
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(organisation, STATUS_FIELDS)
    organisation.status = OrganisationStatus.SUBMITTED
    organisation.submitted_at = utcnow()
    organisation.rejection_reason = None
    record("organisation.submit", "organisation", organisation.id, actor=actor, before=before,
           after=snapshot(organisation, STATUS_FIELDS), region_code=organisation.region_code)
    db.session.commit()
    return organisation


def overview(actor, organisation_id: int) -> Overview:
    """The organisation's own page: status, what is missing, the pending request, history."""
    organisation = _organisation(organisation_id)
    require(actor, Action.ORG_EDIT, organisation)
    return _overview(organisation)


def _overview(organisation: Organisation) -> Overview:
    pending = pending_change(organisation)
    missing = missing_for_submission(organisation) if organisation.status in EDITABLE else {}
    return Overview(organisation, {name: str(message) for name, message in missing.items()},
                    pending, change_diff(pending) if pending is not None else [],
                    _history(organisation))


def proposed_values(organisation: Organisation, pending: Optional[ChangeRequest]) -> dict:
    """The profile as the organisation last proposed it: the approved values, with a pending
    change's values on top (the edit form starts from these)."""
    values = snapshot(organisation, PROFILE_FIELDS)
    if pending is not None and pending.kind is ChangeRequestKind.CHANGE:
        values.update({name: value for name, value in pending.changes.items()
                       if name in PROFILE_FIELDS})
    return values


# --- review by the regulator ------------------------------------------------------------------

def review_queue(actor, now: Optional[datetime] = None) -> list[QueueItem]:
    """Submitted registrations and pending change requests in the actor's jurisdiction
    (an admin's: everywhere), oldest first, with how long each has waited."""
    require(actor, Action.ORG_REVIEW)
    now = now or utcnow()
    registrations = (sa.select(Organisation)
                     .where(Organisation.status == OrganisationStatus.SUBMITTED)
                     .options(joinedload(Organisation.region)))
    changes = (sa.select(ChangeRequest).join(ChangeRequest.organisation)
               .where(ChangeRequest.status == ChangeRequestStatus.PENDING)
               .options(joinedload(ChangeRequest.organisation).joinedload(Organisation.region)))
    if actor.role is not Role.ADMIN:
        registrations = registrations.where(in_region(Organisation.region_code, actor.region_code))
        changes = changes.where(in_region(Organisation.region_code, actor.region_code))
    items = []
    for organisation in db.session.scalars(registrations):
        since = organisation.submitted_at or organisation.updated_at
        items.append(QueueItem(organisation, None, since, now - since))
    for change in db.session.scalars(changes):
        items.append(QueueItem(change.organisation, change, change.created_at,
                               now - change.created_at))
    # The query narrows by jurisdiction; the policy has the last word on every item.
    items = [item for item in items if can(actor, Action.ORG_REVIEW, item.organisation)]
    return sorted(items, key=lambda item: (item.since, item.organisation.id))


def review_overview(actor, organisation_id: int) -> Overview:
    """The reviewer's page of one organisation (any status, inside the jurisdiction)."""
    organisation = _organisation(organisation_id)
    require(actor, Action.ORG_REVIEW, organisation)
    return _overview(organisation)


def approve(actor, organisation_id: int) -> Organisation:
    """Submitted → active: the organisation becomes public."""
    organisation = _organisation(organisation_id, lock=True)
    require(actor, Action.ORG_REVIEW, organisation)
    _expect_submitted(organisation)
    before = snapshot(organisation, STATUS_FIELDS)
    organisation.status = OrganisationStatus.ACTIVE
    organisation.approved_at = utcnow()
    record("organisation.approve", "organisation", organisation.id, actor=actor, before=before,
           after=snapshot(organisation, STATUS_FIELDS), region_code=organisation.region_code)
    db.session.commit()
    return organisation


def reject(actor, organisation_id: int, reason: str) -> Organisation:
    """Submitted → rejected, with a reason the organisation reads; it may edit and resubmit."""
    organisation = _organisation(organisation_id, lock=True)
    require(actor, Action.ORG_REVIEW, organisation)
    _expect_submitted(organisation)
    reason = _clean_reason(reason)
    before = snapshot(organisation, STATUS_FIELDS)
    organisation.status = OrganisationStatus.REJECTED
    organisation.rejection_reason = reason
    record("organisation.reject", "organisation", organisation.id, actor=actor, before=before,
           after=snapshot(organisation, STATUS_FIELDS), region_code=organisation.region_code)
    db.session.commit()
    return organisation


# --- changes after approval -------------------------------------------------------------------

def request_change(actor, organisation_id: int, values: dict) -> ChangeRequest:
    """Propose new values for an active or suspended organisation; only changed fields are
    stored, the public keeps seeing the approved version. Updates a pending change request."""
    organisation = _organisation(organisation_id, lock=True)
    require(actor, Action.ORG_EDIT, organisation)
    _expect_registered(organisation)
    pending = pending_change(organisation)
    if pending is not None and pending.kind is ChangeRequestKind.DEREGISTRATION:
        raise StateConflict(_l("已申请注销，审核期间不能提交信息变更；如需变更，请先撤回注销申请。"))
    cleaned = clean_for_saving(values, exclude_id=organisation.id, required=REQUIRED_FOR_SUBMISSION)
    approved = _as_cleaned(organisation)
    changes = {name: cleaned[name] for name in PROFILE_FIELDS if cleaned[name] != approved[name]}
    if not changes:
        message = _l("与已公开的信息相同，没有需要审核的修改。")
        if pending is not None:
            message = _l("与已公开的信息相同。如要取消待审核的变更申请，请点击“撤回申请”。")
        raise ValidationFailed({"changes": message})
    if pending is None:
        pending = ChangeRequest(organisation_id=organisation.id, kind=ChangeRequestKind.CHANGE,
                                changes=changes, requested_by_id=actor.id)
        db.session.add(pending)
        db.session.flush()
        record("change_request.create", "change_request", pending.id, actor=actor,
               after=snapshot(pending, REQUEST_FIELDS), region_code=organisation.region_code)
    else:
        before = snapshot(pending, REQUEST_FIELDS)
        pending.changes = changes
        pending.requested_by_id = actor.id
        old, new = changed_fields(before, snapshot(pending, REQUEST_FIELDS))
        if new:
            record("change_request.update", "change_request", pending.id, actor=actor,
                   before=old, after=new | {"kind": pending.kind.value},
                   region_code=organisation.region_code)
    db.session.commit()
    return pending


def request_deregistration(actor, organisation_id: int, reason: str) -> ChangeRequest:
    """申请注销: ask to leave the register; on approval the organisation exits."""
    organisation = _organisation(organisation_id, lock=True)
    require(actor, Action.ORG_SUBMIT, organisation)
    _expect_registered(organisation)
    pending = pending_change(organisation)
    if pending is not None:
        if pending.kind is ChangeRequestKind.DEREGISTRATION:
            raise StateConflict(_l("已提交注销申请，正在等待主管部门审核。"))
        raise StateConflict(_l("还有一项待审核的信息变更申请，请先撤回或等待审核结果后再申请注销。"))
    reason = _clean_reason(reason)
    change = ChangeRequest(organisation_id=organisation.id, kind=ChangeRequestKind.DEREGISTRATION,
                           changes={}, reason=reason, requested_by_id=actor.id)
    db.session.add(change)
    db.session.flush()
    record("change_request.create", "change_request", change.id, actor=actor,
           after=snapshot(change, REQUEST_FIELDS), region_code=organisation.region_code)
    db.session.commit()
    return change


def _as_cleaned(organisation: Organisation) -> dict:
    """The approved values as the rules would store them today, so that a value typed the
    same way again (0535-6612345 stored, 0535 661 2345 typed) does not count as a change.
    A value that no longer passes the rules is compared as it is."""
    approved = snapshot(organisation, PROFILE_FIELDS)
    try:
        return clean_organisation(approved, exclude_id=organisation.id)
    except ValidationFailed as failed:
        good = tuple(name for name in PROFILE_FIELDS if name not in failed.errors)
        return approved | clean_organisation(approved, exclude_id=organisation.id, fields=good)


def change_diff(change: ChangeRequest) -> list[DiffRow]:
    """Field by field: label, the value the public sees now, the proposed value (both as a
    person reads them). Meaningful while the request is pending."""
    organisation = change.organisation
    return [
        DiffRow(name, field_label(name), display_value(name, getattr(organisation, name)),
                display_value(name, change.changes[name]))
        for name in PROFILE_FIELDS if name in (change.changes or {})
    ]


def change_request_for_review(actor, change_request_id: int) -> ChangeRequest:
    """A change request, for a reviewer whose jurisdiction holds its organisation."""
    change = _change_request(change_request_id)
    require(actor, Action.ORG_REVIEW, change)
    return change


def approve_change(actor, change_request_id: int, *,
                   revision: Optional[str] = None) -> ChangeRequest:
    """Apply a pending change (re-validated: a USCC taken meanwhile is refused), or carry out
    a deregistration. ``revision`` is what the reviewer saw (``change_revision``)."""
    change = _change_request(change_request_id, lock=True)
    require(actor, Action.ORG_REVIEW, change)
    organisation = change.organisation
    moving_to = (change.changes or {}).get("region_code")
    if moving_to and change.kind is ChangeRequestKind.CHANGE:
        # A move must land inside the reviewer's jurisdiction too.
        require(actor, Action.ORG_REVIEW, str(moving_to))
    _expect_pending(change, revision)
    _expect_registered(organisation)
    if change.kind is ChangeRequestKind.DEREGISTRATION:
        _exit(actor, organisation)
    else:
        _apply_changes(actor, organisation, change)
    _decide(actor, change, ChangeRequestStatus.APPROVED, "change_request.approve")
    db.session.commit()
    return change


def _apply_changes(actor, organisation: Organisation, change: ChangeRequest) -> None:
    changes = {name: value for name, value in change.changes.items() if name in PROFILE_FIELDS}
    # Only the changed fields are checked: an old value that a newer rule would refuse must
    # not block an unrelated change the reviewer cannot edit.
    required = [name for name in REQUIRED_FOR_SUBMISSION if name in changes]
    cleaned = clean_for_saving(changes, exclude_id=organisation.id, required=required)
    before = snapshot(organisation, PROFILE_FIELDS)
    for name in changes:
        setattr(organisation, name, cleaned[name])
    old, new = changed_fields(before, snapshot(organisation, PROFILE_FIELDS))
    if new:
        record("organisation.update", "organisation", organisation.id, actor=actor,
               before=old, after=new, region_code=organisation.region_code)


def exit_organisation(actor, organisation: Organisation, reason: str, on: date) -> None:
    """Active|suspended → exited as a step of another use case (an exit sanction, possibly
    applied by the scheduler with ``actor`` None): ends the current affiliations on ``on`` and
    refuses a pending change request with ``reason``. Flushes; the caller commits."""
    pending = pending_change(organisation)
    if pending is not None:
        _decide(actor, pending, ChangeRequestStatus.REJECTED, "change_request.reject", reason)
    _exit(actor, organisation, on)
    db.session.flush()


def _exit(actor, organisation: Organisation, on: Optional[date] = None) -> None:
    """Active|suspended → exited; the organisation's current affiliations end ``on`` (today)."""
    before = snapshot(organisation, STATUS_FIELDS)
    organisation.status = OrganisationStatus.EXITED
    organisation.exited_at = utcnow()
    record("organisation.exit", "organisation", organisation.id, actor=actor, before=before,
           after=snapshot(organisation, STATUS_FIELDS), region_code=organisation.region_code)
    today = on or _today()
    current = db.session.scalars(
        sa.select(Affiliation).where(Affiliation.organisation_id == organisation.id,
                                     Affiliation.end_date.is_(None)).order_by(Affiliation.id)
    )
    for affiliation in current:
        affiliation.end_date = max(today, affiliation.start_date)
        record("affiliation.end", "affiliation", affiliation.id, actor=actor,
               before={"end_date": None},
               after={"end_date": affiliation.end_date, "organisation_id": organisation.id},
               region_code=organisation.region_code)


def _decide(actor, change: ChangeRequest, status: ChangeRequestStatus, action: str,
            reason: Optional[str] = None) -> None:
    before = snapshot(change, DECISION_FIELDS)
    change.status = status
    change.decision_reason = reason
    change.decided_by_id = actor.id if actor is not None else None
    change.decided_at = utcnow()
    old, new = changed_fields(before, snapshot(change, DECISION_FIELDS))
    record(action, "change_request", change.id, actor=actor, before=old,
           after=new | {"kind": change.kind.value}, region_code=change.organisation.region_code)


def reject_change(actor, change_request_id: int, reason: str, *,
                  revision: Optional[str] = None) -> ChangeRequest:
    """Refuse a pending change or deregistration, with a reason the organisation reads."""
    change = _change_request(change_request_id, lock=True)
    require(actor, Action.ORG_REVIEW, change)
    _expect_pending(change, revision)
    reason = _clean_reason(reason)
    _decide(actor, change, ChangeRequestStatus.REJECTED, "change_request.reject", reason)
    db.session.commit()
    return change


def withdraw_change(actor, change_request_id: int) -> ChangeRequest:
    """The organisation takes back its pending change or deregistration."""
    change = _change_request(change_request_id, lock=True)
    require(actor, Action.ORG_EDIT, change)
    _expect_pending(change)
    _decide(actor, change, ChangeRequestStatus.WITHDRAWN, "change_request.withdraw")
    db.session.commit()
    return change


# --- history ----------------------------------------------------------------------------------

def history(actor, organisation_id: int) -> list[HistoryEntry]:
    """The audit events about the organisation and its change requests, newest first:
    for its own staff, and for reviewers of its jurisdiction."""
    organisation = _organisation(organisation_id)
    if not (can(actor, Action.ORG_EDIT, organisation)
            or can(actor, Action.ORG_REVIEW, organisation)):
        raise PermissionDenied(Action.ORG_EDIT)
    return _history(organisation)


def _history(organisation: Organisation) -> list[HistoryEntry]:
    change_ids = [str(change_id) for change_id in db.session.scalars(
        sa.select(ChangeRequest.id).where(ChangeRequest.organisation_id == organisation.id))]
    about = sa.and_(AuditEvent.entity_type == "organisation",
                    AuditEvent.entity_id == str(organisation.id))
    if change_ids:
        about = sa.or_(about, sa.and_(AuditEvent.entity_type == "change_request",
                                      AuditEvent.entity_id.in_(change_ids)))
    events = db.session.scalars(sa.select(AuditEvent).where(about).order_by(AuditEvent.id.desc()))
    return [_entry(event) for event in events]


def _entry(event: AuditEvent) -> HistoryEntry:
    after = event.after or {}
    before = event.before or {}
    changed = after.get("changes") if isinstance(after.get("changes"), dict) else after
    fields = () if event.action == "organisation.create" else tuple(
        field_label(name) for name in PROFILE_FIELDS if name in changed)
    reason = after.get("rejection_reason") or after.get("decision_reason") or after.get("reason")
    return HistoryEntry(event.occurred_at, event.action, event.actor_role, fields, reason,
                        after.get("kind") or before.get("kind"))
