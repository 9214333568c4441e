"""Numbers typed into URLs: a page, an id or a cycle beyond what the database holds (or not a
number at all) is a missing page on every route, never a database error (bigint out of range
on PostgreSQL answered 500)."""
from __future__ import annotations

import pytest

from registry.auth.models import Role
from registry.extensions import db
from tests import factories

HUGE = "1" + "0" * 20


@pytest.mark.parametrize("url", [
    f"/audit?page={HUGE}", f"/admin/accounts?page={HUGE}", f"/review/qualifications?page={HUGE}",
    "/audit?page=-1", "/admin/accounts?page=abc", "/review/qualifications?page=1.5",
    f"/organisations/{HUGE}", f"/practitioners/{HUGE}",
    f"/review/sanctions?page={HUGE}", f"/organisations?page={HUGE}",
])
def test_out_of_range_numbers_are_404(client, auth, regions, url):
    factories.make_user(Role.ADMIN, region_code=None, email="admin@example.cn")
    db.session.commit()
    auth.login("admin@example.cn")
    response = client.get(url)
    assert response.status_code in (400, 404), (url, response.status_code)


@pytest.mark.parametrize("url", ["/audit?page=1", "/admin/accounts?page=2",
                                 "/review/qualifications?page=1",
                                 # text filters that may hold a number: nothing matches
                                 f"/audit?actor={HUGE}", "/audit?actor=²"])
def test_ordinary_pages_still_open(client, auth, regions, url):
    factories.make_user(Role.ADMIN, region_code=None, email="admin@example.cn")
    db.session.commit()
    auth.login("admin@example.cn")
    assert client.get(url).status_code == 200
