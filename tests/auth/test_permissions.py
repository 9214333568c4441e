"""The permission matrix: every route that changes state, for every kind of account, inside
and outside its ownership or jurisdiction (entries: ``tests/<domain>/matrix_routes.py``)."""
from __future__ import annotations

import pytest

from registry.auth import services as auth_services
from registry.extensions import db
from tests.conftest import PASSWORD
from tests.matrix import ACTORS, build_world, discover_routes, fingerprint

ROUTES = discover_routes()


def test_every_state_changing_route_is_in_the_matrix(app):
    changing = {rule.endpoint for rule in app.url_map.iter_rules()
                if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}}
    missing = changing - {route.endpoint for route in ROUTES}
    assert not missing, f"add these endpoints to a tests/<domain>/matrix_routes.py: {sorted(missing)}"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route", ROUTES, ids=[route.id for route in ROUTES])
def test_permission_matrix(client, regions, route, actor):
    world = build_world()
    if route.prepare is not None:
        world.records.update(route.prepare(world))
        db.session.commit()
    headers = {}
    if actor != "anonymous" and route.json:  # the API takes bearer tokens, never the cookie
        _token, raw = auth_services.create_token(world.accounts[actor], "matrix")
        headers = {"Authorization": f"Bearer {raw}"}
    elif actor != "anonymous":
        login = client.post("/login", data={"email": world.accounts[actor].email,
                                            "password": PASSWORD})
        assert login.status_code == 302
    # A token's use is stamped on it (last_used_at): not a change the refusal made.
    ignored = {"api_tokens"} if route.json else set()
    before = fingerprint(ignored)
    payload = route.data(world)
    # An API route takes JSON, or a file as the raw body (the imports).
    options = {"json": payload} if route.json and not isinstance(payload, bytes) else \
        {"data": payload}
    response = client.open(route.url(world), method=route.method, headers=headers, **options)
    if actor in route.allowed:
        assert response.status_code in route.allowed_status, response.get_data(as_text=True)[:500]
        return
    db.session.rollback()
    if actor == "anonymous" and not route.json:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code in (401, 403)
    assert fingerprint(ignored) == before, f"{actor} was refused {route.id} but the database changed"
