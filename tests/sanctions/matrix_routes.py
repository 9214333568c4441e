"""The sanction routes in the permission matrix, each for a record inside 烟台 (``inside``,
owned by ``org_owner``) and one outside it (``outside``, 绵阳, owned by ``org_other``)."""
from __future__ import annotations

from datetime import date, timedelta

from registry.extensions import db
from registry.sanctions.models import (
    AppealKind,
    LicenceReferral,
    SanctionAppeal,
    SanctionRecommendation,
    SanctionType,
)
from tests import factories
from tests.matrix import ASSESSORS_INSIDE, EVERYONE, OFFICERS_INSIDE, OWNER, Route

WHERE = ("inside", "outside")
ALLOWED = {
    "assessors": {"inside": ASSESSORS_INSIDE, "outside": frozenset({"assessor_outside", "admin"})},
    "officers": {"inside": OFFICERS_INSIDE, "outside": frozenset({"regulator_outside", "admin"})},
    "owner": {"inside": OWNER, "outside": frozenset({"org_other", "admin"})},
}
YESTERDAY = date.today() - timedelta(days=1)


def _sanctions(world, **values) -> dict:
    records = {}
    for where in WHERE:
        organisation = world.records[where]
        fields = dict(decision_date=YESTERDAY, starts_on=YESTERDAY,
                      disclosure_until=YESTERDAY + timedelta(days=200)) | values
        records[f"sanction_{where}"] = factories.make_sanction(organisation, **fields)
    return records


def with_sanctions(world) -> dict:
    """A warning on each organisation, decided yesterday."""
    return _sanctions(world)


def with_appeals(world) -> dict:
    """A pending appeal against a warning on each organisation."""
    records = _sanctions(world)
    for where in WHERE:
        appeal = SanctionAppeal(sanction_id=records[f"sanction_{where}"].id,
                                kind=AppealKind.APPEAL, statement="不服该决定。")
        db.session.add(appeal)
        db.session.flush()
        records[f"appeal_{where}"] = appeal
    return records


def with_referrals(world) -> dict:
    """A licence referral on each organisation."""
    records = _sanctions(world, sanction_type=SanctionType.LICENCE_REVOCATION_REFERRAL,
                         disclosure_until=None)
    for where in WHERE:
        referral = LicenceReferral(sanction_id=records[f"sanction_{where}"].id,
                                   referred_to="市场监督管理局", referred_on=YESTERDAY)
        db.session.add(referral)
        db.session.flush()
        records[f"referral_{where}"] = referral
    return records


def with_recommendations(world) -> dict:
    """A pending recommendation about each organisation from its city's association."""
    records = {}
    for where in WHERE:
        organisation = world.records[where]
        recommendation = SanctionRecommendation(
            association_id=world.records[f"association_{where}"].id,
            organisation_id=organisation.id, region_code=organisation.region_code,
            proposed_type=SanctionType.WARNING, facts="未公示收费标准。")
        db.session.add(recommendation)
        db.session.flush()
        records[f"recommendation_{where}"] = recommendation
    return records


def sanction_form(world) -> dict:
    """A warning decided yesterday, disclosed for six months."""
    return {"sanction_type": "warning", "facts": "未公示收费标准。", "legal_basis": "价格法第十三条",
            "decision_number": "烟卫罚〔2026〕1号", "decision_date": YESTERDAY.isoformat(),
            "deciding_body": "卫生健康委员会", "starts_on": YESTERDAY.isoformat(),
            "disclosure_until": (YESTERDAY + timedelta(days=190)).isoformat()}


def _routes_for(where: str) -> list[Route]:
    return [
        Route("sanctions.new_recommendation", "POST",
              lambda w: f"/recommendations/new?organisation={w.records[where].id}",
              ALLOWED["assessors"][where], variant=where,
              data=lambda w: {"proposed_type": "warning", "facts": "未公示收费标准。",
                              "association_id": w.records[f"association_{where}"].id}),
        Route("sanctions.decline_recommendation", "POST",
              lambda w: f"/review/recommendations/{w.records['recommendation_' + where].id}/decline",
              ALLOWED["officers"][where], variant=where, prepare=with_recommendations,
              data=lambda w: {"decision_reason": "证据不足。"}),
        Route("sanctions.new_sanction", "POST",
              lambda w: f"/review/sanctions/new?organisation={w.records[where].id}",
              ALLOWED["officers"][where], variant=where, data=sanction_form),
        Route("sanctions.referral_outcome", "POST",
              lambda w: f"/review/referrals/{w.records['referral_' + where].id}/outcome",
              ALLOWED["officers"][where], variant=where, prepare=with_referrals,
              data=lambda w: {"outcome": "revoked", "outcome_on": date.today().isoformat()}),
        Route("sanctions.decide_appeal", "POST",
              lambda w: f"/review/appeals/{w.records['appeal_' + where].id}/decide",
              ALLOWED["officers"][where], variant=where, prepare=with_appeals,
              data=lambda w: {"decision": "reject", "decision_reason": "维持原决定。"}),
        Route("sanctions.file_appeal", "POST",
              lambda w: f"/my/sanctions/{w.records['sanction_' + where].id}/appeal",
              ALLOWED["owner"][where], variant=where, prepare=with_sanctions,
              data=lambda w: {"kind": "appeal", "statement": "不服该决定。"}),
    ]


ROUTES = _routes_for("inside") + _routes_for("outside")


# --- the same decisions through the API (bearer tokens) ----------------------------------------

API = "/api/v1"
CREATED = (200, 201)


def _api_sanction(world, where: str) -> dict:
    form = sanction_form(world)
    return form | {"subject_kind": "organisation", "subject_id": world.records[where].id}


def _api_routes_for(where: str) -> list[Route]:
    return [
        Route("api.file_recommendation", "POST", lambda w: f"{API}/recommendations",
              ALLOWED["assessors"][where], variant=where, json=True, allowed_status=CREATED,
              data=lambda w: {"subject_kind": "organisation", "subject_id": w.records[where].id,
                              "proposed_type": "warning", "facts": "未公示收费标准。",
                              "association_id": w.records[f"association_{where}"].id}),
        Route("api.decline_recommendation", "POST",
              lambda w: f"{API}/recommendations/{w.records['recommendation_' + where].id}/decline",
              ALLOWED["officers"][where], variant=where, json=True, prepare=with_recommendations,
              data=lambda w: {"reason": "证据不足。"}),
        Route("api.record_sanction", "POST", lambda w: f"{API}/sanctions",
              ALLOWED["officers"][where], variant=where, json=True, allowed_status=CREATED,
              data=lambda w: _api_sanction(w, where)),
        Route("api.referral_outcome", "POST",
              lambda w: f"{API}/referrals/{w.records['referral_' + where].id}/outcome",
              ALLOWED["officers"][where], variant=where, json=True, prepare=with_referrals,
              data=lambda w: {"outcome": "revoked", "outcome_on": date.today().isoformat()}),
        Route("api.file_appeal", "POST",
              lambda w: f"{API}/sanctions/{w.records['sanction_' + where].id}/appeals",
              ALLOWED["owner"][where], variant=where, json=True, prepare=with_sanctions,
              allowed_status=CREATED, data=lambda w: {"kind": "appeal", "statement": "不服。"}),
        Route("api.decide_appeal", "POST",
              lambda w: f"{API}/appeals/{w.records['appeal_' + where].id}/decision",
              ALLOWED["officers"][where], variant=where, json=True, prepare=with_appeals,
              data=lambda w: {"accept": False, "reason": "维持原决定。"}),
    ]


ROUTES += _api_routes_for("inside") + _api_routes_for("outside") + [
    Route("api.file_complaint", "POST", lambda w: f"{API}/complaints", EVERYONE, json=True,
          allowed_status=CREATED,
          data=lambda w: {"organisation_id": w.records["inside"].id, "category": "fees",
                          "summary": "收费与公示不符", "details": "实际收费高于公示标准。"}),
]
