"""Complaint use cases (投诉): the public files and tracks, regulators work the queue, the
association of the jurisdiction reports findings on what is referred to it.

Plain values in, domain errors out (``ValidationFailed`` naming the field, ``StateConflict``,
``NotFound``, ``PermissionDenied``). Every change checks the policy first, writes an audit event
and commits once. The complainant's name and contact are Fernet ciphertexts under the PII key:
only ``complaint_detail`` for a regulator (or the admin) decrypts them, and no audit event, log
line or error message ever holds them.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from registry.query import parse_int
from registry.clock import local_today as _today
from registry.audit.services import record, snapshot
from registry.auth.models import Role
from registry.auth.policy import Action, PermissionDenied, can, in_jurisdiction, require
from registry.complaints.models import Complaint, ComplaintStatus
from registry.database import load, utcnow
from registry.evaluation.models import Association
from registry.extensions import db
# The one loader of the PII key (practitioners' ID numbers use the same key).
from registry.practitioners.identity import pii_key
from registry.public.services import practitioner_profile, public_organisation
from registry.regions.services import ancestors, get_region, in_region
from registry.sanctions.models import Sanction, SanctionRecommendation
from registry.text import TextProblem, clean_text
from registry.validation import NotFound, StateConflict, ValidationFailed
from registry.vocabulary import COMPLAINT_CATEGORIES

SUMMARY_LIMIT = 200
DETAILS_LIMIT = 5000
NAME_LIMIT = 50
CONTACT_LIMIT = 100
TEXT_LIMIT = 5000  # findings and outcomes
# No 0/O, 1/I/L: a tracking number is read aloud and typed from paper.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_RANDOM = 8
REFERENCE_PREFIX = "TS"
OPEN = (ComplaintStatus.RECEIVED, ComplaintStatus.IN_PROGRESS, ComplaintStatus.REFERRED)
CLOSED = (ComplaintStatus.RESOLVED, ComplaintStatus.DISMISSED)
STATE_FIELDS = ("status", "handled_by_id", "association_id", "referred_at", "findings",
                "findings_at", "resolution", "closed_at")
# What the audit log keeps of a new complaint: neither the texts nor who filed it.
FILED_FIELDS = ("reference", "organisation_id", "practitioner_id", "region_code", "category",
                "status")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_PHONE_PUNCTUATION = re.compile(r"[\s\-()（）]")
_PHONE = re.compile(r"\+?[0-9]{7,15}")


@dataclass(frozen=True)
class Subject:
    """Whom a complaint is about, as the public sees them, and where it is handled."""

    organisation_id: Optional[int]
    practitioner_id: Optional[int]
    name: str
    region_code: str


@dataclass(frozen=True)
class Tracking:
    """What the complainant sees by tracking number: never the texts or the contact."""

    reference: str
    status: ComplaintStatus
    subject_name: str
    category: str
    filed_on: datetime
    outcome: Optional[str]


@dataclass(frozen=True)
class QueueRow:
    """A complaint in a list, with how long it has waited (or took, once closed)."""

    complaint: Complaint
    waiting: timedelta

    @property
    def days(self) -> int:
        """Whole days waited."""
        return max(int(self.waiting.total_seconds()), 0) // 86400


@dataclass(frozen=True)
class ComplaintDetail:
    """One complaint as its viewer may see it: the complainant only for regulators."""

    complaint: Complaint
    subject_name: str
    region_path: str  # 山东省 烟台市 芝罘区
    complainant_name: Optional[str]
    complainant_contact: Optional[str]
    shows_complainant: bool
    may_handle: bool
    may_record_findings: bool
    associations: list[Association]
    recommendations: list[SanctionRecommendation]
    sanctions: list[Sanction]


# --- private fields --------------------------------------------------------------------------

def encrypt_private(text: Optional[str]) -> Optional[str]:
    """A Fernet ciphertext of ``text`` under the PII key (None stays None)."""
    if text is None:
        return None
    return Fernet(pii_key()).encrypt(text.encode("utf-8")).decode("ascii")


def decrypt_private(token: Optional[str]) -> Optional[str]:
    """The plaintext of a ciphertext made by ``encrypt_private``; None when it cannot be read."""
    if not token:
        return None
    try:
        return Fernet(pii_key()).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        # A changed key: say nothing about the value, log nothing of it.
        current_app.logger.warning("a complainant field could not be decrypted")
        return None


# --- input rules -----------------------------------------------------------------------------

def _text(errors: dict, field: str, value, **rules) -> Optional[str]:
    try:
        return clean_text(value, **rules)
    except TextProblem as problem:
        errors[field] = problem.args[0]
        return None


def clean_contact(value) -> Optional[str]:
    """An optional phone number or e-mail address, lightly checked (TextProblem otherwise)."""
    text = clean_text(value, max_length=CONTACT_LIMIT)
    if text is None:
        return None
    if "@" in text:
        if not _EMAIL.fullmatch(text):
            raise TextProblem(_l("电子邮箱格式不正确，例如 name@example.cn。"))
        return text
    if not _PHONE.fullmatch(_PHONE_PUNCTUATION.sub("", text)):
        raise TextProblem(_l("请填写电话号码（7 至 15 位数字）或电子邮箱。"))
    return text


def clean_complaint(values: dict) -> dict:
    """The complaint form's values cleaned, or ValidationFailed with a message per field."""
    errors: dict = {}
    category = values.get("category") or ""
    if category not in COMPLAINT_CATEGORIES:
        errors["category"] = _l("请选择投诉类别。")
    cleaned = {
        "category": category,
        "summary": _text(errors, "summary", values.get("summary"), max_length=SUMMARY_LIMIT,
                         required=True),
        "details": _text(errors, "details", values.get("details"), max_length=DETAILS_LIMIT,
                         required=True, multiline=True, min_length=10),
        "name": _text(errors, "name", values.get("name"), max_length=NAME_LIMIT),
    }
    try:
        cleaned["contact"] = clean_contact(values.get("contact"))
    except TextProblem as problem:
        errors["contact"] = problem.args[0]
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _required_text(value, field: str) -> str:
    try:
        return clean_text(value, max_length=TEXT_LIMIT, required=True, multiline=True)
    except TextProblem as problem:
        raise ValidationFailed({field: problem.args[0]})


# --- the public ------------------------------------------------------------------------------

def complaint_subject(organisation_id: Optional[int] = None,
                      practitioner_id: Optional[int] = None) -> Subject:
    """The publicly visible organisation or practitioner a complaint may be about (NotFound
    otherwise); a practitioner's complaint goes to a public organisation's region."""
    if (organisation_id is None) == (practitioner_id is None):
        raise NotFound("a complaint is about one organisation or one practitioner")
    if organisation_id is not None:
        organisation = public_organisation(organisation_id)
        if organisation is None:
            raise NotFound(organisation_id)
        return Subject(organisation.id, None, organisation.name, organisation.region_code)
    profile = practitioner_profile(practitioner_id, _today())
    if profile is None:
        raise NotFound(practitioner_id)
    affiliations = sorted(profile.current_affiliations, key=lambda a: a.organisation_id) or \
        sorted(profile.past_affiliations, key=lambda a: a.end_date or a.start_date, reverse=True)
    if not affiliations:
        raise StateConflict(_l("该从业人员目前没有登记的执业机构，无法确定受理投诉的主管部门。"
                               "请向当地卫生健康部门反映。"))
    return Subject(None, practitioner_id, profile.practitioner.name,
                   affiliations[0].organisation.region_code)


def new_reference(today: Optional[date] = None) -> str:
    """An unguessable tracking number such as TS20260601K7M2Q9XA, not yet in use."""
    today = today or _today()
    while True:
        tail = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_RANDOM))
        reference = f"{REFERENCE_PREFIX}{today:%Y%m%d}{tail}"
        taken = db.session.scalar(sa.select(Complaint.id).where(Complaint.reference == reference))
        if taken is None:
            return reference


def file_complaint(values: dict, *, organisation_id: Optional[int] = None,
                   practitioner_id: Optional[int] = None) -> Complaint:
    """A member of the public files a complaint; returns it with its tracking number.

    ``values``: category, summary, details, and optionally name and contact (encrypted).
    """
    subject = complaint_subject(organisation_id, practitioner_id)
    cleaned = clean_complaint(values)
    complaint = Complaint(
        reference=new_reference(), organisation_id=subject.organisation_id,
        practitioner_id=subject.practitioner_id, region_code=subject.region_code,
        category=cleaned["category"], summary=cleaned["summary"], details=cleaned["details"],
        complainant_name=encrypt_private(cleaned["name"]),
        complainant_contact=encrypt_private(cleaned["contact"]),
        status=ComplaintStatus.RECEIVED,
    )
    db.session.add(complaint)
    db.session.flush()
    record("complaint.file", "complaint", complaint.id, actor_role="public",
           after=snapshot(complaint, FILED_FIELDS) | {
               "gave_contact": cleaned["contact"] is not None},
           region_code=complaint.region_code)
    db.session.commit()
    return complaint


def normalise_reference(reference) -> str:
    """A tracking number as typed (spaces, hyphens, lower case) in its stored form."""
    return re.sub(r"[\s\-]", "", str(reference or "")).upper()


def track(reference) -> Optional[Tracking]:
    """The public state of the complaint with this tracking number, or None."""
    wanted = normalise_reference(reference)
    if not wanted or len(wanted) > 20:
        return None
    complaint = db.session.scalar(
        sa.select(Complaint).where(Complaint.reference == wanted)
        .options(joinedload(Complaint.organisation), joinedload(Complaint.practitioner)))
    if complaint is None:
        return None
    return Tracking(complaint.reference, complaint.status, subject_name(complaint),
                    complaint.category, complaint.created_at,
                    complaint.resolution if complaint.status in CLOSED else None)


def subject_name(complaint: Complaint) -> str:
    """The name of the organisation or practitioner complained about."""
    if complaint.organisation is not None:
        return complaint.organisation.name
    return complaint.practitioner.name if complaint.practitioner is not None else ""


# --- loading and who may see what ------------------------------------------------------------

def _complaint(complaint_id: int, *, lock: bool = False) -> Complaint:
    return load(Complaint, complaint_id, lock=lock)


def handles(actor, complaint: Complaint) -> bool:
    """Whether ``actor`` is a regulator (or the admin) whose jurisdiction holds the complaint."""
    return can(actor, Action.COMPLAINT_HANDLE, complaint)


def works_referral(actor, complaint: Complaint) -> bool:
    """Whether ``actor`` is an assessor of the association the complaint was referred to."""
    if complaint.association_id is None or not can(actor, Action.COMPLAINT_FINDINGS, complaint):
        return False
    return actor.role is Role.ADMIN or actor.association_id == complaint.association_id


def complaint_for_link(actor, complaint_id: int) -> Complaint:
    """The complaint a recommendation or sanction refers to, if ``actor`` may see it
    (a regulator of its jurisdiction, or the referred association's assessor)."""
    complaint = _complaint(complaint_id)
    if not (handles(actor, complaint) or works_referral(actor, complaint)):
        raise PermissionDenied(Action.COMPLAINT_HANDLE)
    return complaint


def complaint_detail(actor, complaint_id: int) -> ComplaintDetail:
    """One complaint for its regulator (everything, the complainant decrypted) or for the
    referred association's assessor (without the complainant)."""
    complaint = complaint_for_link(actor, complaint_id)
    regulator = handles(actor, complaint)
    return ComplaintDetail(
        complaint=complaint,
        subject_name=subject_name(complaint),
        region_path=" ".join(region.name for region in ancestors(get_region(complaint.region_code))),
        complainant_name=decrypt_private(complaint.complainant_name) if regulator else None,
        complainant_contact=decrypt_private(complaint.complainant_contact) if regulator else None,
        shows_complainant=regulator,
        may_handle=regulator and complaint.status in OPEN,
        may_record_findings=works_referral(actor, complaint)
        and complaint.status is ComplaintStatus.REFERRED,
        associations=referral_associations(complaint) if regulator else [],
        recommendations=list(db.session.scalars(
            sa.select(SanctionRecommendation).where(SanctionRecommendation.complaint_id
                                                    == complaint.id)
            .order_by(SanctionRecommendation.id))),
        sanctions=list(db.session.scalars(
            sa.select(Sanction).where(Sanction.complaint_id == complaint.id)
            .order_by(Sanction.id))),
    )


def referral_associations(complaint: Complaint) -> list[Association]:
    """Associations whose jurisdiction covers the complaint's region, narrowest first."""
    associations = db.session.scalars(sa.select(Association).order_by(Association.name))
    covering = [a for a in associations if in_jurisdiction(a.region_code, complaint.region_code)]
    return sorted(covering, key=lambda a: (-len(a.region_code.rstrip("0")), a.name))


# --- lists -----------------------------------------------------------------------------------

def complaint_queue(actor, status: Optional[str] = None,
                    now: Optional[datetime] = None) -> list[QueueRow]:
    """Complaints in the regulator's jurisdiction (the admin's: all): open ones by default,
    oldest first, with their waiting time; ``status`` a ComplaintStatus value or ``all``."""
    require(actor, Action.COMPLAINT_HANDLE)
    query = _listing(status)
    if actor.role is not Role.ADMIN:
        query = query.where(in_region(Complaint.region_code, actor.region_code))
    return _rows(actor, query, now, handles)


def referred_complaints(actor, status: Optional[str] = None,
                        now: Optional[datetime] = None) -> list[QueueRow]:
    """Complaints referred to the assessor's association (the admin's: every referral)."""
    require(actor, Action.COMPLAINT_FINDINGS)
    query = _listing(status or "all").where(Complaint.association_id.is_not(None))
    if actor.role is not Role.ADMIN:
        query = query.where(Complaint.association_id == actor.association_id)
    return _rows(actor, query, now, works_referral)


def _listing(status: Optional[str]):
    query = sa.select(Complaint).options(joinedload(Complaint.organisation),
                                         joinedload(Complaint.practitioner))
    known = {status.value: status for status in ComplaintStatus}
    if status in known:
        query = query.where(Complaint.status == known[status])
    elif status != "all":  # the default, and anything that is not a state: the open ones
        query = query.where(Complaint.status.in_(OPEN))
    return query.order_by(Complaint.created_at, Complaint.id)


def _rows(actor, query, now: Optional[datetime], allowed) -> list[QueueRow]:
    now = now or utcnow()
    rows = [QueueRow(c, (c.closed_at or now) - c.created_at) for c in db.session.scalars(query)]
    # The query narrows; the policy has the last word on every row. Open ones come first.
    rows = [row for row in rows if allowed(actor, row.complaint)]
    return sorted(rows, key=lambda row: row.complaint.status not in OPEN)


# --- the regulator ---------------------------------------------------------------------------

def _expect(complaint: Complaint, allowed: tuple, message) -> None:
    if complaint.status not in allowed:
        raise StateConflict(message)


def _change(actor, complaint: Complaint, action: str, **values) -> Complaint:
    """Apply ``values``, audit the change and commit (the checks have all passed)."""
    before = snapshot(complaint, STATE_FIELDS)
    for name, value in values.items():
        setattr(complaint, name, value)
    record(action, "complaint", complaint.id, actor=actor, before=before,
           after=snapshot(complaint, STATE_FIELDS), region_code=complaint.region_code)
    db.session.commit()
    return complaint


def start_review(actor, complaint_id: int) -> Complaint:
    """已受理 → 正在核查: a regulator takes the complaint up."""
    complaint = _complaint(complaint_id, lock=True)
    require(actor, Action.COMPLAINT_HANDLE, complaint)
    _expect(complaint, (ComplaintStatus.RECEIVED,),
            _l("只有“已受理”的投诉可以开始核查（当前状态：%(status)s）。",
               status=status_label(complaint.status)))
    return _change(actor, complaint, "complaint.start_review",
                   status=ComplaintStatus.IN_PROGRESS, handled_by_id=actor.id)


def refer(actor, complaint_id: int, association_id) -> Complaint:
    """Refer an open complaint to an association whose jurisdiction covers its region."""
    complaint = _complaint(complaint_id, lock=True)
    require(actor, Action.COMPLAINT_HANDLE, complaint)
    _expect(complaint, (ComplaintStatus.RECEIVED, ComplaintStatus.IN_PROGRESS),
            _l("该投诉当前状态为“%(status)s”，不能转交行业协会。",
               status=status_label(complaint.status)))
    number = parse_int(association_id)
    association = db.session.get(Association, number) if number is not None else None
    if association is None:
        raise ValidationFailed({"association_id": _l("请选择行业协会。")})
    if not in_jurisdiction(association.region_code, complaint.region_code):
        raise ValidationFailed({"association_id": _l("该协会的管辖地区不包括被投诉对象所在地区。")})
    return _change(actor, complaint, "complaint.refer", status=ComplaintStatus.REFERRED,
                   association_id=association.id, referred_at=utcnow(), handled_by_id=actor.id)


def close(actor, complaint_id: int, outcome: str, resolution) -> Complaint:
    """Close an open complaint as resolved (属实已处理) or dismissed (不予支持), with the
    outcome text the complainant reads."""
    complaint = _complaint(complaint_id, lock=True)
    require(actor, Action.COMPLAINT_HANDLE, complaint)
    _expect(complaint, OPEN, _l("该投诉已办结，不能再次办结。"))
    if outcome not in (ComplaintStatus.RESOLVED.value, ComplaintStatus.DISMISSED.value):
        raise ValidationFailed({"outcome": _l("请选择办结结果。")})
    text = _required_text(resolution, "resolution")
    return _change(actor, complaint, "complaint.close", status=ComplaintStatus(outcome),
                   resolution=text, closed_at=utcnow(), handled_by_id=actor.id)


# --- the association -------------------------------------------------------------------------

def record_findings(actor, complaint_id: int, findings) -> Complaint:
    """The referred association reports its findings; the complaint returns to the regulator
    (正在核查)."""
    complaint = _complaint(complaint_id, lock=True)
    require(actor, Action.COMPLAINT_FINDINGS, complaint)
    if not works_referral(actor, complaint):
        raise PermissionDenied(Action.COMPLAINT_FINDINGS)
    _expect(complaint, (ComplaintStatus.REFERRED,),
            _l("该投诉不在转交核查中（当前状态：%(status)s），不能提交核查结果。",
               status=status_label(complaint.status)))
    text = _required_text(findings, "findings")
    return _change(actor, complaint, "complaint.findings", status=ComplaintStatus.IN_PROGRESS,
                   findings=text, findings_at=utcnow())


# --- words -----------------------------------------------------------------------------------

PUBLIC_STATUS_LABELS = {
    ComplaintStatus.RECEIVED: _l("已受理"),
    ComplaintStatus.IN_PROGRESS: _l("正在核查"),
    ComplaintStatus.REFERRED: _l("已转交行业协会"),
    ComplaintStatus.RESOLVED: _l("已办结"),
    ComplaintStatus.DISMISSED: _l("已办结"),
}
STATUS_LABELS = {
    ComplaintStatus.RECEIVED: _l("已受理"),
    ComplaintStatus.IN_PROGRESS: _l("正在核查"),
    ComplaintStatus.REFERRED: _l("已转交行业协会"),
    ComplaintStatus.RESOLVED: _l("已办结（属实已处理）"),
    ComplaintStatus.DISMISSED: _l("已办结（不予支持）"),
}


def status_label(status: ComplaintStatus) -> str:
    """The state as officers read it (resolved and dismissed told apart)."""
    return str(STATUS_LABELS[status])


def public_status_label(status: ComplaintStatus) -> str:
    """The state in the public's words (已受理, 正在核查, 已转交行业协会, 已办结)."""
    return str(PUBLIC_STATUS_LABELS[status])
