"""People and records for the evaluation tests: an active organisation in 芝罘区 (烟台), the
烟台 association with two assessors, an assessor of the 绵阳 association, its owner, an
admin, and a rubric worth 60 + 40 points."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from registry.auth.models import Role, User
from registry.evaluation.models import Association, Rubric
from registry.extensions import db
from registry.orgs.models import Organisation
from tests import factories


@dataclass
class Setting:
    """Who and what a test acts on."""

    organisation: Organisation  # 370602, active
    association: Association  # 370600
    rubric: Rubric  # 资质与人员 60, 服务质量 40
    assessor: User
    colleague: User  # a second assessor of the same association
    outsider: User  # an assessor of the 绵阳 association
    owner: User
    regulator: User
    admin: User


@pytest.fixture
def setting(regions) -> Setting:
    organisation = factories.make_organisation()
    association = factories.make_association()
    elsewhere = factories.make_association(region_code="510700")
    make = factories.make_user
    setting = Setting(
        organisation=organisation, association=association, rubric=factories.make_rubric(),
        assessor=make(Role.ASSESSOR, association_id=association.id, email="a1@example.cn"),
        colleague=make(Role.ASSESSOR, association_id=association.id, email="a2@example.cn"),
        outsider=make(Role.ASSESSOR, association_id=elsewhere.id, region_code="510700",
                      email="a3@example.cn"),
        owner=make(Role.ORG, organisation_id=organisation.id, email="owner@example.cn"),
        regulator=make(Role.REGULATOR, email="regulator@example.cn"),
        admin=make(Role.ADMIN, region_code=None, email="admin@example.cn"),
    )
    db.session.commit()
    return setting
