"""Evaluation coverage on a hand-built fixture, and the regulators' pages."""
from __future__ import annotations

from datetime import date

import pytest

from registry.auth.models import Role
from registry.dashboard import services
from registry.database import utcnow
from registry.evaluation.models import EvaluationState, Grade
from registry.extensions import db
from registry.orgs.models import OrganisationStatus
from tests.conftest import PASSWORD
from tests.factories import (
    make_association,
    make_designation,
    make_evaluation,
    make_organisation,
    make_rubric,
    make_user,
)

TODAY = date(2026, 6, 1)


@pytest.fixture
def yantai(regions):
    """烟台市 (370600), cycle 2025:

    芝罘区 370602: 4 active social counselling orgs, 3 with a published 2025 evaluation
        (one of them also has a 2024 one, which does not count twice) → 3/4 = 75 % < 80 %.
    福山区 370611: 1 active social counselling org, evaluated → 1/1 = 100 %.
    Not counted: a hospital department in 芝罘 (other type, evaluated), a suspended social
        counselling org in 福山, an org in 芝罘 with only a 2024 evaluation counts as *not*
        evaluated (it is one of the 4), a draft 2025 evaluation does not count.
    Total 烟台: (3 + 1) / (4 + 1) = 4/5 = 80 % → meets the target exactly.
    Demonstration units: a current one in 芝罘, a revoked one and an expired one → 1.
    """
    association, rubric = make_association(), make_rubric()
    zhifu = [make_organisation(region_code="370602") for _ in range(4)]
    for organisation in zhifu[:3]:
        make_evaluation(organisation, association, rubric, cycle=2025)
    make_evaluation(zhifu[0], association, rubric, cycle=2024)
    make_evaluation(zhifu[3], association, rubric, cycle=2024)
    draft = make_evaluation(zhifu[3], association, rubric, cycle=2025)
    draft.state, draft.published_at, draft.total, draft.grade = EvaluationState.DRAFT, None, None, None
    fushan = make_organisation(region_code="370611")
    make_evaluation(fushan, association, rubric, cycle=2025, grade=Grade.GOOD)
    hospital = make_organisation(region_code="370602", org_type="hospital_department")
    make_evaluation(hospital, association, rubric, cycle=2025)
    make_organisation(region_code="370611", status=OrganisationStatus.SUSPENDED)
    make_designation(zhifu[0], year=2025)  # valid 2025-01-01 … 2027-12-31: current
    revoked = make_designation(zhifu[1], year=2025)
    revoked.revoked_at, revoked.revoked_reason = utcnow(), "复评不合格。"
    make_designation(zhifu[2], year=2020)  # valid until 2022-12-31: expired
    db.session.flush()
    return zhifu, fushan


def test_coverage_figures_computed_by_hand(app, yantai):
    city = services.coverage("370600", 2025, TODAY)
    assert (city.organisations, city.evaluated) == (5, 4)
    assert city.rate == pytest.approx(0.8) and city.meets_target
    assert city.demonstration_units == 1 and city.demonstration_target == 100
    zhifu = services.coverage("370602", 2025, TODAY)
    assert (zhifu.organisations, zhifu.evaluated, zhifu.still_to_evaluate) == (4, 3, 1)
    assert zhifu.rate == pytest.approx(0.75) and not zhifu.meets_target
    fushan = services.coverage("370611", 2025, TODAY)
    assert fushan.rate == 1.0 and fushan.meets_target
    app.config["EVALUATION_RATE_TARGET"] = 0.85
    assert not services.coverage("370600", 2025, TODAY).meets_target


def test_regulator_page_shows_region_subregions_and_pending(client, yantai):
    zhifu, _ = yantai
    regulator = make_user(Role.REGULATOR)
    db.session.commit()
    client.post("/login", data={"email": regulator.email, "password": PASSWORD})
    page = client.get("/dashboard/coverage?cycle=2025").get_data(as_text=True)
    assert "烟台市" in page and "芝罘区" in page and "福山区" in page
    assert "4 / 5" in page and "3" in page
    assert zhifu[3].name in page and zhifu[0].name not in page.split("尚未评估的机构")[1]


def test_regulator_cannot_see_another_jurisdiction(client, yantai):
    regulator = make_user(Role.REGULATOR, region_code="510700")
    db.session.commit()
    client.post("/login", data={"email": regulator.email, "password": PASSWORD})
    assert client.get("/dashboard/coverage?region=370600").status_code == 403
    assert client.get("/dashboard/coverage").status_code == 200


def test_org_accounts_cannot_open_the_dashboard(client, yantai):
    zhifu, _ = yantai
    owner = make_user(Role.ORG, organisation_id=zhifu[0].id)
    db.session.commit()
    client.post("/login", data={"email": owner.email, "password": PASSWORD})
    assert client.get("/dashboard/coverage").status_code == 403
    assert client.get("/designations").status_code == 403


def test_admin_sees_the_whole_country_by_province(client, yantai):
    admin = make_user(Role.ADMIN, region_code=None)
    db.session.commit()
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    page = client.get("/dashboard/coverage?cycle=2025").get_data(as_text=True)
    assert "山东省" in page and "四川省" in page and "4 / 5" in page
