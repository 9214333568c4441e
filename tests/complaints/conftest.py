"""Fixtures for the complaint tests: an organisation in 芝罘区 (烟台) with a practitioner, the
regulators and assessors inside and outside 烟台, and a complaint builder."""
from __future__ import annotations

import pytest

from registry.auth.models import Role
from registry.complaints import services
from registry.extensions import db
from tests import factories

NAME = "王秀英"
CONTACT = "13905351234"


@pytest.fixture
def world(regions):
    """Records and accounts the complaint tests share (committed)."""
    organisation = factories.make_organisation(region_code="370602")
    practitioner = factories.make_practitioner(organisation)
    association = factories.make_association(region_code="370600")
    other_association = factories.make_association(region_code="370600")
    far_association = factories.make_association(region_code="510700")
    make = factories.make_user
    accounts = {
        "regulator": make(Role.REGULATOR, email="regulator@example.cn"),
        "regulator_outside": make(Role.REGULATOR, region_code="510700",
                                  email="regulator.out@example.cn"),
        "assessor": make(Role.ASSESSOR, association_id=association.id,
                         email="assessor@example.cn"),
        "assessor_other": make(Role.ASSESSOR, association_id=other_association.id,
                               email="assessor.other@example.cn"),
        "assessor_outside": make(Role.ASSESSOR, association_id=far_association.id,
                                 region_code="510700", email="assessor.out@example.cn"),
        "admin": make(Role.ADMIN, region_code=None, email="admin@example.cn"),
        "org": make(Role.ORG, organisation_id=organisation.id, email="org@example.cn"),
    }
    db.session.commit()
    return {"organisation": organisation, "practitioner": practitioner,
            "association": association, "other_association": other_association,
            "far_association": far_association, **accounts}


def form_values(**overrides) -> dict:
    """A complete complaint as the form sends it."""
    values = {"category": "fees", "summary": "咨询前未告知收费标准",
              "details": "2026 年 5 月 3 日到该机构咨询，结束后被要求额外支付 500 元测评费。",
              "name": NAME, "contact": CONTACT}
    values.update(overrides)
    return values


def file(world, **overrides):
    """A complaint about the world's organisation, filed through the service."""
    return services.file_complaint(form_values(**overrides),
                                   organisation_id=world["organisation"].id)


@pytest.fixture
def complaint(world):
    """A received complaint with the complainant's name and contact."""
    return file(world)
