"""The database itself refuses bad rows, whatever code wrote them."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from registry.auth.models import Role, User
from registry.evaluation.models import Evaluation, Score
from registry.extensions import db
from registry.orgs.models import Organisation, OrganisationStatus
from registry.practitioners.models import Affiliation, AffiliationRole, Qualification
from registry.sanctions.models import Sanction, SanctionType
from tests import factories


def _refused(statement, params=None) -> None:
    """Execute raw SQL (bypassing the ORM's own checks) and expect the database to refuse it."""
    with pytest.raises(IntegrityError):
        db.session.execute(sa.text(statement), params or {})
        db.session.flush()
    db.session.rollback()


def test_duplicate_uscc_is_refused_by_the_database(regions):
    first = factories.make_organisation()
    db.session.commit()
    with pytest.raises(IntegrityError):
        factories.make_organisation(uscc=first.uscc)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 1


def test_certificate_number_is_unique_per_kind(regions):
    practitioner = factories.make_practitioner()
    factories.make_qualification(practitioner, kind="counsellor_l2", certificate_number="A123")
    # The same number under another kind is a different certificate.
    factories.make_qualification(practitioner, kind="psychotherapist", certificate_number="A123")
    db.session.commit()
    with pytest.raises(IntegrityError):
        factories.make_qualification(practitioner, kind="counsellor_l2", certificate_number="A123")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Qualification.id))) == 2


def test_unknown_status_is_refused_by_a_check_constraint(regions):
    organisation = factories.make_organisation()
    db.session.commit()
    _refused("UPDATE organisations SET status = 'approved' WHERE id = :id", {"id": organisation.id})
    assert db.session.get(Organisation, organisation.id).status is OrganisationStatus.ACTIVE


def test_orm_refuses_unknown_status_before_sql(regions):
    organisation = factories.make_organisation()
    organisation.status = "approved"
    with pytest.raises(StatementError):
        db.session.flush()
    db.session.rollback()


def test_region_must_exist(regions):
    with pytest.raises(IntegrityError):
        factories.make_organisation(region_code="999999")
    db.session.rollback()


def test_registered_organisation_needs_uscc_and_rejection_needs_reason(regions):
    with pytest.raises(IntegrityError):
        factories.make_organisation(uscc=None, status=OrganisationStatus.ACTIVE)
    db.session.rollback()
    with pytest.raises(IntegrityError):
        factories.make_organisation(status=OrganisationStatus.REJECTED, rejection_reason=None)
    db.session.rollback()
    draft = factories.make_organisation(uscc=None, status=OrganisationStatus.DRAFT)
    assert draft.id is not None


@pytest.mark.parametrize("points", [-1, 0.3, 12.25])
def test_scores_are_non_negative_half_points(regions, points):
    organisation = factories.make_organisation()
    association = factories.make_association()
    rubric = factories.make_rubric()
    evaluation = factories.make_evaluation(organisation, association, rubric)
    db.session.commit()
    score = db.session.scalar(sa.select(Score).where(Score.evaluation_id == evaluation.id))
    _refused("UPDATE scores SET points = :p WHERE id = :id", {"p": points, "id": score.id})
    assert db.session.get(Score, score.id).points == 55


def test_published_evaluation_must_be_complete(regions):
    organisation = factories.make_organisation()
    association = factories.make_association()
    rubric = factories.make_rubric()
    evaluation = factories.make_evaluation(organisation, association, rubric)
    db.session.commit()
    _refused("UPDATE evaluations SET conflict_declared = false WHERE id = :id",
             {"id": evaluation.id})
    _refused("UPDATE evaluations SET total = 120 WHERE id = :id", {"id": evaluation.id})
    assert db.session.get(Evaluation, evaluation.id).total == 92


def test_one_evaluation_per_org_association_cycle_revision(regions):
    organisation = factories.make_organisation()
    association = factories.make_association()
    rubric = factories.make_rubric()
    factories.make_evaluation(organisation, association, rubric, cycle=2025)
    db.session.commit()
    with pytest.raises(IntegrityError):
        factories.make_evaluation(organisation, association, rubric, cycle=2025)
    db.session.rollback()


def test_sanction_has_exactly_one_subject(regions):
    organisation = factories.make_organisation()
    practitioner = factories.make_practitioner(organisation)
    db.session.commit()
    with pytest.raises(IntegrityError):
        factories.make_sanction(organisation, practitioner_id=practitioner.id)
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.add(Sanction(
            sanction_type=SanctionType.WARNING, facts="x", legal_basis="x", decision_number="x",
            decision_date=date(2026, 1, 1), deciding_body="x", starts_on=date(2026, 1, 1)))
        db.session.flush()
    db.session.rollback()


def test_sanction_dates_are_ordered(regions):
    organisation = factories.make_organisation()
    with pytest.raises(IntegrityError):
        factories.make_sanction(organisation, starts_on=date(2026, 5, 1), ends_on=date(2026, 4, 1))
    db.session.rollback()


def test_affiliation_cannot_end_before_it_starts(regions):
    organisation = factories.make_organisation()
    practitioner = factories.make_practitioner()
    with pytest.raises(IntegrityError):
        db.session.add(Affiliation(practitioner_id=practitioner.id, organisation_id=organisation.id,
                                   role=AffiliationRole.PART_TIME, start_date=date(2024, 1, 1),
                                   end_date=date(2023, 1, 1)))
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("role, values", [
    (Role.ORG, {}),
    (Role.ASSESSOR, {"region_code": "370600"}),
    (Role.REGULATOR, {"region_code": None}),
])
def test_accounts_carry_what_their_role_needs(regions, role, values):
    with pytest.raises(IntegrityError):
        factories.make_user(role, **values)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_same_person_cannot_be_registered_twice(regions):
    number = factories.valid_id_number(serial=7)
    factories.make_practitioner(id_number=number)
    db.session.commit()
    with pytest.raises(IntegrityError):
        factories.make_practitioner(id_number=number, name="另一个名字")
    db.session.rollback()


def test_timestamps_come_back_timezone_aware(regions):
    organisation = factories.make_organisation()
    db.session.commit()
    db.session.expire_all()
    reloaded = db.session.get(Organisation, organisation.id)
    assert reloaded.created_at.tzinfo is not None
    assert reloaded.approved_at.utcoffset().total_seconds() == 0
