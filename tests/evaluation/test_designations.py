"""Demonstration designations: refused and allowed (with an override reason), one per year,
revocation by a regulator, and automatic revocation on a serious sanction."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.auth.models import Role
from registry.auth.policy import PermissionDenied
from registry.evaluation import designations
from registry.evaluation.models import DemonstrationDesignation, Grade
from registry.extensions import db
from registry.sanctions.models import SanctionType
from registry.validation import ValidationFailed
from tests.factories import (
    make_association,
    make_designation,
    make_evaluation,
    make_organisation,
    make_rubric,
    make_sanction,
    make_user,
)

TODAY = date(2026, 6, 1)
TERMS = dict(year=2026, valid_from=date(2026, 5, 25), valid_to=date(2029, 5, 24),
             designating_body="烟台市卫生健康委员会")


@pytest.fixture
def world(regions):
    excellent = make_organisation()
    make_evaluation(excellent, make_association(), make_rubric(), cycle=2025,
                    grade=Grade.EXCELLENT)
    ordinary = make_organisation()
    regulator = make_user(Role.REGULATOR)
    outsider = make_user(Role.REGULATOR, region_code="510700")
    db.session.commit()
    return excellent, ordinary, regulator, outsider


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_designating_an_eligible_organisation(world):
    excellent, _, regulator, _ = world
    designation = designations.designate(regulator, excellent.id, today=TODAY, **TERMS)
    assert designation.is_current(TODAY) and designation.override_reason is None
    assert designation.evaluation_id is not None
    [event] = _events("designation.create")
    assert event.after["eligible"] is True


def test_ineligible_organisation_refused_without_reason(world):
    _, ordinary, regulator, _ = world
    with pytest.raises(ValidationFailed) as caught:
        designations.designate(regulator, ordinary.id, today=TODAY, **TERMS)
    assert "override_reason" in caught.value.errors
    assert db.session.scalar(sa.select(sa.func.count(DemonstrationDesignation.id))) == 0


def test_ineligible_organisation_allowed_with_reason_recorded(world):
    _, ordinary, regulator, _ = world
    designation = designations.designate(regulator, ordinary.id, today=TODAY,
                                         override_reason="在突发事件心理援助中表现突出。", **TERMS)
    assert designation.override_reason == "在突发事件心理援助中表现突出。"
    [event] = _events("designation.create")
    assert event.after["override_reason"] == "在突发事件心理援助中表现突出。"
    assert "grade" in event.after["failed_rules"]


def test_one_designation_per_organisation_and_year(world):
    excellent, _, regulator, _ = world
    designations.designate(regulator, excellent.id, today=TODAY, **TERMS)
    with pytest.raises(ValidationFailed) as caught:
        designations.designate(regulator, excellent.id, today=TODAY, **TERMS)
    assert "2026" in caught.value.errors["year"]


def test_bad_terms_are_field_errors(world):
    excellent, _, regulator, _ = world
    with pytest.raises(ValidationFailed) as caught:
        designations.designate(regulator, excellent.id, 2026, date(2026, 5, 1), date(2026, 4, 1),
                               "  ", today=TODAY)
    assert set(caught.value.errors) == {"valid_to", "designating_body"}


def test_outside_jurisdiction_refused(world):
    excellent, _, _, outsider = world
    with pytest.raises(PermissionDenied):
        designations.designate(outsider, excellent.id, today=TODAY, **TERMS)


def test_revoke_needs_reason_and_happens_once(world):
    excellent, _, regulator, outsider = world
    designation = make_designation(excellent, year=2026)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        designations.revoke(outsider, designation.id, "不再符合条件")
    with pytest.raises(ValidationFailed):
        designations.revoke(regulator, designation.id, " ")
    designations.revoke(regulator, designation.id, "复评不合格。")
    assert not designation.is_current(TODAY) and designation.revoked_by_id == regulator.id
    with pytest.raises(designations.StateConflict):
        designations.revoke(regulator, designation.id, "再次撤销")
    assert len(_events("designation.revoke")) == 1


@pytest.mark.parametrize("kind", [SanctionType.SUSPENSION, SanctionType.ABNORMAL_LIST,
                                  SanctionType.EXIT, SanctionType.LICENCE_REVOCATION_REFERRAL])
def test_serious_sanction_revokes_current_designations(world, kind):
    excellent, _, regulator, _ = world
    current = make_designation(excellent, year=2025)  # valid 2025-01-01 … 2027-12-31
    expired = make_designation(excellent, year=2020)  # ended 2022
    sanction = make_sanction(excellent, sanction_type=kind, decision_number="烟卫罚〔2026〕7号")
    revoked = designations.revoke_for_sanction(sanction, actor=regulator, today=TODAY)
    db.session.commit()
    assert revoked == [current]
    assert current.revoked_at is not None and "烟卫罚〔2026〕7号" in current.revoked_reason
    assert expired.revoked_at is None
    [event] = _events("designation.revoke_auto")
    assert event.entity_id == str(current.id) and event.actor_id == regulator.id


def test_mild_sanction_leaves_designations(world):
    excellent, _, regulator, _ = world
    designation = make_designation(excellent, year=2025)
    sanction = make_sanction(excellent, sanction_type=SanctionType.WARNING)
    assert designations.revoke_for_sanction(sanction, actor=regulator, today=TODAY) == []
    assert designation.revoked_at is None and not _events("designation.revoke_auto")


def test_serious_types_are_configurable(app, world):
    excellent, *_ = world
    app.config["SERIOUS_SANCTION_TYPES"] = ("warning",)
    designation = make_designation(excellent, year=2025)
    sanction = make_sanction(excellent, sanction_type=SanctionType.WARNING)
    assert designations.revoke_for_sanction(sanction, actor=None, today=TODAY) == [designation]
    [event] = _events("designation.revoke_auto")
    assert event.actor_role == "system"
