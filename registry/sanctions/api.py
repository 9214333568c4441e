"""API writes of the sanctions side, with a bearer token (anonymous for a complaint): each
parses its JSON body and calls the same service as the web page, which checks permission,
jurisdiction, state and input (``ValidationFailed`` → 422, ``PermissionDenied`` → 403,
``StateConflict`` → 409, ``NotFound`` → 404, see ``registry.api.http``)."""
from __future__ import annotations

from flask import g

from registry.api import http
from registry.api.auth import token_required
from registry.api.openapi import operation
from registry.api.views import bp
from registry.api.writes import answer
from registry.complaints import services as complaints
from registry.complaints.views import complaint_limit
from registry.extensions import limiter
from registry.sanctions import appeals, recommendations, services
from registry.sanctions import schemas as s

SUBJECT_FIELDS = ("subject_kind", "subject_id")


def _without_subject(body: dict) -> dict:
    return {key: value for key, value in body.items() if key not in SUBJECT_FIELDS}


@bp.post("/recommendations")
@token_required
@operation("post", "File a sanction or exit recommendation (assessors)",
           answer=s.RecommendationStateSchema, body=s.RecommendationBodySchema, status=201,
           tag="sanctions", token=True)
def file_recommendation():
    """An association's recommendation to the competent department."""
    body = http.parse_body(s.RecommendationBodySchema())
    recommendation = recommendations.file_recommendation(
        g.api_user, body["subject_kind"], body["subject_id"], _without_subject(body))
    return answer(s.RecommendationStateSchema(), recommendation, 201)


@bp.post(f"/recommendations/<{http.ID}:recommendation_id>/decline")
@token_required
@operation("post", "Decline a recommendation with a reason (regulators)",
           answer=s.RecommendationStateSchema, body=s.DeclineBodySchema, tag="sanctions",
           token=True)
def decline_recommendation(recommendation_id: int):
    """Decline a pending recommendation."""
    body = http.parse_body(s.DeclineBodySchema())
    return answer(s.RecommendationStateSchema(),
                   recommendations.decline(g.api_user, recommendation_id, body["reason"]))


@bp.post("/sanctions")
@token_required
@operation("post", "Record a sanction and apply its consequences (regulators)",
           answer=s.SanctionStateSchema, body=s.SanctionBodySchema, status=201,
           tag="sanctions", token=True,
           description="With recommendation_id, the recommendation is accepted by this sanction.")
def record_sanction():
    """Record a sanction (暂停服务 suspends, 退出登记 exits, … in the same transaction)."""
    body = http.parse_body(s.SanctionBodySchema())
    sanction = services.record_sanction(g.api_user, body["subject_kind"], body["subject_id"],
                                        _without_subject(body))
    return answer(s.SanctionStateSchema(), sanction, 201)


@bp.post(f"/referrals/<{http.ID}:referral_id>/outcome")
@token_required
@operation("post", "Record the market regulator's outcome of a licence referral (regulators)",
           answer=s.ReferralStateSchema, body=s.ReferralOutcomeBodySchema, tag="sanctions",
           token=True)
def referral_outcome(referral_id: int):
    """What the market regulator decided."""
    body = http.parse_body(s.ReferralOutcomeBodySchema())
    return answer(s.ReferralStateSchema(),
                   services.record_referral_outcome(g.api_user, referral_id, body))


@bp.post(f"/sanctions/<{http.ID}:sanction_id>/appeals")
@token_required
@operation("post", "File an appeal or a credit-repair request (the sanctioned organisation)",
           answer=s.AppealStateSchema, body=s.AppealBodySchema, status=201, tag="sanctions",
           token=True)
def file_appeal(sanction_id: int):
    """An appeal within the deadline, or a repair request after the minimum period."""
    body = http.parse_body(s.AppealBodySchema())
    appeal = appeals.file_request(g.api_user, sanction_id, body["kind"],
                                  {"statement": body["statement"],
                                   "evidence": body.get("evidence")})
    return answer(s.AppealStateSchema(), appeal, 201)


@bp.post(f"/appeals/<{http.ID}:appeal_id>/decision")
@token_required
@operation("post", "Accept or reject an appeal or repair request (regulators)",
           answer=s.AppealStateSchema, body=s.DecisionBodySchema, tag="sanctions", token=True)
def decide_appeal(appeal_id: int):
    """Accept (lifts the sanction or ends disclosure early) or reject, with a reason."""
    body = http.parse_body(s.DecisionBodySchema())
    return answer(s.AppealStateSchema(),
                   appeals.decide(g.api_user, appeal_id, body["accept"], body["reason"]))


@bp.post("/complaints")
@limiter.limit(complaint_limit)
@operation("post", "File a complaint about an organisation or practitioner (anonymous)",
           answer=s.ComplaintFiledSchema, body=s.ComplaintBodySchema, status=201,
           tag="complaints",
           description="Rate limited per address (COMPLAINT_LIMIT). Keep the reference: it is "
                       "the only way to follow the complaint (/complaints/track).")
def file_complaint():
    """A member of the public complains; the answer is the tracking number."""
    body = http.parse_body(s.ComplaintBodySchema())
    subject = {key: body.pop(key, None) for key in ("organisation_id", "practitioner_id")}
    complaint = complaints.file_complaint(body, **subject)
    return answer(s.ComplaintFiledSchema(), complaint, 201)
