"""Eligibility for demonstration units, practice bases and government purchase: each rule's
outcome, passing and failing, with thresholds taken from configuration."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.evaluation import eligibility
from registry.evaluation.models import EvaluationState, Grade
from registry.extensions import db
from registry.orgs.models import OrganisationStatus
from registry.practitioners.models import Affiliation, VerificationState
from registry.sanctions.models import SanctionState, SanctionType
from tests.factories import (
    make_association,
    make_evaluation,
    make_organisation,
    make_practitioner,
    make_qualification,
    make_rubric,
    make_sanction,
)

TODAY = date(2026, 6, 1)


@pytest.fixture
def evaluated(regions):
    """An active organisation with an excellent published evaluation for cycle 2025."""
    organisation = make_organisation()
    association, rubric = make_association(), make_rubric()
    make_evaluation(organisation, association, rubric, points=(56, 37), cycle=2025,
                    grade=Grade.EXCELLENT)
    return organisation, association, rubric


def _passed(result) -> dict[str, bool]:
    return {rule.key: rule.passed for rule in result.reasons}


def _staff(organisation, count: int, state=VerificationState.VERIFIED) -> None:
    for number in range(count):
        practitioner = make_practitioner(organisation, name=f"从业人员{number}")
        make_qualification(practitioner, state=state)


def test_demonstration_candidate_passes_every_rule(evaluated):
    organisation, *_ = evaluated
    result = eligibility.demonstration_candidate(organisation, TODAY)
    assert result.eligible
    assert _passed(result) == {"grade": True, "recent_cycle": True,
                               "no_disclosed_sanction": True, "active": True}
    assert "2025" in result.rule("grade").detail


def test_demonstration_fails_on_good_grade(evaluated):
    organisation, association, rubric = evaluated
    make_evaluation(organisation, association, rubric, points=(50, 30), cycle=2026,
                    grade=Grade.GOOD)
    result = eligibility.demonstration_candidate(organisation, date(2027, 1, 1))
    assert not result.eligible
    assert _passed(result)["grade"] is False and _passed(result)["recent_cycle"] is True


def test_demonstration_fails_on_old_cycle_and_age_is_configurable(app, evaluated):
    organisation, *_ = evaluated
    later = date(2027, 3, 1)  # cycle 2025 < 2027 - 1
    result = eligibility.demonstration_candidate(organisation, later)
    assert not result.eligible and _passed(result)["recent_cycle"] is False
    app.config["DEMONSTRATION_MAX_CYCLE_AGE"] = 2
    assert eligibility.demonstration_candidate(organisation, later).eligible


def test_demonstration_ignores_drafts_and_superseded(evaluated):
    organisation, association, rubric = evaluated
    newer = make_evaluation(organisation, association, rubric, points=(30, 20), cycle=2026,
                            grade=Grade.FAIL)
    newer.state = EvaluationState.SUPERSEDED
    db.session.flush()
    assert eligibility.demonstration_candidate(organisation, TODAY).eligible


def test_demonstration_fails_without_evaluation(regions):
    result = eligibility.demonstration_candidate(make_organisation(), TODAY)
    assert not result.eligible
    assert _passed(result)["grade"] is False and _passed(result)["recent_cycle"] is False


def test_demonstration_fails_with_disclosed_sanction_only_during_disclosure(evaluated):
    organisation, *_ = evaluated
    make_sanction(organisation, starts_on=TODAY - timedelta(days=30), decision_date=TODAY,
                  disclosure_until=TODAY + timedelta(days=10))
    assert _passed(eligibility.demonstration_candidate(organisation, TODAY))[
        "no_disclosed_sanction"] is False
    after = TODAY + timedelta(days=11)
    assert _passed(eligibility.demonstration_candidate(organisation, after))[
        "no_disclosed_sanction"] is True


def test_demonstration_fails_when_not_active(evaluated):
    organisation, *_ = evaluated
    organisation.status = OrganisationStatus.SUSPENDED
    result = eligibility.demonstration_candidate(organisation, TODAY)
    assert not result.eligible and _passed(result)["active"] is False


def test_practice_base_needs_good_grade_and_verified_staff(app, evaluated):
    organisation, *_ = evaluated
    _staff(organisation, 4)
    _staff(organisation, 2, state=VerificationState.UNVERIFIED)  # unverified ones do not count
    result = eligibility.practice_base(organisation, TODAY)
    assert not result.eligible
    assert _passed(result) == {"grade": True, "verified_practitioners": False}
    assert "4" in result.rule("verified_practitioners").detail
    app.config["PRACTICE_BASE_MIN_PRACTITIONERS"] = 4
    assert eligibility.practice_base(organisation, TODAY).eligible


def test_practice_base_counts_only_current_affiliations(evaluated):
    organisation, *_ = evaluated
    _staff(organisation, 5)
    assert eligibility.practice_base(organisation, TODAY).eligible
    affiliation = db.session.query(Affiliation).first()
    affiliation.end_date = TODAY - timedelta(days=1)
    db.session.flush()
    assert not eligibility.practice_base(organisation, TODAY).eligible


def test_practice_base_fails_on_pass_grade(regions):
    organisation = make_organisation()
    make_evaluation(organisation, make_association(), make_rubric(), points=(40, 25),
                    grade=Grade.PASS)
    _staff(organisation, 5)
    result = eligibility.practice_base(organisation, TODAY)
    assert _passed(result) == {"grade": False, "verified_practitioners": True}


def test_government_purchase_pass_grade_without_sanction(regions):
    organisation = make_organisation()
    make_evaluation(organisation, make_association(), make_rubric(), points=(40, 25),
                    grade=Grade.PASS)
    result = eligibility.government_purchase(organisation, TODAY)
    assert result.eligible and _passed(result) == {"grade": True, "no_sanction_in_force": True}


def test_government_purchase_fails_on_fail_grade(regions):
    organisation = make_organisation()
    make_evaluation(organisation, make_association(), make_rubric(), points=(30, 20),
                    grade=Grade.FAIL)
    assert _passed(eligibility.government_purchase(organisation, TODAY))["grade"] is False


def test_government_purchase_fails_while_a_sanction_is_in_force(evaluated):
    organisation, *_ = evaluated
    sanction = make_sanction(organisation, sanction_type=SanctionType.RECTIFICATION)
    result = eligibility.government_purchase(organisation, TODAY)
    assert not result.eligible and _passed(result)["no_sanction_in_force"] is False
    sanction.state = SanctionState.ENDED
    db.session.flush()
    assert eligibility.government_purchase(organisation, TODAY).eligible
