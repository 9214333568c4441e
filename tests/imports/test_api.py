"""The bulk import through the API: the file as the body, all or nothing, problems as JSON."""
from __future__ import annotations

import sqlalchemy as sa

from registry.auth import services as auth_services
from registry.auth.models import Role
from registry.extensions import db
from registry.orgs.models import Organisation
from tests import factories
from tests.imports.files import ORGANISATION_HEADERS, csv_bytes, organisation_row


def _bearer(user) -> dict:
    db.session.commit()
    _token, raw = auth_services.create_token(user, "importer")
    return {"Authorization": f"Bearer {raw}", "Content-Type": "text/csv"}


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Organisation))


def test_a_regulator_imports_checks_and_is_refused_bad_rows(client, regions):
    headers = _bearer(factories.make_user(Role.REGULATOR))
    good = csv_bytes(ORGANISATION_HEADERS, [organisation_row(1), organisation_row(2)])
    bad = csv_bytes(ORGANISATION_HEADERS, [organisation_row(3), organisation_row(4, 机构名称="")])

    dry = client.post("/api/v1/imports/organisations?filename=a.csv&dry_run=1", data=good,
                      headers=headers)
    assert dry.status_code == 200 and dry.json["imported"] == 2 and _count() == 0
    done = client.post("/api/v1/imports/organisations?filename=a.csv", data=good, headers=headers)
    assert done.status_code == 201 and done.json["committed"] and _count() == 2
    refused = client.post("/api/v1/imports/organisations?filename=b.csv", data=bad,
                          headers=headers)
    assert refused.status_code == 422 and _count() == 2
    assert any(key.startswith("3:") for key in refused.json["error"]["fields"])
    unnamed = client.post("/api/v1/imports/organisations", data=good, headers=headers)
    assert unnamed.status_code == 400 and "filename" in unnamed.json["error"]["fields"]


def test_outside_rows_and_other_roles_are_refused(client, regions):
    outside = csv_bytes(ORGANISATION_HEADERS, [organisation_row(5, region_code="510703")])
    regulator = _bearer(factories.make_user(Role.REGULATOR))
    owner = _bearer(factories.make_user(Role.ORG, organisation_id=factories.make_organisation().id))

    assert client.post("/api/v1/imports/organisations?filename=c.csv", data=outside,
                       headers=regulator).status_code == 403
    assert client.post("/api/v1/imports/organisations?filename=c.csv", data=outside,
                       headers=owner).status_code == 403
    assert client.post("/api/v1/imports/organisations?filename=c.csv",
                       data=outside).status_code == 401
