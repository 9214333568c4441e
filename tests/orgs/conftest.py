"""Accounts and organisations for the registration tests: a draft in 芝罘区 (烟台) owned by
``owner``, regulators of 烟台市 and of 绵阳市, an assessor and an admin."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from registry.audit.services import snapshot
from registry.auth.models import Role, User
from registry.extensions import db
from registry.orgs.models import Organisation, OrganisationStatus
from registry.orgs.validation import PROFILE_FIELDS
from tests import factories


@dataclass
class People:
    """Who acts in a test."""

    owner: User
    other_owner: User
    regulator: User  # 烟台市 (370600)
    outsider: User  # 绵阳市 (510700)
    assessor: User
    admin: User


def make_draft(**values) -> Organisation:
    """A complete, valid registration that has not been submitted yet."""
    values.setdefault("status", OrganisationStatus.DRAFT)
    values.setdefault("approved_at", None)
    return factories.make_organisation(**values)


def profile(organisation: Organisation, **changes) -> dict:
    """The organisation's profile as form values, with ``changes`` applied."""
    values = snapshot(organisation, PROFILE_FIELDS)
    values.update(changes)
    return values


@pytest.fixture
def draft(regions) -> Organisation:
    organisation = make_draft(name="烟台市芝罘区心海心理咨询有限公司")
    db.session.commit()
    return organisation


@pytest.fixture
def people(draft) -> People:
    elsewhere = factories.make_organisation(region_code="510703")
    association = factories.make_association()
    make = factories.make_user
    people = People(
        owner=make(Role.ORG, organisation_id=draft.id, email="owner@xinhai.cn"),
        other_owner=make(Role.ORG, organisation_id=elsewhere.id, email="other@example.cn"),
        regulator=make(Role.REGULATOR, region_code="370600", email="regulator@yantai.gov.cn"),
        outsider=make(Role.REGULATOR, region_code="510700", email="regulator@mianyang.gov.cn"),
        assessor=make(Role.ASSESSOR, association_id=association.id, email="assessor@example.cn"),
        admin=make(Role.ADMIN, region_code=None, email="admin@example.cn"),
    )
    db.session.commit()
    return people
