"""Demo evaluations: drafts exist, and coverage is below the 80 % target in some demo cities
and above it in others; current demonstration units exist."""
from __future__ import annotations


import sqlalchemy as sa

from registry.dashboard.services import coverage
from registry.demo.clock import CYCLES, REFERENCE_DATE
from registry.evaluation.models import Evaluation, EvaluationState
from registry.extensions import db
from tests.demo.helpers import DEMO_CITIES, seed


def test_coverage_spread_drafts_and_current_units(regions):
    seed(orgs=160)
    drafts = list(db.session.scalars(
        sa.select(Evaluation).where(Evaluation.state == EvaluationState.DRAFT)))
    assert drafts and all(d.total is None and d.published_at is None for d in drafts)
    rates = {code: coverage(code, CYCLES[-1], REFERENCE_DATE) for code in DEMO_CITIES}
    assert any(row.rate is not None and row.rate < 0.8 for row in rates.values()), rates
    assert any(row.meets_target for row in rates.values()), rates
    assert sum(row.demonstration_units for row in rates.values()) > 0
