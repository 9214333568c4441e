"""Demo casework: sanctions of every type (some disclosed, some past disclosure), accepted,
pending and declined recommendations, appeals in every state, referrals; and what the
schedule does to the demo data on the reference date is consistent with its statuses."""
from __future__ import annotations

import sqlalchemy as sa

from registry.demo.clock import REFERENCE_DATE
from registry.extensions import db
from registry.orgs.models import Organisation, OrganisationStatus
from registry.sanctions import recommendations
from registry.sanctions.models import (
    AppealStatus,
    LicenceReferral,
    RecommendationStatus,
    Sanction,
    SanctionAppeal,
    SanctionRecommendation,
    SanctionType,
)
from registry.sanctions.services import run_schedule
from tests.demo.helpers import seed


def test_casework_covers_every_state(regions):
    result = seed(orgs=300)
    sanctions = db.session.scalars(sa.select(Sanction)).all()

    assert {s.sanction_type for s in sanctions} == set(SanctionType)
    assert any(s.is_disclosed(REFERENCE_DATE) for s in sanctions)
    assert any(not s.is_disclosed(REFERENCE_DATE) for s in sanctions)
    assert all(s.region_code for s in sanctions)
    statuses = set(db.session.scalars(sa.select(SanctionRecommendation.status)))
    assert statuses == set(RecommendationStatus)
    accepted = db.session.scalars(sa.select(SanctionRecommendation).where(
        SanctionRecommendation.status == RecommendationStatus.ACCEPTED)).all()
    linked = {s.recommendation_id for s in sanctions if s.recommendation_id}
    assert {r.id for r in accepted} == linked
    assert set(db.session.scalars(sa.select(SanctionAppeal.status))) == set(AppealStatus)
    referrals = db.session.scalar(sa.select(sa.func.count()).select_from(LicenceReferral))
    assert referrals == sum(s.sanction_type is SanctionType.LICENCE_REVOCATION_REFERRAL
                            for s in sanctions) > 0
    assert result.counts["recommendations"] == db.session.scalar(
        sa.select(sa.func.count()).select_from(SanctionRecommendation))


def test_demo_regulators_see_pending_recommendations(regions):
    seed(orgs=120)
    from registry.auth.models import User

    regulator = db.session.scalar(sa.select(User).where(
        User.email == "regulator.370600@demo.example.cn"))
    assert recommendations.queue(regulator)


def test_the_schedule_on_the_reference_date_keeps_demo_statuses(regions):
    seed(orgs=160)
    suspended = set(db.session.scalars(sa.select(Organisation.id).where(
        Organisation.status == OrganisationStatus.SUSPENDED)))

    report = run_schedule(REFERENCE_DATE)

    assert report.suspended == report.reactivated == report.exited == 0
    assert suspended == set(db.session.scalars(sa.select(Organisation.id).where(
        Organisation.status == OrganisationStatus.SUSPENDED)))
