"""Read-only queries behind the public pages: public records only, public fields only.

Practitioners leave this module as ``PublicPractitioner`` values, which have no field for
the ID number, so no template can display it by mistake.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Generic, Optional, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from registry.evaluation.models import (
    DemonstrationDesignation,
    Evaluation,
    EvaluationState,
    Grade,
)
from registry.extensions import db
from registry.orgs.models import PUBLIC_STATUSES, Organisation, OrganisationStatus
from registry.practitioners.models import (
    Affiliation,
    AffiliationRole,
    Gender,
    Practitioner,
    Qualification,
    VerificationState,
)
from registry.regions.models import Region
from registry.regions.services import ancestors, children, in_region
from registry.sanctions.models import Sanction
from registry.sanctions.publication import disclosed_condition
from registry.sanctions.status import Standing, organisation_standing, practitioner_status

T = TypeVar("T")


class PageOutOfRange(LookupError):
    """The requested page number lies outside the list."""


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, with what is needed to link to the others."""

    items: list[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, possibly empty)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


@dataclass(frozen=True)
class RegisterTotals:
    """Headline figures for the home page."""

    organisations: int
    practitioners: int


@dataclass(frozen=True)
class RegionCount:
    """A region and how many active organisations lie inside it."""

    region: Region
    count: int


@dataclass(frozen=True)
class OrganisationSummary:
    """One row of an organisation list."""

    organisation: Organisation
    is_demonstration: bool
    latest_grade: Optional[Grade]


@dataclass(frozen=True)
class PublicPractitioner:
    """The public fields of a practitioner; the ID number is deliberately absent."""

    id: int
    name: str
    gender: Optional[Gender]
    specialties: tuple[str, ...]
    ce_hours: int

    @classmethod
    def of(cls, practitioner: Practitioner) -> "PublicPractitioner":
        """Copy the public fields of ``practitioner``."""
        return cls(practitioner.id, practitioner.name, practitioner.gender,
                   tuple(practitioner.specialties or ()), practitioner.ce_hours)


@dataclass(frozen=True)
class StaffMember:
    """A current practitioner of an organisation, with verified qualifications only."""

    practitioner: PublicPractitioner
    role: AffiliationRole
    qualifications: list[Qualification]


@dataclass(frozen=True)
class OrganisationProfile:
    """Everything the public page of one organisation shows."""

    organisation: Organisation
    region_path: list[Region]
    designation: Optional[DemonstrationDesignation]
    evaluation: Optional[Evaluation]
    sanctions: list[Sanction]
    staff: list[StaffMember]
    scores: list = ()  # the latest evaluation's Score rows, in criterion order
    history: Optional["TotalsChart"] = None
    standing: Optional[Standing] = None  # the status on the page's day (shown, not stored)


@dataclass(frozen=True)
class PractitionerProfile:
    """Everything the public page of one practitioner shows."""

    practitioner: PublicPractitioner
    current_affiliations: list[Affiliation]
    past_affiliations: list[Affiliation]
    qualifications: list[Qualification]
    sanctions: list[Sanction]
    status: str = "active"  # active | suspended | exited, from the practitioner's sanctions


# --- home and region navigation -------------------------------------------------------------

def register_totals() -> RegisterTotals:
    """Active organisations, and practitioners holding at least one verified qualification."""
    organisations = db.session.scalar(
        sa.select(sa.func.count()).select_from(Organisation)
        .where(Organisation.status == OrganisationStatus.ACTIVE)
    )
    practitioners = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Qualification.practitioner_id)))
        .where(Qualification.state == VerificationState.VERIFIED)
    )
    return RegisterTotals(organisations or 0, practitioners or 0)


def active_counts_by_region(code: Optional[str] = None) -> dict[str, int]:
    """Active organisations per region code, inside region ``code`` (everywhere when None)."""
    query = (
        sa.select(Organisation.region_code, sa.func.count())
        .where(Organisation.status == OrganisationStatus.ACTIVE)
        .group_by(Organisation.region_code)
    )
    if code is not None:
        query = query.where(in_region(Organisation.region_code, code))
    return {region_code: count for region_code, count in db.session.execute(query)}


def _count_within(counts: dict[str, int], prefix: str) -> int:
    return sum(count for code, count in counts.items() if code.startswith(prefix))


def province_counts() -> list[RegionCount]:
    """Every province with its count; those with organisations first, each group in code order."""
    counts = active_counts_by_region()
    rows = [RegionCount(province, _count_within(counts, province.prefix))
            for province in children(None)]
    return sorted(rows, key=lambda row: row.count == 0)


def child_region_counts(region: Region) -> list[RegionCount]:
    """The direct children of ``region`` (in code order) with their counts."""
    counts = active_counts_by_region(region.code)
    return [RegionCount(child, _count_within(counts, child.prefix))
            for child in children(region.code)]


def region_path(region: Region) -> list[Region]:
    """Province → city → county down to ``region`` (breadcrumbs)."""
    return ancestors(region)


# --- organisation lists ---------------------------------------------------------------------

def region_organisations(code: str, page: int, per_page: int,
                         today: date) -> Page[OrganisationSummary]:
    """Active organisations inside region ``code``, by name; raises PageOutOfRange."""
    condition = sa.and_(Organisation.status == OrganisationStatus.ACTIVE,
                        in_region(Organisation.region_code, code))
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(Organisation).where(condition)
    ) or 0
    if page < 1 or (page > 1 and (page - 1) * per_page >= total):
        raise PageOutOfRange(page)
    organisations = list(db.session.scalars(
        sa.select(Organisation).where(condition)
        .options(joinedload(Organisation.region))
        .order_by(Organisation.name, Organisation.id)
        .limit(per_page).offset((page - 1) * per_page)
    ))
    return Page(summarise(organisations, today), page, per_page, total)


def summarise(organisations: list[Organisation], today: date) -> list[OrganisationSummary]:
    """List rows for ``organisations``: demonstration badge and latest grade, in two queries."""
    ids = [organisation.id for organisation in organisations]
    demonstration = {designation.organisation_id for designation in _designations(ids)
                     if designation.is_current(today)}
    evaluations = _latest_evaluations(ids)
    return [
        OrganisationSummary(
            organisation,
            organisation.id in demonstration,
            evaluations[organisation.id].grade if organisation.id in evaluations else None,
        )
        for organisation in organisations
    ]


def _designations(organisation_ids: list[int]) -> list[DemonstrationDesignation]:
    if not organisation_ids:
        return []
    return list(db.session.scalars(
        sa.select(DemonstrationDesignation)
        .where(DemonstrationDesignation.organisation_id.in_(organisation_ids))
        .order_by(DemonstrationDesignation.year.desc(), DemonstrationDesignation.id.desc())
    ))


def _latest_evaluations(organisation_ids: list[int]) -> dict[int, Evaluation]:
    """The latest published evaluation of each organisation (latest cycle, then publication)."""
    if not organisation_ids:
        return {}
    evaluations = db.session.scalars(
        sa.select(Evaluation)
        .where(Evaluation.organisation_id.in_(organisation_ids),
               Evaluation.state == EvaluationState.PUBLISHED)
        .options(joinedload(Evaluation.association))
        .order_by(*Evaluation.latest_first())
    )
    latest: dict[int, Evaluation] = {}
    for evaluation in evaluations:
        latest.setdefault(evaluation.organisation_id, evaluation)
    return latest


# --- organisation page ----------------------------------------------------------------------

def public_organisation(organisation_id: int) -> Optional[Organisation]:
    """The organisation if the public may see it (active, suspended or exited), else None."""
    organisation = db.session.get(Organisation, organisation_id)
    return organisation if organisation is not None and organisation.is_public else None


def organisation_profile(organisation_id: int, today: date) -> Optional[OrganisationProfile]:
    """The public page of an organisation, or None when it is not public.

    A fixed number of queries whatever the organisation holds (pinned by a test): the
    organisation with its region chain, its designations, its published evaluations (the
    latest and the chart from one list), the scores of the latest, its sanctions in
    disclosure and its restrictions, its staff, their qualifications and who verified them.
    """
    organisation = db.session.scalars(
        sa.select(Organisation).where(Organisation.id == organisation_id)
        .options(joinedload(Organisation.region).joinedload(Region.parent)
                 .joinedload(Region.parent))
    ).one_or_none()
    if organisation is None or not organisation.is_public:
        return None
    current = [designation for designation in _designations([organisation.id])
               if designation.is_current(today)]
    evaluations = _published_evaluations(organisation.id)
    evaluation = evaluations[-1] if evaluations else None
    return OrganisationProfile(
        organisation=organisation,
        region_path=ancestors(organisation.region),
        designation=current[0] if current else None,
        evaluation=evaluation,
        sanctions=disclosed_sanctions(today, organisation_id=organisation.id),
        staff=current_staff(organisation.id),
        scores=_scores(evaluation),
        history=_chart_of(evaluations),
        standing=organisation_standing(organisation, today),
    )


def _published_evaluations(organisation_id: int) -> list[Evaluation]:
    """The organisation's published evaluations, oldest first: the last one is the latest
    (``Evaluation.latest_first``, reversed)."""
    latest_first = db.session.scalars(
        sa.select(Evaluation)
        .where(Evaluation.organisation_id == organisation_id,
               Evaluation.state == EvaluationState.PUBLISHED)
        .options(joinedload(Evaluation.association))
        .order_by(*Evaluation.latest_first())
    )
    return list(latest_first)[::-1]


def _scores(evaluation: Optional[Evaluation]) -> list:
    """Per-criterion scores of a published evaluation (drafts never reach this point)."""
    if evaluation is None:
        return []
    from registry.evaluation.models import RubricCriterion, Score

    return list(db.session.scalars(
        sa.select(Score).join(RubricCriterion, RubricCriterion.id == Score.criterion_id)
        .where(Score.evaluation_id == evaluation.id)
        .options(joinedload(Score.criterion))
        .order_by(RubricCriterion.position)
    ))


@dataclass(frozen=True)
class ChartPoint:
    """One cycle's total, placed in the chart's coordinates."""

    cycle: int
    total: float
    grade: Grade
    x: float
    y: float


@dataclass(frozen=True)
class TotalsChart:
    """Published totals over cycles, laid out for a small server-rendered SVG line chart."""

    points: list[ChartPoint]
    width: int = 320
    height: int = 140
    left: int = 36
    right: int = 16
    top: int = 12
    bottom: int = 28

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:g},{point.y:g}" for point in self.points)

    def y_of(self, value: float) -> float:
        """The vertical position of ``value`` (0 … 100 points)."""
        span = self.height - self.top - self.bottom
        return round(self.top + span * (1 - value / 100), 1)

    @property
    def gridlines(self) -> list[tuple[int, float]]:
        return [(value, self.y_of(value)) for value in (0, 60, 75, 90, 100)]


def _chart_of(evaluations: list[Evaluation]) -> Optional[TotalsChart]:
    """The chart of published ``evaluations`` given oldest first."""
    latest: dict[int, Evaluation] = {}
    for evaluation in evaluations:
        latest[evaluation.cycle] = evaluation  # a later publication in a cycle wins
    if not latest:
        return None
    layout = TotalsChart([])
    cycles = sorted(latest)
    inner = layout.width - layout.left - layout.right
    step = inner / (len(cycles) - 1) if len(cycles) > 1 else 0
    points = [
        ChartPoint(cycle, latest[cycle].total, latest[cycle].grade,
                   round(layout.left + (step * index if step else inner / 2), 1),
                   layout.y_of(latest[cycle].total))
        for index, cycle in enumerate(cycles)
    ]
    return TotalsChart(points)


def disclosed_sanctions(today: date, organisation_id: Optional[int] = None,
                        practitioner_id: Optional[int] = None) -> list[Sanction]:
    """Sanctions of one subject whose disclosure period is running, newest decision first."""
    if (organisation_id is None) == (practitioner_id is None):
        raise ValueError("give exactly one of organisation_id and practitioner_id")
    subject = (Sanction.organisation_id == organisation_id if organisation_id is not None
               else Sanction.practitioner_id == practitioner_id)
    return list(db.session.scalars(
        sa.select(Sanction).where(subject, disclosed_condition(today))
        .order_by(Sanction.decision_date.desc(), Sanction.id.desc())
    ))


def current_staff(organisation_id: int) -> list[StaffMember]:
    """Practitioners currently affiliated to the organisation, by name."""
    affiliations = [
        affiliation for affiliation in db.session.scalars(
            sa.select(Affiliation).where(Affiliation.organisation_id == organisation_id)
            .options(joinedload(Affiliation.practitioner))
        )
        if affiliation.is_current
    ]
    qualifications = verified_qualifications([a.practitioner_id for a in affiliations],
                                             with_verifiers=True)
    staff = [
        StaffMember(PublicPractitioner.of(affiliation.practitioner), affiliation.role,
                    qualifications.get(affiliation.practitioner_id, []))
        for affiliation in affiliations
    ]
    return sorted(staff, key=lambda member: (member.practitioner.name, member.practitioner.id))


def verified_qualifications(practitioner_ids: list[int], *, with_verifiers: bool = False
                            ) -> dict[int, list[Qualification]]:
    """Verified qualifications of each practitioner, including those verified and since expired
    (shown as 已过期); unverified, rejected and revoked ones are left out. ``with_verifiers``
    also reads, in one more query, the accounts that verified them and what names those in
    public (a page's markings, ``verification_marking``, then query nothing)."""
    if not practitioner_ids:
        return {}
    query = (sa.select(Qualification)
             .where(Qualification.practitioner_id.in_(practitioner_ids),
                    Qualification.state.in_((VerificationState.VERIFIED,
                                             VerificationState.EXPIRED)))
             .order_by(Qualification.issued_on, Qualification.id))
    if with_verifiers:
        from registry.auth.models import User

        query = query.options(selectinload(Qualification.verified_by).options(
            joinedload(User.association), joinedload(User.region)))
    grouped: dict[int, list[Qualification]] = {}
    for qualification in db.session.scalars(query):
        grouped.setdefault(qualification.practitioner_id, []).append(qualification)
    return grouped


# --- practitioner page ----------------------------------------------------------------------

def practitioner_profile(practitioner_id: int, today: date) -> Optional[PractitionerProfile]:
    """The public page of a practitioner, or None when nothing about them is public.

    Affiliations with organisations that are not public (draft, submitted, rejected) are
    left out: naming an unapproved organisation on a public page would disclose it.
    """
    practitioner = db.session.scalars(
        sa.select(Practitioner).where(Practitioner.id == practitioner_id)
        .options(selectinload(Practitioner.affiliations).joinedload(Affiliation.organisation))
    ).one_or_none()
    if practitioner is None:
        return None
    affiliations = [a for a in practitioner.affiliations if a.organisation.is_public]
    qualifications = verified_qualifications([practitioner.id], with_verifiers=True
                                             ).get(practitioner.id, [])
    if not affiliations and not qualifications:
        return None
    return PractitionerProfile(
        practitioner=PublicPractitioner.of(practitioner),
        current_affiliations=[a for a in affiliations if a.is_current],
        past_affiliations=[a for a in affiliations if not a.is_current],
        qualifications=qualifications,
        sanctions=disclosed_sanctions(today, practitioner_id=practitioner.id),
        status=practitioner_status(practitioner.id, today),
    )


# --- demonstration units ----------------------------------------------------------------------

def demonstration_counts(code: Optional[str], today: date) -> list[RegionCount]:
    """The direct sub-regions of ``code`` (provinces when None) with their current units."""
    query = (sa.select(Organisation.region_code,
                       sa.func.count(sa.distinct(Organisation.id)))
             .join(DemonstrationDesignation,
                   DemonstrationDesignation.organisation_id == Organisation.id)
             .where(DemonstrationDesignation.current_condition(today), Organisation.status.in_(PUBLIC_STATUSES))
             .group_by(Organisation.region_code))
    if code is not None:
        query = query.where(in_region(Organisation.region_code, code))
    counts = dict(db.session.execute(query).all())
    return [RegionCount(child, _count_within(counts, child.prefix)) for child in children(code)]


def demonstration_units(code: Optional[str], page: int, per_page: int,
                        today: date) -> Page[OrganisationSummary]:
    """Organisations holding a current designation inside ``code``, by region and name."""
    current = sa.select(DemonstrationDesignation.organisation_id).where(
        DemonstrationDesignation.current_condition(today))
    condition = sa.and_(Organisation.status.in_(PUBLIC_STATUSES), Organisation.id.in_(current))
    if code is not None:
        condition = sa.and_(condition, in_region(Organisation.region_code, code))
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(Organisation).where(condition)) or 0
    if page < 1 or (page > 1 and (page - 1) * per_page >= total):
        raise PageOutOfRange(page)
    organisations = list(db.session.scalars(
        sa.select(Organisation).where(condition).options(joinedload(Organisation.region))
        .order_by(Organisation.region_code, Organisation.name, Organisation.id)
        .limit(per_page).offset((page - 1) * per_page)))
    return Page(summarise(organisations, today), page, per_page, total)
