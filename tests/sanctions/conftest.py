"""People and records for the sanctions tests: an active organisation in 芝罘区 (烟台) with a
practitioner holding a verified certificate, one in 涪城区 (绵阳), the 烟台 association and its
assessor, regulators inside and outside, the owner account, and a fixed "today"."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from registry.auth.models import Role, User
from registry.evaluation.models import Association
from registry.extensions import db
from registry.orgs.models import Organisation
from registry.practitioners.models import Practitioner, Qualification
from tests import factories

TODAY = date(2026, 3, 10)


@dataclass
class Setting:
    """Who and what a test acts on."""

    organisation: Organisation  # 370602, active
    outside: Organisation  # 510703 (绵阳), active
    practitioner: Practitioner  # works at ``organisation``
    qualification: Qualification  # verified
    association: Association  # 370600
    assessor: User
    regulator: User  # 370600
    outsider: User  # regulator of 510700
    owner: User  # staff of ``organisation``
    admin: User


@pytest.fixture
def setting(regions) -> Setting:
    organisation = factories.make_organisation(name="烟台市心海心理咨询有限公司")
    outside = factories.make_organisation(region_code="510703", name="绵阳市涪城区心语咨询中心")
    practitioner = factories.make_practitioner(organisation, name="王芳")
    association = factories.make_association()
    make = factories.make_user
    setting = Setting(
        organisation=organisation, outside=outside, practitioner=practitioner,
        qualification=factories.make_qualification(practitioner),
        association=association,
        assessor=make(Role.ASSESSOR, association_id=association.id, email="assessor@example.cn"),
        regulator=make(Role.REGULATOR, email="regulator@example.cn"),
        outsider=make(Role.REGULATOR, region_code="510700", email="outsider@example.cn"),
        owner=make(Role.ORG, organisation_id=organisation.id, email="owner@example.cn"),
        admin=make(Role.ADMIN, region_code=None, email="admin@example.cn"),
    )
    db.session.commit()
    return setting


def sanction_values(**values) -> dict:
    """A sanction form as a regulator fills it in on ``TODAY``: a warning by default."""
    defaults = dict(
        sanction_type="warning", facts="未按规定公示收费标准。",
        legal_basis="《中华人民共和国价格法》第十三条", decision_number="烟卫罚〔2026〕12号",
        decision_date="2026-03-10", deciding_body="烟台市卫生健康委员会", starts_on="2026-03-10",
        ends_on="", disclosure_until="2026-09-10")
    defaults.update(values)
    return defaults


def suspension_values(**values) -> dict:
    """A suspension from TODAY to 2026-06-30, disclosed for two years."""
    return sanction_values(**{"sanction_type": "suspension", "ends_on": "2026-06-30",
                              "disclosure_until": "2028-03-10",
                              "facts": "超出心理咨询服务范围作出诊断。", **values})
