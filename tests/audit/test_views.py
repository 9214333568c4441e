"""The audit page: regulators see their jurisdiction's events, admins all; filters work."""
from __future__ import annotations

import pytest

from registry.audit.services import record
from registry.auth.models import Role
from registry.extensions import db
from tests import factories


@pytest.fixture
def events(regions):
    record("organisation.approve", "organisation", 1, region_code="370602",
           after={"status": "active"})
    record("organisation.approve", "organisation", 2, region_code="510703",
           after={"status": "active"})
    record("sanction.record", "sanction", 3, region_code="370613", after={"type": "warning"})
    db.session.commit()


def _login(client, role, **values):
    user = factories.make_user(role, email=f"{role.value}@example.cn", **values)
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    return user


def _rows(response) -> int:
    return response.get_data(as_text=True).count('<code class="code">')


def test_regulator_sees_only_their_jurisdiction(client, events):
    _login(client, Role.REGULATOR, region_code="370600")
    page = client.get("/audit")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "370602" in text and "370613" in text and "510703" not in text
    # Two events in 烟台, and the regulator's own login (an account of 烟台 too).
    assert _rows(page) == 3


def test_admin_sees_everything_and_filters(client, events):
    _login(client, Role.ADMIN, region_code=None)
    assert _rows(client.get("/audit")) == 4  # three events and the admin's login
    assert _rows(client.get("/audit?entity_type=sanction")) == 1
    assert _rows(client.get("/audit?action=organisation.")) == 2
    assert _rows(client.get("/audit?entity_type=organisation&entity_id=2")) == 1
    assert _rows(client.get("/audit?actor=admin@example.cn")) == 1  # the login
    assert _rows(client.get("/audit?from=2000-01-01&to=2000-01-02")) == 0
    bad = client.get("/audit?from=yesterday")
    assert "YYYY-MM-DD" in bad.get_data(as_text=True) and 'value="yesterday"' in bad.get_data(as_text=True)


def test_pagination(client, regions):
    for number in range(60):
        record("organisation.update", "organisation", number, region_code="370602")
    db.session.commit()
    _login(client, Role.ADMIN, region_code=None)
    first = client.get("/audit")
    assert _rows(first) == 50 and "第 1 / 2 页" in first.get_data(as_text=True)
    assert _rows(client.get("/audit?page=2")) == 11


@pytest.mark.parametrize("role, values", [
    (Role.ORG, "organisation"),
    (Role.ASSESSOR, "association"),
])
def test_others_may_not_read_the_log(client, events, role, values):
    extra = {}
    if values == "organisation":
        extra["organisation_id"] = factories.make_organisation().id
    else:
        extra["association_id"] = factories.make_association().id
    _login(client, role, **extra)
    assert client.get("/audit").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/audit")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
