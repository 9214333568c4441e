"""The publication policy of sanctions (公示规则): how long each type stays public.

One rule per sanction type: the minimum and maximum public disclosure period, whether early
removal after the minimum is allowed (信用修复), and whether the sanction stays public
permanently. Modelled on the national credit-repair rules (一般失信行为 3 months – 1 year,
严重失信行为 1 – 3 years; 最短公示期届满后可申请信用修复); an installation overrides a rule
with ``SANCTION_DISCLOSURE_RULES`` (``{"warning": {"min_months": 3, ...}}``).

``disclosed_condition`` is the SQL form of ``Sanction.is_disclosed``: every public list, export
and feed selects with it, so the public sees one answer everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Optional

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from registry.regions.services import in_region
from registry.sanctions.models import Sanction, SanctionType


@dataclass(frozen=True)
class DisclosureRule:
    """How long sanctions of one type are disclosed; months are calendar months."""

    min_months: int
    max_months: Optional[int]  # None: no upper limit
    early_removal: bool  # may a repair request end disclosure after the minimum?
    permanent: bool  # stays public for good (no disclosure end)


DEFAULT_RULES: dict[SanctionType, DisclosureRule] = {
    SanctionType.WARNING: DisclosureRule(3, 12, True, False),
    SanctionType.CIRCULATED_CRITICISM: DisclosureRule(3, 12, True, False),
    SanctionType.RECTIFICATION: DisclosureRule(3, 12, True, False),
    SanctionType.SUSPENSION: DisclosureRule(12, 36, True, False),
    SanctionType.ABNORMAL_LIST: DisclosureRule(6, 36, True, False),
    SanctionType.EXIT: DisclosureRule(36, None, False, True),
    SanctionType.LICENCE_REVOCATION_REFERRAL: DisclosureRule(36, None, False, True),
}


def rule_for(sanction_type: SanctionType) -> DisclosureRule:
    """The rule for ``sanction_type``, with the installation's overrides applied."""
    rule = DEFAULT_RULES[sanction_type]
    overrides = (current_app.config.get("SANCTION_DISCLOSURE_RULES") or {}).get(
        sanction_type.value)
    return replace(rule, **overrides) if overrides else rule


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def earliest_removal(sanction: Sanction) -> date:
    """The first day on which disclosure may end early: the start plus the minimum period."""
    return add_months(sanction.starts_on, rule_for(sanction.sanction_type).min_months)


def disclosed_condition(today: date):
    """SQL: the sanction is public on ``today`` (``Sanction.is_disclosed`` in the database)."""
    return sa.and_(
        Sanction.disclosure_withdrawn_at.is_(None),
        Sanction.starts_on <= today,
        sa.or_(Sanction.disclosure_until.is_(None), Sanction.disclosure_until >= today),
    )


def public_sanctions(today: date, region: Optional[str] = None,
                     sanction_type: Optional[SanctionType] = None,
                     subject_kind: Optional[str] = None):
    """The query behind the public list (惩戒公示): sanctions in disclosure, newest first,
    inside ``region`` (a code prefix), of one type, about organisations or practitioners."""
    query = (sa.select(Sanction).where(disclosed_condition(today))
             .options(joinedload(Sanction.organisation), joinedload(Sanction.practitioner))
             .order_by(Sanction.decision_date.desc(), Sanction.id.desc()))
    if region:
        query = query.where(in_region(Sanction.region_code, region))
    if sanction_type is not None:
        query = query.where(Sanction.sanction_type == sanction_type)
    if subject_kind == "organisation":
        query = query.where(Sanction.organisation_id.is_not(None))
    elif subject_kind == "practitioner":
        query = query.where(Sanction.practitioner_id.is_not(None))
    return query
