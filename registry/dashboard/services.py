"""Evaluation coverage (评估覆盖率): how many active social counselling organisations of a region
have a published evaluation for a cycle, against the target rate, and how many demonstration
units are current against the target count.

Settings read here (declared in ``registry/config.py``): ``EVALUATION_RATE_TARGET`` (0.8) and
``DEMONSTRATION_TARGET`` (100).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from registry.auth.policy import Action, require
from registry.evaluation.models import DemonstrationDesignation, Evaluation, EvaluationState
from registry.extensions import db
from registry.validation import NotFound
from registry.orgs.models import Organisation, OrganisationStatus
from registry.regions.models import Region
from registry.regions.services import children, get_region, in_region

# The organisation type the 80% evaluation target is about (社会心理咨询机构).
COVERED_TYPE = "social_counselling"


class UnknownRegion(NotFound):
    """No such region code (a 404, like any unknown record)."""


@dataclass(frozen=True)
class Coverage:
    """The figures for one region and cycle."""

    region: Optional[Region]  # None: the whole country
    cycle: int
    organisations: int
    evaluated: int
    demonstration_units: int
    rate_target: float
    demonstration_target: int

    @property
    def rate(self) -> Optional[float]:
        """Evaluated / organisations; None when there is nothing to evaluate."""
        return self.evaluated / self.organisations if self.organisations else None

    @property
    def meets_target(self) -> bool:
        return self.rate is not None and self.rate >= self.rate_target

    @property
    def still_to_evaluate(self) -> int:
        return self.organisations - self.evaluated

    @property
    def demonstration_share(self) -> float:
        """Current demonstration units as a share of the target count."""
        return self.demonstration_units / self.demonstration_target \
            if self.demonstration_target else 0.0


@dataclass(frozen=True)
class CoverageReport:
    """A region's figures and those of each direct sub-region."""

    total: Coverage
    subregions: list[Coverage]


def _covered(code: Optional[str]):
    condition = sa.and_(Organisation.status == OrganisationStatus.ACTIVE,
                        Organisation.org_type == COVERED_TYPE)
    return condition if code is None else sa.and_(condition,
                                                  in_region(Organisation.region_code, code))


def _evaluated_ids(cycle: int):
    return sa.select(Evaluation.organisation_id).where(
        Evaluation.cycle == cycle, Evaluation.state == EvaluationState.PUBLISHED)


def _counts(code: Optional[str], cycle: int) -> dict[str, tuple[int, int]]:
    """(organisations, evaluated) per region code inside ``code``."""
    evaluated = sa.case((Organisation.id.in_(_evaluated_ids(cycle)), 1), else_=0)
    query = (sa.select(Organisation.region_code, sa.func.count(), sa.func.sum(evaluated))
             .where(_covered(code)).group_by(Organisation.region_code))
    return {region: (total, int(done or 0)) for region, total, done in db.session.execute(query)}


def _demonstration_counts(code: Optional[str], today: date) -> dict[str, int]:
    """Organisations holding a current designation, per region code inside ``code``."""
    query = (sa.select(Organisation.region_code,
                       sa.func.count(sa.distinct(DemonstrationDesignation.organisation_id)))
             .join(Organisation, Organisation.id == DemonstrationDesignation.organisation_id)
             .where(DemonstrationDesignation.current_condition(today))
             .group_by(Organisation.region_code))
    if code is not None:
        query = query.where(in_region(Organisation.region_code, code))
    return dict(db.session.execute(query).all())


def _coverage(region: Optional[Region], cycle: int, counts: dict, units: dict) -> Coverage:
    prefix = region.prefix if region is not None else ""
    inside = [value for code, value in counts.items() if code.startswith(prefix)]
    config = current_app.config
    return Coverage(
        region=region, cycle=cycle,
        organisations=sum(total for total, _ in inside),
        evaluated=sum(done for _, done in inside),
        demonstration_units=sum(n for code, n in units.items() if code.startswith(prefix)),
        rate_target=config["EVALUATION_RATE_TARGET"],
        demonstration_target=config["DEMONSTRATION_TARGET"],
    )


def _region(code: Optional[str]) -> Optional[Region]:
    if code is None:
        return None
    region = get_region(code)
    if region is None:
        raise UnknownRegion(code)
    return region


def coverage(code: Optional[str], cycle: int, today: date) -> Coverage:
    """The figures for region ``code`` (None: everywhere) and ``cycle``."""
    region = _region(code)
    return _coverage(region, cycle, _counts(code, cycle), _demonstration_counts(code, today))


def coverage_report(actor, code: Optional[str], cycle: int, today: date) -> CoverageReport:
    """The region's figures and each direct sub-region's (regulators: their jurisdiction)."""
    require(actor, Action.DASHBOARD_VIEW, code or "")  # "" (everywhere) is for the admin only
    region = _region(code)
    counts, units = _counts(code, cycle), _demonstration_counts(code, today)
    return CoverageReport(
        total=_coverage(region, cycle, counts, units),
        subregions=[_coverage(child, cycle, counts, units) for child in children(code)],
    )


def organisations_to_evaluate(actor, code: Optional[str], cycle: int, page: int, per_page: int):
    """Covered organisations without a published evaluation for ``cycle``, by region and name."""
    require(actor, Action.DASHBOARD_VIEW, code or "")  # "" (everywhere) is for the admin only
    query = (sa.select(Organisation)
             .where(_covered(code), Organisation.id.not_in(_evaluated_ids(cycle)))
             .options(joinedload(Organisation.region))
             .order_by(Organisation.region_code, Organisation.name, Organisation.id))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
