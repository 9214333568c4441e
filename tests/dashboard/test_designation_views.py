"""The regulator's designation pages: eligibility with reasons, designating, revoking."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from registry.auth.models import Role
from registry.evaluation.models import DemonstrationDesignation, Grade
from registry.extensions import db
from tests.conftest import PASSWORD
from tests.factories import (
    make_association,
    make_designation,
    make_evaluation,
    make_organisation,
    make_rubric,
    make_user,
)


def _login(client):
    regulator = make_user(Role.REGULATOR)
    db.session.commit()
    client.post("/login", data={"email": regulator.email, "password": PASSWORD})
    return regulator


def _form(**changes):
    year = date.today().year
    values = {"year": str(year), "valid_from": date.today().isoformat(),
              "valid_to": f"{year + 2}-12-31", "designating_body": "烟台市卫生健康委员会",
              "override_reason": ""}
    values.update(changes)
    return values


def test_eligibility_page_shows_each_rule(client, regions):
    organisation = make_organisation()
    _login(client)
    page = client.get(f"/designations/organisations/{organisation.id}").get_data(as_text=True)
    assert "示范单位候选" in page and "实践基地" in page and "政府购买服务" in page
    assert "暂无已公布的评估结果" in page and "不满足" in page and "须填写认定理由" in page


def test_ineligible_designation_refused_then_allowed_with_reason(client, regions):
    organisation = make_organisation()
    _login(client)
    url = f"/designations/organisations/{organisation.id}"
    refused = client.post(url, data=_form())
    assert refused.status_code == 400 and "须填写认定理由" in refused.get_data(as_text=True)
    assert client.post(url, data=_form(override_reason="心理援助表现突出。")).status_code == 302
    designation = db.session.scalar(sa.select(DemonstrationDesignation))
    assert designation.override_reason == "心理援助表现突出。"
    listing = client.get("/designations").get_data(as_text=True)
    assert organisation.name in listing and "心理援助表现突出" in listing


def test_eligible_candidate_listed_and_designated(client, regions):
    organisation = make_organisation()
    make_evaluation(organisation, make_association(), make_rubric(), cycle=date.today().year - 1,
                    grade=Grade.EXCELLENT)
    _login(client)
    assert organisation.name in client.get("/designations").get_data(as_text=True)
    response = client.post(f"/designations/organisations/{organisation.id}", data=_form())
    assert response.status_code == 302


def test_revoke_from_the_list(client, regions):
    designation = make_designation(make_organisation(), year=date.today().year)
    _login(client)
    response = client.post(f"/designations/{designation.id}/revoke", data={"reason": "复评不合格。"},
                           follow_redirects=True)
    assert "已撤销" in response.get_data(as_text=True)
    db.session.refresh(designation)
    assert designation.revoked_reason == "复评不合格。"
