"""Who a recommendation, sanction or complaint is about: an organisation or a practitioner.

A practitioner has no region of their own; they belong to the regions of the organisations
they work for. ``Subject.region_code`` is the region an officer acts in (an organisation of
the practitioner inside the officer's jurisdiction when there is one), and
``Subject.organisation_id`` the organisation whose staff speak for the subject, so that the
policy (``registry.auth.policy.can``) can judge a ``Subject`` like any other record.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry.auth.models import Role
from registry.auth.policy import in_jurisdiction
from registry.extensions import db
from registry.orgs.models import Organisation
from registry.practitioners.models import Affiliation, Practitioner
from registry.practitioners.services import employers as practitioner_employers
from registry.validation import NotFound, ValidationFailed

ORGANISATION = "organisation"
PRACTITIONER = "practitioner"
KINDS = (ORGANISATION, PRACTITIONER)


@dataclass(frozen=True)
class Subject:
    """An organisation or a practitioner, with the region and organisation it is judged by."""

    kind: str
    organisation: Optional[Organisation]
    practitioner: Optional[Practitioner]
    region_code: Optional[str]
    organisation_id: Optional[int]

    @property
    def id(self) -> int:
        return self.organisation.id if self.organisation is not None else self.practitioner.id

    @property
    def name(self) -> str:
        return self.organisation.name if self.organisation is not None else self.practitioner.name

    def columns(self) -> dict:
        """The subject's foreign keys, for a row that has exactly one subject."""
        return {"organisation_id": self.organisation.id if self.organisation else None,
                "practitioner_id": self.practitioner.id if self.practitioner else None}


def employer_for(practitioner_id: int, actor: Any = None) -> Optional[Organisation]:
    """The organisation a practitioner is judged through: for an organisation account, its own
    organisation if the practitioner works (or worked) there; for an officer, one inside the
    jurisdiction; otherwise the current (else the latest) employer."""
    for current_only in (True, False):
        employers = practitioner_employers(practitioner_id, current_only=current_only)
        if actor is not None and getattr(actor, "role", None) is Role.ORG:
            employers = [o for o in employers if o.id == actor.organisation_id]
        elif actor is not None and getattr(actor, "role", None) in (Role.REGULATOR,
                                                                     Role.ASSESSOR):
            inside = [o for o in employers if in_jurisdiction(actor.region_code, o.region_code)]
            employers = inside or employers
        if employers:
            return employers[0]
    return None


def organisation_subject(organisation: Organisation) -> Subject:
    """An organisation as a subject."""
    return Subject(ORGANISATION, organisation, None, organisation.region_code, organisation.id)


def practitioner_subject(practitioner: Practitioner, actor: Any = None) -> Subject:
    """A practitioner as a subject, judged through ``employer_for(…, actor)``."""
    employer = employer_for(practitioner.id, actor)
    return Subject(PRACTITIONER, None, practitioner,
                   employer.region_code if employer else None,
                   employer.id if employer else None)


def load_subject(kind: Any, subject_id: Any, actor: Any = None) -> Subject:
    """The subject named by a kind and an id as typed (ValidationFailed / NotFound)."""
    if kind not in KINDS:
        raise ValidationFailed({"subject_kind": _l("请选择惩戒对象：机构或从业人员。")})
    try:
        number = int(str(subject_id).strip())
    except (TypeError, ValueError):
        raise ValidationFailed({"subject_id": _l("请选择惩戒对象。")}) from None
    if kind == ORGANISATION:
        organisation = db.session.get(Organisation, number)
        if organisation is None:
            raise NotFound(number)
        return organisation_subject(organisation)
    practitioner = db.session.get(Practitioner, number)
    if practitioner is None:
        raise NotFound(number)
    return practitioner_subject(practitioner, actor)


def find_subjects(actor: Any, kind: str, text: Any, limit: int = 20) -> list[Subject]:
    """Organisations (by USCC or part of the name) or practitioners (by name or certificate
    number) inside the officer's jurisdiction, for choosing whom a decision concerns."""
    from registry.orgs.models import PUBLIC_STATUSES
    from registry.practitioners.models import Qualification
    from registry.regions.services import in_region
    from registry.text import normalise

    term = normalise(text)
    if len(term) < 2:
        return []
    everywhere = getattr(actor, "role", None) is Role.ADMIN
    if kind == ORGANISATION:
        query = (sa.select(Organisation)
                 .where(Organisation.status.in_(PUBLIC_STATUSES),
                        sa.or_(Organisation.uscc == term.upper(),
                               Organisation.name.contains(term, autoescape=True)))
                 .order_by(Organisation.name, Organisation.id).limit(limit))
        if not everywhere:
            query = query.where(in_region(Organisation.region_code, actor.region_code))
        return [organisation_subject(o) for o in db.session.scalars(query)]
    by_certificate = sa.select(Qualification.practitioner_id).where(
        Qualification.certificate_number == term.upper())
    query = (sa.select(Practitioner).join(Affiliation)
             .join(Organisation, Organisation.id == Affiliation.organisation_id)
             .where(sa.or_(Practitioner.name == term, Practitioner.id.in_(by_certificate)))
             .order_by(Practitioner.name, Practitioner.id).limit(limit))
    if not everywhere:
        query = query.where(in_region(Organisation.region_code, actor.region_code))
    return [practitioner_subject(p, actor) for p in db.session.scalars(query).unique()]
