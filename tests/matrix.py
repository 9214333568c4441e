"""The permission matrix's shared parts: the actors, the world they act in, and route entries.

Each domain lists its state-changing routes in ``tests/<domain>/matrix_routes.py`` as
``ROUTES = [Route(...), ...]``; ``tests/auth/test_permissions.py`` finds every such module, runs
each entry for every actor, and fails when the app has a state-changing endpoint no entry names.
"""
from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import sqlalchemy as sa

from registry.auth import services as auth_services
from registry.auth.models import Role
from registry.extensions import db
from tests import factories

ACTORS = ("anonymous", "org_owner", "org_other", "assessor_inside", "assessor_outside",
          "regulator_inside", "regulator_outside", "admin")
EVERYONE = frozenset(ACTORS)
LOGGED_IN = EVERYONE - {"anonymous"}
# Officers of 烟台市 and the admin: who may act on a record inside 烟台.
OFFICERS_INSIDE = frozenset({"regulator_inside", "admin"})
ASSESSORS_INSIDE = frozenset({"assessor_inside", "admin"})
OWNER = frozenset({"org_owner", "admin"})
ADMIN = frozenset({"admin"})


@dataclass
class World:
    """Accounts and records: ``inside`` is an organisation in 芝罘区 (烟台), ``outside`` one in
    涪城区 (绵阳). ``org_owner`` owns ``inside``; ``*_inside`` officers act in 烟台."""

    accounts: dict = field(default_factory=dict)
    records: dict = field(default_factory=dict)


def build_world() -> World:
    """Create the accounts and records every entry may use (committed)."""
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
                     "association_inside": association_in, "association_outside": association_out}
    return world


@dataclass(frozen=True)
class Route:
    """How to call one state-changing endpoint, and who may.

    ``variant`` tells entries for the same endpoint apart (say, a record inside and one outside
    the officers' jurisdiction). ``prepare`` makes the records the call needs and returns them
    (they are put in ``world.records`` before ``url`` and ``data`` are called).
    """

    endpoint: str
    method: str
    url: Callable[[World], str]
    allowed: frozenset
    data: Callable[[World], dict] = lambda world: {}
    variant: str = ""
    allowed_status: tuple = (200, 302)
    prepare: Optional[Callable[[World], dict]] = None
    json: bool = False

    @property
    def id(self) -> str:
        return f"{self.endpoint}[{self.variant}]" if self.variant else self.endpoint


def discover_routes() -> list[Route]:
    """Every ``ROUTES`` list in ``tests/*/matrix_routes.py``."""
    routes: list[Route] = []
    tests_dir = Path(__file__).parent
    for package in sorted(p.name for p in tests_dir.iterdir() if (p / "matrix_routes.py").exists()):
        routes.extend(importlib.import_module(f"tests.{package}.matrix_routes").ROUTES)
    return routes


def fingerprint(ignored: set = frozenset()) -> str:
    """A digest of every row of every table but regions (and ``ignored``): equal digests mean
    nothing changed."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        if table.name == "regions" or table.name in ignored:
            continue
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digest.update(repr((table.name, [tuple(row) for row in rows])).encode())
    return digest.hexdigest()


__all__ = ["ACTORS", "ADMIN", "ASSESSORS_INSIDE", "EVERYONE", "LOGGED_IN", "OFFICERS_INSIDE",
           "OWNER", "Route", "World", "build_world", "discover_routes", "fingerprint"]
