"""The designation routes in the permission matrix: designating and revoking, for an
organisation inside the officers' jurisdiction (烟台) and one outside it (绵阳)."""
from __future__ import annotations

from datetime import date

from tests import factories
from tests.matrix import OFFICERS_INSIDE, Route

OFFICERS_OUTSIDE = frozenset({"regulator_outside", "admin"})
ALLOWED = {"inside": OFFICERS_INSIDE, "outside": OFFICERS_OUTSIDE}


def with_designation(world) -> dict:
    """A current designation for each organisation."""
    return {f"designation_{where}": factories.make_designation(world.records[where], year=2025)
            for where in ALLOWED}


def _designation_form(world) -> dict:
    # The organisations have no evaluation, so the override reason is what lets it through.
    return {"year": str(date.today().year), "valid_from": date.today().isoformat(),
            "valid_to": date(date.today().year + 2, 12, 31).isoformat(),
            "designating_body": "烟台市卫生健康委员会", "override_reason": "抗疫心理援助表现突出。"}


def _routes_for(where: str) -> list[Route]:
    return [
        Route("dashboard.designate", "POST",
              lambda w: f"/designations/organisations/{w.records[where].id}", ALLOWED[where],
              variant=where, data=_designation_form),
        Route("dashboard.revoke", "POST",
              lambda w: f"/designations/{w.records['designation_' + where].id}/revoke",
              ALLOWED[where], variant=where, prepare=with_designation,
              data=lambda w: {"reason": "复评不合格。"}),
    ]


ROUTES = _routes_for("inside") + _routes_for("outside")
