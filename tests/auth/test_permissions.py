"""The permission matrix: every route that changes state, for every kind of account, inside
and outside its ownership or jurisdiction.

``ROUTES`` must name every state-changing endpoint in the app's URL map: a route added later
without an entry here fails ``test_every_state_changing_route_is_in_the_matrix``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable

import pytest
import sqlalchemy as sa

from registry.auth import services as auth_services
from registry.auth.models import Role
from registry.extensions import db
from tests import factories
from tests.conftest import PASSWORD

ACTORS = ("anonymous", "org_owner", "org_other", "assessor_inside", "assessor_outside",
          "regulator_inside", "regulator_outside", "admin")
EVERYONE_LOGGED_IN = frozenset(ACTORS) - {"anonymous"}
NEW_PASSWORD = "烟台心海咨询2026"


@dataclass
class World:
    """Accounts and records the matrix acts on: an organisation in 烟台 (芝罘区), one in 绵阳."""

    accounts: dict = field(default_factory=dict)
    records: dict = field(default_factory=dict)


def build_world() -> World:
    world = World()
    inside = factories.make_organisation(region_code="370602")
    outside = factories.make_organisation(region_code="510703")
    association_in = factories.make_association(region_code="370600")
    association_out = factories.make_association(region_code="510700")
    make = factories.make_user
    world.accounts = {
        "org_owner": make(Role.ORG, organisation_id=inside.id, email="owner@example.cn"),
        "org_other": make(Role.ORG, organisation_id=outside.id, email="other@example.cn"),
        "assessor_inside": make(Role.ASSESSOR, association_id=association_in.id,
                                email="assessor.in@example.cn"),
        "assessor_outside": make(Role.ASSESSOR, association_id=association_out.id,
                                 region_code="510700", email="assessor.out@example.cn"),
        "regulator_inside": make(Role.REGULATOR, email="regulator.in@example.cn"),
        "regulator_outside": make(Role.REGULATOR, region_code="510700",
                                  email="regulator.out@example.cn"),
        "admin": make(Role.ADMIN, region_code=None, email="admin@example.cn"),
    }
    db.session.commit()
    token, _raw = auth_services.create_token(world.accounts["org_owner"], "owner's token")
    world.records = {"inside": inside, "outside": outside, "owner_token": token,
                     "victim": world.accounts["regulator_outside"]}
    return world


@dataclass(frozen=True)
class Route:
    """How to call one endpoint, and who may."""

    method: str
    url: Callable[[World], str]
    data: Callable[[World], dict]
    allowed: frozenset
    # What an allowed call answers (a redirect after a successful POST, or a page).
    allowed_status: tuple = (200, 302)


ROUTES: dict[str, Route] = {
    "auth.login": Route("POST", lambda w: "/login",
                        lambda w: {"email": "admin@example.cn", "password": PASSWORD},
                        frozenset(ACTORS)),
    "auth.logout": Route("POST", lambda w: "/logout", lambda w: {}, EVERYONE_LOGGED_IN),
    "auth.signup": Route("POST", lambda w: "/signup", lambda w: {
        "organisation_name": "新机构", "org_type": "hotline", "province": "370000",
        "city": "370600", "county": "370602", "email": "new.org@example.cn",
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, frozenset(ACTORS)),
    "auth.change_password": Route("POST", lambda w: "/account/password", lambda w: {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        EVERYONE_LOGGED_IN),
    "auth.create_token": Route("POST", lambda w: "/account/tokens", lambda w: {"name": "脚本"},
                               EVERYONE_LOGGED_IN),
    "auth.revoke_token": Route(
        "POST", lambda w: f"/account/tokens/{w.records['owner_token'].id}/revoke",
        lambda w: {}, frozenset({"org_owner", "admin"})),
    "auth.new_account": Route("POST", lambda w: "/admin/accounts/new", lambda w: {
        "email": "created@example.cn", "role": "admin", "password": NEW_PASSWORD},
        frozenset({"admin"})),
    "auth.set_active": Route(
        "POST", lambda w: f"/admin/accounts/{w.records['victim'].id}/deactivate",
        lambda w: {}, frozenset({"admin"})),
}


def state_changing_endpoints(app) -> set[str]:
    """Every endpoint that accepts POST, PUT, PATCH or DELETE."""
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}}


def fingerprint() -> str:
    """A digest of every row of every table: equal digests mean nothing changed."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        if table.name == "regions":
            continue
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digest.update(repr((table.name, [tuple(row) for row in rows])).encode())
    return digest.hexdigest()


def test_every_state_changing_route_is_in_the_matrix(app):
    missing = state_changing_endpoints(app) - set(ROUTES)
    assert not missing, f"add these endpoints to the permission matrix: {sorted(missing)}"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_permission_matrix(client, regions, endpoint, actor):
    world = build_world()
    route = ROUTES[endpoint]
    if actor != "anonymous":
        login = client.post("/login", data={"email": world.accounts[actor].email,
                                            "password": PASSWORD})
        assert login.status_code == 302
    before = fingerprint()
    url = route.url(world)
    response = client.open(url, method=route.method, data=route.data(world))
    if actor in route.allowed:
        assert response.status_code in route.allowed_status, response.get_data(as_text=True)[:500]
        return
    db.session.rollback()
    if actor == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403
    assert fingerprint() == before, f"{actor} was refused {endpoint} but the database changed"
