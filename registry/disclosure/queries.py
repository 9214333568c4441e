"""Public lists behind the API, the open data and the feeds: public records only.

Sanctions are selected with ``disclosed_condition`` (the one definition of "in disclosure"),
organisations with ``PUBLIC_STATUSES``, evaluations in the published state, designations
that are current; the same queries serve a page of the API and a whole download.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Iterator, Optional

import sqlalchemy as sa
from flask_babel import get_timezone
from sqlalchemy.orm import joinedload

from registry.audit.models import AuditEvent
from registry.evaluation.models import DemonstrationDesignation, Evaluation, EvaluationState
from registry.extensions import db
from registry.orgs.models import PUBLIC_STATUSES, Organisation
from registry.practitioners.models import (
    Affiliation,
    Practitioner,
    Qualification,
    VerificationState,
)
from registry.public.services import Page, PageOutOfRange
from registry.regions.services import in_region
from registry.sanctions.models import Sanction, SanctionType
from registry.sanctions.publication import public_sanctions

BATCH = 500
# Qualifications the public sees (a verified one that has since expired is shown as such).
PUBLIC_QUALIFICATION_STATES = (VerificationState.VERIFIED, VerificationState.EXPIRED)


@dataclass(frozen=True)
class SanctionFilters:
    """What the public sanction list filters by; None filters nothing."""

    region: Optional[str] = None
    sanction_type: Optional[SanctionType] = None
    subject: Optional[str] = None  # "organisation" or "practitioner"
    organisation_id: Optional[int] = None
    practitioner_id: Optional[int] = None


def page_of(query: sa.Select, page: int, per_page: int) -> Page:
    """One page of ``query``'s rows; raises PageOutOfRange past the last page."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None)
                                                                    .subquery())) or 0
    if page < 1 or (page > 1 and (page - 1) * per_page >= total):
        raise PageOutOfRange(page)
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, per_page, total)


def in_batches(query: sa.Select, key, size: int = BATCH) -> Iterator[list]:
    """``query``'s rows in keyset batches on the unique, ascending column ``key``, so a
    download of any size holds one batch in memory at a time."""
    last = None
    while True:
        batch_query = query.order_by(key).limit(size)
        if last is not None:
            batch_query = batch_query.where(key > last)
        rows = list(db.session.scalars(batch_query))
        if not rows:
            return
        yield rows
        last = getattr(rows[-1], key.key)
        if len(rows) < size:
            return


# --- sanctions ------------------------------------------------------------------------------

def disclosed_sanctions(today: date, filters: SanctionFilters = SanctionFilters()) -> sa.Select:
    """Sanctions in disclosure on ``today`` matching ``filters``, newest decision first: the
    public list's query (``publication.public_sanctions``) narrowed to one subject if asked."""
    query = public_sanctions(today, filters.region, filters.sanction_type, filters.subject)
    if filters.organisation_id is not None:
        query = query.where(Sanction.organisation_id == filters.organisation_id)
    if filters.practitioner_id is not None:
        query = query.where(Sanction.practitioner_id == filters.practitioner_id)
    return query


# --- organisations, designations, evaluations ----------------------------------------------

def public_organisations(region: Optional[str] = None) -> sa.Select:
    """Organisations on public pages (active, suspended, exited), inside ``region``."""
    query = (sa.select(Organisation).where(Organisation.status.in_(PUBLIC_STATUSES))
             .options(joinedload(Organisation.region)))
    if region:
        query = query.where(in_region(Organisation.region_code, region))
    return query


def current_designations(today: date, region: Optional[str] = None) -> sa.Select:
    """Current demonstration-unit designations of public organisations, by region and name."""
    query = (sa.select(DemonstrationDesignation)
             .join(Organisation, Organisation.id == DemonstrationDesignation.organisation_id)
             .where(DemonstrationDesignation.current_condition(today), Organisation.status.in_(PUBLIC_STATUSES))
             .options(joinedload(DemonstrationDesignation.organisation)
                      .joinedload(Organisation.region))
             .order_by(Organisation.region_code, Organisation.name, DemonstrationDesignation.id))
    if region:
        query = query.where(in_region(Organisation.region_code, region))
    return query


def published_evaluations(region: Optional[str] = None) -> sa.Select:
    """Published evaluations (never drafts or superseded revisions) of public organisations."""
    query = (sa.select(Evaluation)
             .join(Organisation, Organisation.id == Evaluation.organisation_id)
             .where(Evaluation.state == EvaluationState.PUBLISHED,
                    Organisation.status.in_(PUBLIC_STATUSES))
             .options(joinedload(Evaluation.association), joinedload(Evaluation.organisation)))
    if region:
        query = query.where(in_region(Organisation.region_code, region))
    return query


# --- practitioners ---------------------------------------------------------------------------

def public_practitioners() -> sa.Select:
    """Practitioners with a public page: an affiliation with a public organisation or a
    verified qualification (``registry.public.services.practitioner_profile``'s rule)."""
    public_affiliation = (sa.select(Affiliation.id)
                          .join(Organisation, Organisation.id == Affiliation.organisation_id)
                          .where(Affiliation.practitioner_id == Practitioner.id,
                                 Organisation.status.in_(PUBLIC_STATUSES)))
    public_qualification = sa.select(Qualification.id).where(
        Qualification.practitioner_id == Practitioner.id,
        Qualification.state.in_(PUBLIC_QUALIFICATION_STATES))
    return sa.select(Practitioner).where(sa.or_(public_affiliation.exists(),
                                                public_qualification.exists()))


def public_affiliations(practitioner_ids: list[int]) -> dict[int, list[Affiliation]]:
    """Each practitioner's affiliations with public organisations, current first."""
    grouped: dict[int, list[Affiliation]] = {}
    if not practitioner_ids:
        return grouped
    rows = db.session.scalars(
        sa.select(Affiliation).join(Organisation, Organisation.id == Affiliation.organisation_id)
        .where(Affiliation.practitioner_id.in_(practitioner_ids),
               Organisation.status.in_(PUBLIC_STATUSES))
        .options(joinedload(Affiliation.organisation))
        .order_by(Affiliation.end_date.is_not(None), Affiliation.start_date, Affiliation.id))
    for affiliation in rows:
        grouped.setdefault(affiliation.practitioner_id, []).append(affiliation)
    return grouped


# --- freshness -------------------------------------------------------------------------------

def last_change(today: date) -> datetime:
    """When public data last changed at the latest: the newest audit event (every change of
    state writes one), or the start of ``today``, when disclosure periods begin and end by date
    alone, whichever is later."""
    midnight = get_timezone().localize(datetime.combine(today, time(0)))  # pytz zones
    newest = db.session.scalar(sa.select(AuditEvent.occurred_at)
                               .order_by(AuditEvent.id.desc()).limit(1))
    return max(newest, midnight) if newest is not None else midnight
