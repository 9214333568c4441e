"""The bulk import routes in the permission matrix.

Each file holds one good row for a record inside 烟台 (``inside``) or inside 绵阳 (``outside``):
the regulator of that city and the admin may import it; the other city's regulator gets 403
(the row lies outside their jurisdiction) and nothing is written; other accounts may not import
at all.
"""
from __future__ import annotations

from io import BytesIO

from werkzeug.datastructures import FileStorage

from tests.imports.files import (
    ORGANISATION_HEADERS,
    PRACTITIONER_HEADERS,
    csv_bytes,
    organisation_row,
    practitioner_row,
)
from tests.matrix import Route

IMPORTERS = {
    "inside": frozenset({"regulator_inside", "admin"}),
    "outside": frozenset({"regulator_outside", "admin"}),
}
REGIONS = {"inside": "370602", "outside": "510703"}


def _file(data: bytes) -> dict:
    # No dry_run field: an unticked checkbox, a real import.
    return {"file": FileStorage(BytesIO(data), filename="名单.csv")}


def organisations_file(side: str):
    return lambda world: _file(csv_bytes(ORGANISATION_HEADERS,
                                         [organisation_row(1, REGIONS[side])]))


def practitioners_file(side: str):
    return lambda world: _file(csv_bytes(PRACTITIONER_HEADERS,
                                         [practitioner_row(world.records[side].uscc, 1)]))


ROUTES = [
    route
    for side in ("inside", "outside")
    for route in (
        Route("imports.upload", "POST", lambda w: "/imports/organisations", IMPORTERS[side],
              data=organisations_file(side), variant=f"organisations-{side}",
              allowed_status=(200,)),
        Route("imports.upload", "POST", lambda w: "/imports/practitioners", IMPORTERS[side],
              data=practitioners_file(side), variant=f"practitioners-{side}",
              allowed_status=(200,)),
    )
]

# The same imports through the API: the file is the raw body, named by ?filename=.
ROUTES += [
    route
    for side in ("inside", "outside")
    for route in (
        Route("api.import_organisations", "POST",
              lambda w: "/api/v1/imports/organisations?filename=list.csv", IMPORTERS[side],
              data=lambda w, side=side: organisations_file(side)(w)["file"].stream.getvalue(),
              variant=side, json=True, allowed_status=(201,)),
        Route("api.import_practitioners", "POST",
              lambda w: "/api/v1/imports/practitioners?filename=list.csv", IMPORTERS[side],
              data=lambda w, side=side: practitioners_file(side)(w)["file"].stream.getvalue(),
              variant=side, json=True, allowed_status=(201,)),
    )
]
