"""The complaint routes in the permission matrix: anyone may file a complaint; the regulators
of 烟台 (inside) or 绵阳 (outside) handle the complaints of their region; the assessors of the
association a complaint was referred to report findings."""
from __future__ import annotations

from registry.complaints import services
from registry.complaints.models import ComplaintStatus
from tests.matrix import EVERYONE, OFFICERS_INSIDE, Route

OFFICERS = {"inside": OFFICERS_INSIDE, "outside": frozenset({"regulator_outside", "admin"})}
ASSESSORS = {"inside": frozenset({"assessor_inside", "admin"}),
             "outside": frozenset({"assessor_outside", "admin"})}
COMPLAINT = {"category": "fees", "summary": "咨询前未告知收费标准",
             "details": "结束后被要求额外支付 500 元测评费。", "contact": "13905351234"}


def with_complaints(world) -> dict:
    """A received complaint about each organisation."""
    return {f"complaint_{where}": services.file_complaint(
        dict(COMPLAINT), organisation_id=world.records[where].id) for where in OFFICERS}


def with_referrals(world) -> dict:
    """A complaint about each organisation, referred to the association of its city."""
    records = with_complaints(world)
    for where in OFFICERS:
        complaint = records[f"complaint_{where}"]
        complaint.status = ComplaintStatus.REFERRED
        complaint.association_id = world.records[f"association_{where}"].id
    return records


def _routes_for(where: str) -> list[Route]:
    path = lambda suffix: lambda w: f"/complaints/{w.records['complaint_' + where].id}{suffix}"  # noqa: E731
    officers = OFFICERS[where]
    return [
        Route("complaints.start_review", "POST", path("/start"), officers, variant=where,
              prepare=with_complaints),
        Route("complaints.refer", "POST", path("/refer"), officers, variant=where,
              prepare=with_complaints,
              data=lambda w: {"association_id": w.records[f"association_{where}"].id}),
        Route("complaints.close", "POST", path("/close"), officers, variant=where,
              prepare=with_complaints,
              data=lambda w: {"outcome": "resolved", "resolution": "已责令机构退还测评费。"}),
        Route("complaints.findings", "POST", path("/findings"), ASSESSORS[where], variant=where,
              prepare=with_referrals, data=lambda w: {"findings": "属实：机构未公示收费标准。"}),
    ]


ROUTES = _routes_for("inside") + _routes_for("outside") + [
    Route("complaints.new", "POST", lambda w: f"/complaints/new?organisation={w.records['inside'].id}",
          EVERYONE, data=lambda w: dict(COMPLAINT)),
]
