"""Practitioners and their qualifications: registration by organisations, verification by the
regulator, expiry, and the public certificate lookup (证书查询).

Plain values in, domain errors out (``ValidationFailed`` naming the field, ``PermissionDenied``,
``NotFound`` for a missing record). The permission is checked before anything else, every
change writes an audit event in the same transaction, and each use case is one transaction
committed here (``commit=False`` only flushes: the importer commits once for a whole file).

ID numbers never leave ``validation``/``identity`` in a readable form: no audit event, error
message, return value or log line carries the number, its digest or its ciphertext.
"""
from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable, Optional

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from registry import vocabulary
from registry.clock import local_today
from registry.audit.services import changed_fields, record, snapshot
from registry.auth.models import Role, User
from registry.auth.policy import Action, PermissionDenied, can, can_any, in_jurisdiction, require, \
    require_any
from registry.database import utcnow
from registry.extensions import db
from registry.orgs.models import Organisation, OrganisationStatus
from registry.practitioners.identity import InvalidIdNumber, id_number_digest
from registry.practitioners.models import (
    Affiliation,
    AffiliationRole,
    Practitioner,
    Qualification,
    VerificationState,
)
from registry.practitioners.validation import (
    clean_certificate_number,
    clean_date,
    clean_practitioner,
    clean_qualification,
    find_by_digest,
)
from registry.regions.services import in_region
from registry.text import TextProblem, clean_text, normalise
from registry.validation import NotFound, StateConflict, ValidationFailed

# Public fields of a practitioner: what audit events and edit forms carry (never the ID number).
PRACTITIONER_FIELDS = ("name", "gender", "specialties", "ce_hours", "bio")
QUALIFICATION_INPUT_FIELDS = ("kind", "certificate_number", "issuer", "issued_on", "expires_on")
QUALIFICATION_FIELDS = ("practitioner_id",) + QUALIFICATION_INPUT_FIELDS + (
    "state", "state_reason", "verified_by_id", "verified_at")
AFFILIATION_FIELDS = ("practitioner_id", "organisation_id", "role", "start_date", "end_date")
# The states an organisation may still change: nothing a regulator has vouched for.
EDITABLE_STATES = (VerificationState.UNVERIFIED, VerificationState.REJECTED)
EXPIRY_BATCH = 500


def _finish(commit: bool) -> None:
    """End the use case: commit it, or only flush when the caller owns the transaction."""
    if commit:
        db.session.commit()
    else:
        db.session.flush()


def _merge(errors: dict, check: Callable[[], Any], prefix: str = "") -> Any:
    """Run ``check``; collect its field errors (under ``prefix``) instead of raising."""
    try:
        return check()
    except ValidationFailed as failed:
        errors.update({prefix + name: message for name, message in failed.errors.items()})
        return None


# --- who may do what -------------------------------------------------------------------------

def may_manage(actor: Any, organisation: Organisation) -> bool:
    """Whether ``actor`` may manage the practitioners of ``organisation``: its own account,
    a regulator of its jurisdiction, the admin (policy: PRACTITIONER_MANAGE). ``actor`` None is
    the system — an operator at the command line (``flask import practitioners`` without
    ``--as``), as for ``auth.services.create_account``; web requests always have an actor."""
    return actor is None or can(actor, Action.PRACTITIONER_MANAGE, organisation)


def _require_manage(actor: Any, organisation: Organisation) -> None:
    if not may_manage(actor, organisation):
        raise PermissionDenied(Action.PRACTITIONER_MANAGE)


def employers(practitioner_id: int, *, current_only: bool) -> list[Organisation]:
    """The organisations a practitioner works for (with ``current_only``) or ever worked for:
    current ones first, then by the latest start, each organisation once."""
    query = (sa.select(Organisation)
             .join(Affiliation, Affiliation.organisation_id == Organisation.id)
             .where(Affiliation.practitioner_id == practitioner_id)
             .order_by(Affiliation.end_date.is_not(None), Affiliation.start_date.desc(),
                       Organisation.id))
    if current_only:
        query = query.where(Affiliation.end_date.is_(None))
    return list(db.session.scalars(query).unique())


def _holder_employers(qualification: Qualification, *, current_only: bool
                      ) -> list[Organisation]:
    """The organisations a certificate is judged by: where its holder works (verifying,
    rejecting), or works or worked (revoking)."""
    return employers(qualification.practitioner_id, current_only=current_only)


# --- reading what an organisation manages ----------------------------------------------------

def managed_organisation(actor: Any, organisation_id: int) -> Organisation:
    """The organisation whose practitioners ``actor`` manages (NotFound, PermissionDenied)."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(organisation_id)
    _require_manage(actor, organisation)
    return organisation


def _affiliations_here(practitioner_id: int, organisation_id: int) -> list[Affiliation]:
    """The practitioner's affiliations with one organisation, the current (or latest) first."""
    return list(db.session.scalars(
        sa.select(Affiliation).where(Affiliation.practitioner_id == practitioner_id,
                                     Affiliation.organisation_id == organisation_id)
        .order_by(Affiliation.end_date.is_not(None), Affiliation.start_date.desc(),
                  Affiliation.id.desc())
    ))


def _current_affiliation(practitioner_id: int, organisation_id: int) -> Optional[Affiliation]:
    affiliations = _affiliations_here(practitioner_id, organisation_id)
    return affiliations[0] if affiliations and affiliations[0].is_current else None


def _managed_person(actor: Any, organisation_id: int, practitioner_id: int,
                    *, current_only: bool = True) -> tuple[Organisation, Practitioner, Affiliation]:
    """Permission first, then the practitioner, who must work (or have worked) here."""
    organisation = managed_organisation(actor, organisation_id)
    affiliations = _affiliations_here(practitioner_id, organisation.id)
    if not affiliations or (current_only and not affiliations[0].is_current):
        raise NotFound(practitioner_id)
    return organisation, affiliations[0].practitioner, affiliations[0]


@dataclass(frozen=True)
class RosterEntry:
    """One affiliation of an organisation, with the person's qualifications (every state)."""

    practitioner: Practitioner
    affiliation: Affiliation
    qualifications: list[Qualification]


@dataclass(frozen=True)
class Roster:
    """An organisation's practitioners: those working there now, and those who left."""

    organisation: Organisation
    current: list[RosterEntry]
    past: list[RosterEntry]


def organisation_roster(actor: Any, organisation_id: int) -> Roster:
    """Current and past affiliations of an organisation, by name (current) or end date (past)."""
    organisation = managed_organisation(actor, organisation_id)
    affiliations = list(db.session.scalars(
        sa.select(Affiliation).where(Affiliation.organisation_id == organisation.id)
        .options(joinedload(Affiliation.practitioner)
                 .selectinload(Practitioner.qualifications))
    ).unique())
    entries = [RosterEntry(a.practitioner, a, list(a.practitioner.qualifications))
               for a in affiliations]
    current = sorted((e for e in entries if e.affiliation.is_current),
                     key=lambda e: (e.practitioner.name, e.practitioner.id))
    past = sorted((e for e in entries if not e.affiliation.is_current),
                  key=lambda e: (e.affiliation.end_date, e.affiliation.id), reverse=True)
    return Roster(organisation, current, past)


@dataclass(frozen=True)
class ManagedPractitioner:
    """What an organisation (or its regulator) sees of one of its practitioners."""

    organisation: Organisation
    practitioner: Practitioner
    affiliation: Affiliation  # the current one, or the latest when the person has left
    history: list[Affiliation]  # every affiliation with this organisation
    qualifications: list[Qualification]

    @property
    def is_current(self) -> bool:
        return self.affiliation.is_current


def managed_practitioner(actor: Any, organisation_id: int,
                         practitioner_id: int) -> ManagedPractitioner:
    """One practitioner of the organisation, current or past (NotFound, PermissionDenied)."""
    organisation, person, _affiliation = _managed_person(actor, organisation_id, practitioner_id,
                                                         current_only=False)
    history = _affiliations_here(person.id, organisation.id)
    return ManagedPractitioner(organisation, person, history[0], history,
                               list(person.qualifications))


def managed_qualification(actor: Any, organisation_id: int, practitioner_id: int,
                          qualification_id: int) -> Qualification:
    """A qualification of a current practitioner of the organisation."""
    _organisation, person, _affiliation = _managed_person(actor, organisation_id, practitioner_id)
    qualification = db.session.get(Qualification, qualification_id)
    if qualification is None or qualification.practitioner_id != person.id:
        raise NotFound(qualification_id)
    return qualification


# --- adding practitioners ----------------------------------------------------------------------

@dataclass(frozen=True)
class Registration:
    """What ``register_practitioner`` did.

    ``linked`` is True when the ID number belonged to a person already registered: that person
    got a new affiliation (their record was not duplicated, nor changed); ``already_held`` are
    the certificates given again that the person already had (left as they were).
    """

    practitioner: Practitioner
    affiliation: Affiliation
    linked: bool
    qualifications: tuple[Qualification, ...] = ()
    already_held: tuple[Qualification, ...] = ()


def _name_key(value: Any) -> str:
    """A name as compared, not as shown: NFKC, every space removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", "" if value is None else str(value)))


def _registered_person(raw_id_number: Any) -> Optional[Practitioner]:
    """The person already registered with this ID number (None when new or invalid)."""
    text = normalise(raw_id_number)
    if not text:
        return None
    try:
        return find_by_digest(id_number_digest(text))
    except InvalidIdNumber:
        return None  # clean_practitioner reports it


def _clean_affiliation(role: Any, start_date: Any, today: date) -> dict:
    errors: dict = {}
    cleaned: dict = {}
    try:
        cleaned["role"] = (role if isinstance(role, AffiliationRole)
                           else AffiliationRole(normalise(role)))
    except ValueError:
        errors["role"] = _l("请选择聘用方式。")
    try:
        cleaned["start_date"] = clean_date(start_date) or today
    except TextProblem as problem:
        errors["start_date"] = problem.args[0]
    else:
        if cleaned["start_date"] > today:
            errors["start_date"] = _l("入职日期不能晚于今天。")
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _held_certificate(person: Optional[Practitioner], values: dict) -> Optional[Qualification]:
    """The person's own qualification with this kind and number, if they hold it already."""
    if person is None:
        return None
    kind = normalise(values.get("kind"))
    try:
        number = clean_certificate_number(kind, values.get("certificate_number"))
    except TextProblem:
        return None
    return next((q for q in person.qualifications
                 if q.kind == kind and q.certificate_number == number), None)


def _clean_qualifications(items: list[dict], person: Optional[Practitioner], errors: dict,
                          today: date) -> tuple[list[dict], list[Qualification]]:
    """Cleaned new certificates, and those the (linked) person holds already."""
    new: list[dict] = []
    held: list[Qualification] = []
    seen: set[tuple[str, str]] = set()
    for index, values in enumerate(items):
        prefix = f"qualifications.{index}."
        holding = _held_certificate(person, values)
        cleaned = _merge(errors, lambda: clean_qualification(
            values, exclude_id=holding.id if holding else None, today=today), prefix)
        if cleaned is None:
            continue
        key = (cleaned["kind"], cleaned["certificate_number"])
        if key in seen:
            errors[prefix + "certificate_number"] = _l("同一证书填写了两次。")
            continue
        seen.add(key)
        if holding is not None:
            held.append(holding)
        else:
            new.append(cleaned)
    return new, held


def _check_link(person: Practitioner, organisation: Organisation, values: dict,
                errors: dict) -> None:
    """A registered person may be linked only under their registered name, and only once."""
    if "name" not in errors and _name_key(values.get("name")) != _name_key(person.name):
        # The registered name is not repeated: it would disclose it to whoever has the number.
        errors["name"] = _l("姓名与该身份证号码已登记的姓名不一致，请核对。")
    if _current_affiliation(person.id, organisation.id) is not None:
        errors["id_number"] = _l("该人员已是本机构的在职人员。")


def _add_qualification(actor: Any, person: Practitioner, cleaned: dict,
                       organisation: Organisation) -> Qualification:
    qualification = Qualification(practitioner=person, state=VerificationState.UNVERIFIED,
                                  **{name: cleaned[name] for name in QUALIFICATION_INPUT_FIELDS})
    db.session.add(qualification)
    db.session.flush()
    record("qualification.add", "qualification", qualification.id, actor=actor,
           after=snapshot(qualification, QUALIFICATION_FIELDS),
           region_code=organisation.region_code)
    return qualification


@dataclass(frozen=True)
class _Checked:
    """A registration that passed every rule, ready to write."""

    existing: Optional[Practitioner]
    person_values: dict
    joining: dict
    new_certificates: list[dict]
    held_certificates: list[Qualification]


def _check_registration(organisation: Organisation, values: dict, qualifications: list[dict],
                        role: Any, start_date: Any, today: date) -> _Checked:
    """Every rule at once, so that the form shows every problem in one go."""
    existing = _registered_person(values.get("id_number"))
    exclude_id = existing.id if existing is not None else None
    errors: dict = {}
    cleaned = _merge(errors, lambda: clean_practitioner(values, exclude_id=exclude_id))
    joining = _merge(errors, lambda: _clean_affiliation(role, start_date, today))
    if existing is not None:
        _check_link(existing, organisation, values, errors)
    elif not qualifications:
        errors["qualifications"] = _l("请至少填写一项资质证书。")
    new, held = _clean_qualifications(list(qualifications), existing, errors, today)
    if errors:
        raise ValidationFailed(errors)
    return _Checked(existing, cleaned, joining, new, held)


def _create_person(actor: Any, cleaned: dict, organisation: Organisation) -> Practitioner:
    person = Practitioner(id_number_digest=cleaned["id_number_digest"],
                          id_number_encrypted=cleaned["id_number_encrypted"],
                          **{name: cleaned[name] for name in PRACTITIONER_FIELDS})
    db.session.add(person)
    db.session.flush()
    record("practitioner.create", "practitioner", person.id, actor=actor,
           after=snapshot(person, PRACTITIONER_FIELDS), region_code=organisation.region_code)
    return person


def register_practitioner(actor: Any, organisation_id: int, values: dict,
                          qualifications: list[dict], *, role: Any = "full_time",
                          start_date: Any = None, commit: bool = True,
                          today: Optional[date] = None) -> Registration:
    """Add a practitioner to an organisation, or link the person already registered under the
    same ID number (only when they do not work here already); see ``Registration``.

    ``values``: name, gender, id_number, specialties, ce_hours, bio. ``qualifications``: dicts
    of kind, certificate_number, issuer, issued_on, expires_on; their errors are reported as
    ``qualifications.{i}.{field}``. A new person needs at least one qualification.
    """
    organisation = managed_organisation(actor, organisation_id)
    if organisation.status is OrganisationStatus.EXITED:
        raise StateConflict(_l("已退出登记的机构不能再添加从业人员。"))
    checked = _check_registration(organisation, values, qualifications, role, start_date,
                                  today or local_today())
    linked = checked.existing is not None
    person = checked.existing if linked else _create_person(actor, checked.person_values,
                                                            organisation)
    affiliation = Affiliation(practitioner=person, organisation=organisation, **checked.joining)
    db.session.add(affiliation)
    db.session.flush()
    if linked:
        record("practitioner.link", "practitioner", person.id, actor=actor,
               after={"organisation_id": organisation.id, "affiliation_id": affiliation.id,
                      "linked_existing_person": True}, region_code=organisation.region_code)
    record("affiliation.start", "affiliation", affiliation.id, actor=actor,
           after={**snapshot(affiliation, AFFILIATION_FIELDS), "linked_existing_person": linked},
           region_code=organisation.region_code)
    added = tuple(_add_qualification(actor, person, item, organisation)
                  for item in checked.new_certificates)
    _finish(commit)
    return Registration(person, affiliation, linked, added, tuple(checked.held_certificates))


def add_practitioner(actor: Any, organisation_id: int, values: dict, qualifications: list[dict],
                     *, role: str = "full_time", start_date: Any = None,
                     commit: bool = True) -> Practitioner:
    """Add a practitioner (or link the registered person); ``register_practitioner`` says which."""
    return register_practitioner(actor, organisation_id, values, qualifications, role=role,
                                 start_date=start_date, commit=commit).practitioner


# --- changing what an organisation registered --------------------------------------------------

def update_practitioner(actor: Any, organisation_id: int, practitioner_id: int, values: dict,
                        *, commit: bool = True) -> Practitioner:
    """Correct a current practitioner's public fields.

    The ID number is never shown, so it is changed only by typing it again in ``id_number``
    (left empty: unchanged). Someone also working elsewhere keeps their number unless a
    regulator corrects it: one organisation must not change who another one employs.
    """
    organisation, person, _affiliation = _managed_person(actor, organisation_id, practitioner_id)
    cleaned = clean_practitioner(values, exclude_id=person.id, require_id_number=False)
    new_digest = cleaned.get("id_number_digest")
    corrected = new_digest is not None and new_digest != person.id_number_digest
    if corrected and getattr(actor, "role", None) is Role.ORG and any(
            o.id != organisation.id for o in employers(person.id, current_only=True)):
        raise ValidationFailed({"id_number": _l(
            "该人员同时在其他机构执业，身份证号码请联系主管部门更正。")})
    before = snapshot(person, PRACTITIONER_FIELDS)
    for name in PRACTITIONER_FIELDS:
        setattr(person, name, cleaned[name])
    if corrected:
        person.id_number_digest = new_digest
        person.id_number_encrypted = cleaned["id_number_encrypted"]
    old, new = changed_fields(before, snapshot(person, PRACTITIONER_FIELDS))
    if corrected:
        new["id_number_corrected"] = True  # that it changed, never what it is
    if new:
        record("practitioner.update", "practitioner", person.id, actor=actor, before=old, after=new,
               region_code=organisation.region_code)
    _finish(commit)
    return person


def add_qualification(actor: Any, organisation_id: int, practitioner_id: int, values: dict,
                      *, commit: bool = True) -> Qualification:
    """Add a certificate to a current practitioner; it waits for verification."""
    organisation, person, _affiliation = _managed_person(actor, organisation_id, practitioner_id)
    cleaned = clean_qualification(values, today=local_today())
    qualification = _add_qualification(actor, person, cleaned, organisation)
    _finish(commit)
    return qualification


def _editable_qualification(actor: Any, organisation_id: int, qualification_id: int
                            ) -> tuple[Organisation, Qualification]:
    qualification = db.session.get(Qualification, qualification_id)
    if qualification is None:
        raise NotFound(qualification_id)
    organisation, _person, _affiliation = _managed_person(actor, organisation_id,
                                                          qualification.practitioner_id)
    if qualification.state not in EDITABLE_STATES:
        raise StateConflict(_l("已核验的证书不能修改或删除；如有错误，请联系主管部门。"))
    return organisation, qualification


def update_qualification(actor: Any, organisation_id: int, qualification_id: int, values: dict,
                         *, commit: bool = True) -> Qualification:
    """Correct an unverified or rejected certificate; a rejected one goes back for verification."""
    organisation, qualification = _editable_qualification(actor, organisation_id, qualification_id)
    cleaned = clean_qualification(values, exclude_id=qualification.id, today=local_today())
    before = snapshot(qualification, QUALIFICATION_FIELDS)
    for name in QUALIFICATION_INPUT_FIELDS:
        setattr(qualification, name, cleaned[name])
    if qualification.state is VerificationState.REJECTED:  # corrected: resubmitted
        qualification.state = VerificationState.UNVERIFIED
        qualification.state_reason = None
        qualification.verified_by_id = None
        qualification.verified_at = None
    old, new = changed_fields(before, snapshot(qualification, QUALIFICATION_FIELDS))
    if new:
        record("qualification.update", "qualification", qualification.id, actor=actor,
               before=old, after=new, region_code=organisation.region_code)
    _finish(commit)
    return qualification


def remove_qualification(actor: Any, organisation_id: int, qualification_id: int,
                         *, commit: bool = True) -> None:
    """Remove an unverified or rejected certificate; the audit event keeps what it was."""
    organisation, qualification = _editable_qualification(actor, organisation_id, qualification_id)
    record("qualification.remove", "qualification", qualification.id, actor=actor,
           before=snapshot(qualification, QUALIFICATION_FIELDS),
           region_code=organisation.region_code)
    db.session.delete(qualification)
    _finish(commit)


def end_affiliation(actor: Any, organisation_id: int, practitioner_id: int, end_date: Any = None,
                    *, commit: bool = True, today: Optional[date] = None) -> Affiliation:
    """The practitioner leaves the organisation on ``end_date`` (today when empty); the
    affiliation stays as history."""
    organisation, _person, affiliation = _managed_person(actor, organisation_id, practitioner_id)
    today = today or local_today()
    try:
        ending = clean_date(end_date) or today
    except TextProblem as problem:
        raise ValidationFailed({"end_date": problem.args[0]})
    if ending > today:
        raise ValidationFailed({"end_date": _l("离职日期不能晚于今天。")})
    if ending < affiliation.start_date:
        raise ValidationFailed({"end_date": _l("离职日期不能早于入职日期（%(start)s）。",
                                               start=affiliation.start_date.isoformat())})
    affiliation.end_date = ending
    record("affiliation.end", "affiliation", affiliation.id, actor=actor,
           before={"end_date": None}, after={"end_date": ending,
                                             "practitioner_id": affiliation.practitioner_id,
                                             "organisation_id": organisation.id},
           region_code=organisation.region_code)
    _finish(commit)
    return affiliation


# --- verification (核验) -------------------------------------------------------------------------

def _region_of_holder(qualification: Qualification, actor: Any = None) -> Optional[str]:
    """The region an event about a certificate belongs to: the holder's organisation (inside the
    actor's jurisdiction when there is one), else any organisation they worked for."""
    for current_only in (True, False):
        organisations = employers(qualification.practitioner_id, current_only=current_only)
        for organisation in organisations:
            if actor is None or actor.role is Role.ADMIN or in_jurisdiction(
                    actor.region_code, organisation.region_code):
                return organisation.region_code
    return None


def _account(user_id: Optional[int]) -> Optional[User]:
    return db.session.get(User, user_id) if user_id is not None else None


def _get_qualification(qualification_id: int) -> Qualification:
    qualification = db.session.get(Qualification, qualification_id)
    if qualification is None:
        raise NotFound(qualification_id)
    return qualification


def _clean_reason(reason: Any) -> str:
    try:
        return clean_text(reason, max_length=500, required=True, multiline=True)
    except TextProblem as problem:
        raise ValidationFailed({"reason": problem.args[0]})


def _decide(actor: Any, qualification: Qualification, action: str, change: Callable[[], None],
            commit: bool) -> Qualification:
    before = snapshot(qualification, QUALIFICATION_FIELDS)
    change()
    old, new = changed_fields(before, snapshot(qualification, QUALIFICATION_FIELDS))
    record(action, "qualification", qualification.id, actor=actor, before=old, after=new,
           region_code=_region_of_holder(qualification, actor))
    _finish(commit)
    return qualification


def verify_qualification(actor: Any, qualification_id: int, *, commit: bool = True,
                         today: Optional[date] = None) -> Qualification:
    """unverified → verified, with who and when (→ expired at once if its date has passed)."""
    qualification = _get_qualification(qualification_id)
    require_any(actor, Action.QUALIFICATION_VERIFY,
                _holder_employers(qualification, current_only=True))
    if qualification.state is not VerificationState.UNVERIFIED:
        raise StateConflict(_l("只有待核验的证书可以核验。"))
    today = today or local_today()

    def change() -> None:
        past = qualification.expires_on is not None and qualification.expires_on < today
        qualification.state = VerificationState.EXPIRED if past else VerificationState.VERIFIED
        qualification.state_reason = None
        qualification.verified_by_id = actor.id
        qualification.verified_at = utcnow()
    return _decide(actor, qualification, "qualification.verify", change, commit)


def reject_qualification(actor: Any, qualification_id: int, reason: Any,
                         *, commit: bool = True) -> Qualification:
    """unverified → rejected, with the reason the organisation sees (to correct and resubmit)."""
    qualification = _get_qualification(qualification_id)
    require_any(actor, Action.QUALIFICATION_VERIFY,
                _holder_employers(qualification, current_only=True))
    if qualification.state is not VerificationState.UNVERIFIED:
        raise StateConflict(_l("只有待核验的证书可以退回。"))
    cleaned = _clean_reason(reason)

    def change() -> None:
        qualification.state = VerificationState.REJECTED
        qualification.state_reason = cleaned
        qualification.verified_by_id = actor.id  # who decided, shown to nobody but officers
        qualification.verified_at = utcnow()
    return _decide(actor, qualification, "qualification.reject", change, commit)


def revoke_qualification(actor: Any, qualification_id: int, reason: Any,
                         *, commit: bool = True) -> Qualification:
    """verified (or expired) → revoked, with a reason — what a sanction does to a certificate.

    The sanctions domain calls this with ``commit=False`` inside its own transaction.
    """
    qualification = _get_qualification(qualification_id)
    require_any(actor, Action.QUALIFICATION_REVOKE,
                _holder_employers(qualification, current_only=False))
    if qualification.state not in (VerificationState.VERIFIED, VerificationState.EXPIRED):
        raise StateConflict(_l("只有已核验的证书可以撤销。"))
    cleaned = _clean_reason(reason)

    def change() -> None:
        qualification.state = VerificationState.REVOKED
        qualification.state_reason = cleaned
    return _decide(actor, qualification, "qualification.revoke", change, commit)


@dataclass(frozen=True)
class QueueItem:
    """A certificate waiting for verification, and where its holder works now."""

    qualification: Qualification
    practitioner: Practitioner
    organisations: list[Organisation]
    waiting: timedelta

    @property
    def waiting_days(self) -> int:
        return self.waiting.days


@dataclass(frozen=True)
class QueuePage:
    """One page of the verification queue."""

    items: list[QueueItem]
    number: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def _jurisdiction_condition(actor: Any):
    """Organisations the verifier acts for (everything for the admin)."""
    if actor.role is Role.ADMIN:
        return sa.true()
    return in_region(Organisation.region_code, actor.region_code)


def verification_queue(actor: Any, page: int = 1, per_page: int = 50) -> QueuePage:
    """Unverified certificates of people currently working inside the jurisdiction, oldest first."""
    require(actor, Action.QUALIFICATION_VERIFY)
    holders = (sa.select(Affiliation.practitioner_id)
               .join(Organisation, Organisation.id == Affiliation.organisation_id)
               .where(Affiliation.end_date.is_(None), _jurisdiction_condition(actor)))
    query = (sa.select(Qualification)
             .where(Qualification.state == VerificationState.UNVERIFIED,
                    Qualification.practitioner_id.in_(holders))
             .options(joinedload(Qualification.practitioner))
             .order_by(Qualification.created_at, Qualification.id))
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    now = utcnow()
    items = [QueueItem(q, q.practitioner,
                       [o for o in employers(q.practitioner_id, current_only=True)
                        if can(actor, Action.QUALIFICATION_VERIFY, o)],
                       now - q.created_at)
             for q in result.items]
    return QueuePage(items, result.page, max(result.pages, 1), result.total or 0)


@dataclass(frozen=True)
class QualificationReview:
    """A certificate as a verifier sees it before deciding."""

    qualification: Qualification
    practitioner: Practitioner
    organisations: list[Organisation]
    can_verify: bool
    can_revoke: bool
    decided_by: Optional[User]


def qualification_review(actor: Any, qualification_id: int) -> QualificationReview:
    """One certificate for a verifier, with what they may do to it (PermissionDenied otherwise)."""
    qualification = _get_qualification(qualification_id)
    verify = can_any(actor, Action.QUALIFICATION_VERIFY,
                     _holder_employers(qualification, current_only=True))
    revoke = can_any(actor, Action.QUALIFICATION_REVOKE,
                     _holder_employers(qualification, current_only=False))
    if not (verify or revoke):
        raise PermissionDenied(Action.QUALIFICATION_VERIFY)
    decided_by = _account(qualification.verified_by_id)
    return QualificationReview(
        qualification, qualification.practitioner,
        employers(qualification.practitioner_id, current_only=True),
        verify and qualification.state is VerificationState.UNVERIFIED,
        revoke and qualification.state in (VerificationState.VERIFIED, VerificationState.EXPIRED),
        decided_by,
    )


# --- expiry --------------------------------------------------------------------------------------

def effective_state(qualification: Qualification, today: date) -> VerificationState:
    """The state as of ``today``: a verified certificate past its expiry date is expired even
    before ``expire_qualifications`` has written it down (reads never write)."""
    if (qualification.state is VerificationState.VERIFIED and qualification.expires_on is not None
            and qualification.expires_on < today):
        return VerificationState.EXPIRED
    return qualification.state


def _due(today: date):
    return sa.select(Qualification.id).where(Qualification.state == VerificationState.VERIFIED,
                                             Qualification.expires_on < today)


def count_due_for_expiry(today: date) -> int:
    """How many verified certificates are past their expiry date."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(_due(today).subquery())) or 0


def expire_qualifications(today: Optional[date] = None,
                          progress: Optional[Callable[[int], None]] = None) -> int:
    """Mark verified certificates whose expiry date has passed as expired (the system acts);
    returns how many. Committed batch by batch: running it again only does what is left."""
    today = today or local_today()
    ids = list(db.session.scalars(_due(today).order_by(Qualification.id)))
    for start in range(0, len(ids), EXPIRY_BATCH):
        batch = db.session.scalars(sa.select(Qualification)
                                   .where(Qualification.id.in_(ids[start:start + EXPIRY_BATCH])))
        for qualification in batch:
            qualification.state = VerificationState.EXPIRED
            record("qualification.expire", "qualification", qualification.id, actor=None,
                   before={"state": VerificationState.VERIFIED},
                   after={"state": VerificationState.EXPIRED,
                          "expires_on": qualification.expires_on},
                   region_code=_region_of_holder(qualification))
        db.session.commit()
        if progress:
            progress(len(ids[start:start + EXPIRY_BATCH]))
    return len(ids)


# --- what the public sees ------------------------------------------------------------------------

@dataclass(frozen=True)
class VerificationMarking:
    """Who verified a certificate, and when, as the public page shows it."""

    verifier: str
    verified_at: Optional[datetime]

    def __str__(self) -> str:
        if self.verified_at is None:
            return _("由%(verifier)s核验", verifier=self.verifier)
        return _("由%(verifier)s于 %(date)s 核验", verifier=self.verifier,
                 date=format_date(self.verified_at))


def _verifier_name(user: Optional[User]) -> str:
    """The verifying account's public name: its display name, its association, or its
    jurisdiction + 主管部门 — never an email address."""
    if user is not None and user.display_name:
        return user.display_name
    if user is not None and user.role is Role.ASSESSOR and user.association is not None:
        return user.association.name
    if user is not None and user.region is not None:
        return _("%(region)s主管部门", region=user.region.name)
    return _("主管部门")


def verification_marking(qualification: Qualification) -> Optional[VerificationMarking]:
    """The marking of a verified (or since expired) certificate; None for any other state."""
    if qualification.state not in (VerificationState.VERIFIED, VerificationState.EXPIRED):
        return None
    return VerificationMarking(_verifier_name(qualification.verified_by),
                               qualification.verified_at)


# --- certificate lookup (证书查询) -----------------------------------------------------------------

class CertificateStatus(enum.Enum):
    """The only answers the lookup gives."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class CertificateAnswer:
    """What the public learns: the status, and for a known certificate its kind, issuer and
    expiry date — nothing that identifies the holder beyond what was typed."""

    status: CertificateStatus
    kind: Optional[str] = None
    issuer: Optional[str] = None
    expires_on: Optional[date] = None
    has_details: bool = field(default=False)

    def as_dict(self) -> dict:
        """The JSON body of the API answer."""
        body: dict = {"status": self.status.value}
        if self.has_details:
            body["qualification"] = {
                "kind": self.kind, "kind_label": vocabulary.QUALIFICATION_KINDS.label(self.kind),
                "issuer": self.issuer,
                "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            }
        return body


NOT_FOUND = CertificateAnswer(CertificateStatus.NOT_FOUND)
_ANSWERED_STATES = (VerificationState.VERIFIED, VerificationState.EXPIRED,
                    VerificationState.REVOKED)
_STATUS_OF = {
    VerificationState.VERIFIED: CertificateStatus.VALID,
    VerificationState.EXPIRED: CertificateStatus.EXPIRED,
    VerificationState.REVOKED: CertificateStatus.REVOKED,
}
_PREFERENCE = (CertificateStatus.VALID, CertificateStatus.EXPIRED, CertificateStatus.REVOKED)


def _answer(qualification: Qualification, today: date) -> CertificateAnswer:
    status = _STATUS_OF[effective_state(qualification, today)]
    # A revoked certificate has no validity left to state.
    expires_on = None if status is CertificateStatus.REVOKED else qualification.expires_on
    return CertificateAnswer(status, qualification.kind, qualification.issuer, expires_on,
                             has_details=True)


def lookup_certificate(number: Any, name: Any, today: Optional[date] = None) -> CertificateAnswer:
    """Answer 证书查询 for a certificate number and its holder's name.

    A wrong name answers exactly like an unknown number, and unverified or rejected certificates
    are "not found", so the lookup confirms only what the asker already knows. Names compare
    after NFKC with every space removed. Missing input: ValidationFailed (number, name).
    """
    errors = {}
    if not normalise(number):
        errors["number"] = _l("请填写证书编号。")
    if not normalise(name):
        errors["name"] = _l("请填写持证人姓名。")
    if errors:
        raise ValidationFailed(errors)
    wanted_number = normalise(number).replace(" ", "").upper()
    wanted_name = _name_key(name)
    if len(wanted_number) > 40 or len(wanted_name) > 60:
        return NOT_FOUND  # longer than any stored value
    if any(unicodedata.category(ch) == "Cc" for ch in wanted_number + wanted_name):
        return NOT_FOUND  # no stored value holds control characters (PostgreSQL refuses NUL)
    today = today or local_today()
    candidates = db.session.scalars(
        sa.select(Qualification)
        # Naming every kind lets the (kind, certificate_number) unique index serve the lookup.
        .where(Qualification.kind.in_(vocabulary.QUALIFICATION_KINDS.codes),
               Qualification.certificate_number == wanted_number,
               Qualification.state.in_(_ANSWERED_STATES))
        .options(joinedload(Qualification.practitioner))
        .order_by(Qualification.id)
    )
    answers = [_answer(q, today) for q in candidates
               if _name_key(q.practitioner.name) == wanted_name]
    if not answers:
        return NOT_FOUND
    # The same number under two kinds for one person is improbable; a valid one answers first.
    return min(answers, key=lambda answer: _PREFERENCE.index(answer.status))
