"""The policy: role, ownership and jurisdiction as a region-code prefix."""
from __future__ import annotations

import pytest

from registry.auth.models import Role
from registry.auth.policy import Action, PermissionDenied, can, in_jurisdiction, require
from tests import factories


@pytest.mark.parametrize("jurisdiction, region, inside", [
    ("370600", "370602", True),   # a city regulator, a county of the city
    ("370600", "370600", True),
    ("370600", "370481", False),  # 滕州 is in 枣庄, not 烟台
    ("370000", "370481", True),   # the province covers every city in it
    ("370000", "510703", False),
    ("370602", "370602", True),   # a county regulator
    ("370602", "370613", False),
    (None, "370602", False),
    ("370600", None, False),
])
def test_jurisdiction_is_a_code_prefix(jurisdiction, region, inside):
    assert in_jurisdiction(jurisdiction, region) is inside


def test_regulator_acts_only_inside_jurisdiction(regions):
    regulator = factories.make_user(Role.REGULATOR, region_code="370600")
    inside = factories.make_organisation(region_code="370602")
    outside = factories.make_organisation(region_code="510703")
    assert can(regulator, Action.SANCTION_RECORD, inside)
    assert not can(regulator, Action.SANCTION_RECORD, outside)
    with pytest.raises(PermissionDenied):
        require(regulator, Action.SANCTION_RECORD, outside)
    # A practitioner's qualification is judged by its organisation's region.
    assert can(regulator, Action.QUALIFICATION_VERIFY, inside.region_code)


def test_roles_do_only_their_part(regions):
    association = factories.make_association()
    assessor = factories.make_user(Role.ASSESSOR, association_id=association.id)
    regulator = factories.make_user(Role.REGULATOR)
    organisation = factories.make_organisation()
    assert can(assessor, Action.EVALUATION_SCORE, organisation)
    assert not can(assessor, Action.SANCTION_RECORD, organisation)
    assert not can(regulator, Action.EVALUATION_SCORE, organisation)
    assert not can(regulator, Action.ACCOUNT_MANAGE)


def test_org_account_acts_only_on_its_own_organisation(regions):
    own = factories.make_organisation()
    other = factories.make_organisation()
    user = factories.make_user(Role.ORG, organisation_id=own.id, region_code=None)
    assert can(user, Action.ORG_EDIT, own)
    assert not can(user, Action.ORG_EDIT, other)
    assert not can(user, Action.ORG_REVIEW, own)
    assert not can(user, Action.ORG_EDIT, None)


def test_admin_may_do_everything_and_deactivated_nothing(regions):
    admin = factories.make_user(Role.ADMIN, region_code=None)
    organisation = factories.make_organisation(region_code="510703")
    assert all(can(admin, action, organisation) for action in Action)
    admin.active = False
    assert not can(admin, Action.ACCOUNT_MANAGE)
    assert not can(None, Action.OWN_ACCOUNT)


def test_verifying_certificates_is_delegated_by_setting_and_revoking_never(app, regions):
    association = factories.make_association()
    assessor = factories.make_user(Role.ASSESSOR, association_id=association.id)
    regulator = factories.make_user(Role.REGULATOR)
    organisation = factories.make_organisation()
    assert app.config["QUALIFICATION_VERIFIERS"] == ("regulator",)
    assert can(regulator, Action.QUALIFICATION_VERIFY, organisation)
    assert not can(assessor, Action.QUALIFICATION_VERIFY, organisation)
    app.config["QUALIFICATION_VERIFIERS"] = ("regulator", "assessor")
    assert can(assessor, Action.QUALIFICATION_VERIFY, organisation)
    assert not can(assessor, Action.QUALIFICATION_REVOKE, organisation)
    app.config["QUALIFICATION_VERIFIERS"] = ("assessor",)
    assert not can(regulator, Action.QUALIFICATION_VERIFY, organisation)
    assert can(regulator, Action.QUALIFICATION_REVOKE, organisation)  # a sanction's consequence


def test_drafts_are_for_the_evaluating_association_only(regions):
    from registry.auth.policy import can_any

    ours, theirs = factories.make_association(), factories.make_association()
    assessor = factories.make_user(Role.ASSESSOR, association_id=ours.id)
    regulator = factories.make_user(Role.REGULATOR)
    organisation = factories.make_organisation()
    rubric = factories.make_rubric()
    own = factories.make_evaluation(organisation, ours, rubric, cycle=2024)
    other = factories.make_evaluation(organisation, theirs, rubric, cycle=2025)
    assert can(assessor, Action.EVALUATION_READ_DRAFT, own)
    assert not can(assessor, Action.EVALUATION_READ_DRAFT, other)
    assert not can(regulator, Action.EVALUATION_READ_DRAFT, own)
    assert can(regulator, Action.EVALUATION_READ_REPORTS, organisation)
    assert can_any(assessor, Action.EVALUATION_READ_DRAFT, [other, own])
    assert not can_any(assessor, Action.EVALUATION_READ_DRAFT, [])
