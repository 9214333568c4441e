"""API writes with a bearer token. Each endpoint parses its JSON body and calls the same
service function as the web page, which checks permission, jurisdiction, state and input:
``ValidationFailed`` → 422 with fields, ``PermissionDenied`` → 403, ``StateConflict`` → 409,
``NotFound`` → 404 (``registry.api.http``).

Adding an endpoint: a view here with ``@token_required``, an ``@operation(...)`` line (its
OpenAPI entry), ``http.parse_body(SomeBodySchema())`` and one service call; plus an entry in
``tests/api/matrix_routes.py``.
"""
from __future__ import annotations

from flask import g, jsonify

from registry.api import http
from registry.api import write_schemas as w
from registry.api.auth import token_required
from registry.api.openapi import operation
from registry.api.views import bp
from registry.evaluation import designations
from registry.evaluation import services as evaluation
from registry.orgs import services as orgs
from registry.practitioners import services as practitioners




def answer(schema, record, status: int = 200):
    """A write's JSON answer: the record dumped by ``schema``, with ``status``."""
    response = jsonify(schema.dump(record))
    response.status_code = status
    return response


def _profile(organisation_id: int, changes: dict) -> dict:
    """The profile as last proposed, with ``changes`` on top (left-out fields are kept)."""
    overview = orgs.overview(g.api_user, organisation_id)
    return {**orgs.proposed_values(overview.organisation, overview.pending), **changes}


# --- registration (登记) ---------------------------------------------------------------------

@bp.put(f"/organisations/<{http.ID}:organisation_id>/draft")
@token_required
@operation("put", "Save the registration of a draft or rejected organisation",
           answer=w.OrganisationStateSchema, body=w.ProfileBodySchema, tag="registration",
           token=True)
def save_draft(organisation_id: int):
    """Save a draft or rejected registration."""
    values = _profile(organisation_id, http.parse_body(w.ProfileBodySchema()))
    saved = orgs.save_draft(g.api_user, organisation_id, values)
    return answer(w.OrganisationStateSchema(), saved)


@bp.post(f"/organisations/<{http.ID}:organisation_id>/submit")
@token_required
@operation("post", "Submit a registration for review", answer=w.OrganisationStateSchema,
           tag="registration", token=True)
def submit(organisation_id: int):
    """Submit the saved registration for review."""
    return answer(w.OrganisationStateSchema(), orgs.submit(g.api_user, organisation_id))


@bp.post(f"/organisations/<{http.ID}:organisation_id>/change-requests")
@token_required
@operation("post", "Propose a change of an approved organisation's profile",
           answer=w.ChangeRequestStateSchema, body=w.ProfileBodySchema, status=201,
           tag="registration", token=True)
def request_change(organisation_id: int):
    """Propose changes to an approved registration (or update the pending proposal)."""
    values = _profile(organisation_id, http.parse_body(w.ProfileBodySchema()))
    change = orgs.request_change(g.api_user, organisation_id, values)
    return answer(w.ChangeRequestStateSchema(), change, 201)


@bp.post(f"/organisations/<{http.ID}:organisation_id>/approve")
@token_required
@operation("post", "Approve a submitted registration (regulators)",
           answer=w.OrganisationStateSchema, tag="review", token=True)
def approve_registration(organisation_id: int):
    """Approve a submitted registration."""
    return answer(w.OrganisationStateSchema(), orgs.approve(g.api_user, organisation_id))


@bp.post(f"/organisations/<{http.ID}:organisation_id>/reject")
@token_required
@operation("post", "Reject a submitted registration (regulators)",
           answer=w.OrganisationStateSchema, body=w.ReasonBodySchema, tag="review", token=True)
def reject_registration(organisation_id: int):
    """Reject a submitted registration with a reason."""
    body = http.parse_body(w.ReasonBodySchema())
    return answer(w.OrganisationStateSchema(),
                   orgs.reject(g.api_user, organisation_id, body["reason"]))


@bp.post(f"/change-requests/<{http.ID}:change_request_id>/approve")
@token_required
@operation("post", "Approve a change request (regulators)", answer=w.ChangeRequestStateSchema,
           body=w.ChangeDecisionBodySchema, tag="review", token=True)
def approve_change(change_request_id: int):
    """Apply a pending change request (or carry out a deregistration)."""
    body = http.parse_body(w.ChangeDecisionBodySchema())
    change = orgs.approve_change(g.api_user, change_request_id, revision=body.get("revision"))
    return answer(w.ChangeRequestStateSchema(), change)


@bp.post(f"/change-requests/<{http.ID}:change_request_id>/reject")
@token_required
@operation("post", "Reject a change request (regulators)", answer=w.ChangeRequestStateSchema,
           body=w.ChangeRejectionBodySchema, tag="review", token=True)
def reject_change(change_request_id: int):
    """Refuse a pending change request with a reason."""
    body = http.parse_body(w.ChangeRejectionBodySchema())
    change = orgs.reject_change(g.api_user, change_request_id, body["reason"],
                                revision=body.get("revision"))
    return answer(w.ChangeRequestStateSchema(), change)


# --- practitioners and qualifications --------------------------------------------------------

@bp.post(f"/organisations/<{http.ID}:organisation_id>/practitioners")
@token_required
@operation("post", "Add a practitioner with qualifications to an organisation",
           answer=w.RegistrationResultSchema, body=w.PractitionerBodySchema, status=201,
           tag="practitioners", token=True)
def add_practitioner(organisation_id: int):
    """Add a practitioner, or link the person registered under the same ID number."""
    body = http.parse_body(w.PractitionerBodySchema())
    qualifications = body.pop("qualifications")
    role, start_date = body.pop("role"), body.pop("start_date", None)
    registration = practitioners.register_practitioner(
        g.api_user, organisation_id, body, qualifications, role=role, start_date=start_date)
    return answer(w.RegistrationResultSchema(), registration, 201)


@bp.post(f"/organisations/<{http.ID}:organisation_id>/practitioners/<{http.ID}:practitioner_id>"
         "/qualifications")
@token_required
@operation("post", "Add a qualification to a practitioner", answer=w.QualificationStateSchema,
           body=w.QualificationBodySchema, status=201, tag="practitioners", token=True)
def add_qualification(organisation_id: int, practitioner_id: int):
    """Add a certificate to a current practitioner; it waits for verification."""
    body = http.parse_body(w.QualificationBodySchema())
    qualification = practitioners.add_qualification(g.api_user, organisation_id,
                                                    practitioner_id, body)
    return answer(w.QualificationStateSchema(), qualification, 201)


@bp.post(f"/qualifications/<{http.ID}:qualification_id>/verify")
@token_required
@operation("post", "Verify a qualification (regulators, or assessors where configured)",
           answer=w.QualificationStateSchema, tag="review", token=True)
def verify_qualification(qualification_id: int):
    """Mark a qualification verified."""
    return answer(w.QualificationStateSchema(),
                   practitioners.verify_qualification(g.api_user, qualification_id))


@bp.post(f"/qualifications/<{http.ID}:qualification_id>/reject")
@token_required
@operation("post", "Reject a qualification", answer=w.QualificationStateSchema,
           body=w.ReasonBodySchema, tag="review", token=True)
def reject_qualification(qualification_id: int):
    """Reject a qualification with a reason."""
    body = http.parse_body(w.ReasonBodySchema())
    return answer(w.QualificationStateSchema(),
                   practitioners.reject_qualification(g.api_user, qualification_id,
                                                      body["reason"]))


# --- evaluation (评价) and demonstration units --------------------------------------------------

@bp.post("/evaluations")
@token_required
@operation("post", "Open a draft evaluation of an organisation for a cycle (assessors)",
           answer=w.EvaluationStateSchema, body=w.OpenEvaluationBodySchema, status=201,
           tag="evaluation", token=True)
def open_evaluation():
    """Open a draft evaluation."""
    body = http.parse_body(w.OpenEvaluationBodySchema())
    opened = evaluation.open_evaluation(g.api_user, body["organisation_id"], body["cycle"],
                                        association_id=body.get("association_id"),
                                        rubric_id=body.get("rubric_id"))
    return answer(w.EvaluationStateSchema(), opened, 201)


def _score_inputs(body: dict) -> dict:
    return {int(criterion): evaluation.ScoreInput(str(score["points"]), score["comment"])
            for criterion, score in body["scores"].items()}


@bp.put(f"/evaluations/<{http.ID}:evaluation_id>/scores")
@token_required
@operation("put", "Save the scores of a draft evaluation (assessors)",
           answer=w.EvaluationStateSchema, body=w.ScoresBodySchema, tag="evaluation", token=True,
           description="Send the lock_version last read; a stale one is 409.")
def save_scores(evaluation_id: int):
    """Save draft scores."""
    body = http.parse_body(w.ScoresBodySchema())
    saved = evaluation.save_draft(g.api_user, evaluation_id, body["lock_version"],
                                  _score_inputs(body), body.get("summary"))
    return answer(w.EvaluationStateSchema(), saved)


@bp.post(f"/evaluations/<{http.ID}:evaluation_id>/publish")
@token_required
@operation("post", "Publish an evaluation (assessors)", answer=w.EvaluationStateSchema,
           body=w.PublishBodySchema, tag="evaluation", token=True)
def publish_evaluation(evaluation_id: int):
    """Score completely and publish."""
    body = http.parse_body(w.PublishBodySchema())
    published = evaluation.publish(g.api_user, evaluation_id, body["lock_version"],
                                   _score_inputs(body), body.get("summary"),
                                   body["conflict_declared"])
    return answer(w.EvaluationStateSchema(), published)


@bp.post(f"/organisations/<{http.ID}:organisation_id>/designations")
@token_required
@operation("post", "Designate an organisation a demonstration unit (regulators)",
           answer=w.DesignationStateSchema, body=w.DesignationBodySchema, status=201,
           tag="evaluation", token=True)
def designate(organisation_id: int):
    """Designate a demonstration unit."""
    body = http.parse_body(w.DesignationBodySchema())
    designation = designations.designate(g.api_user, organisation_id, body["year"],
                                         body["valid_from"], body["valid_to"],
                                         body["designating_body"], body.get("override_reason"))
    return answer(w.DesignationStateSchema(), designation, 201)


@bp.post(f"/designations/<{http.ID}:designation_id>/revoke")
@token_required
@operation("post", "Revoke a demonstration-unit designation (regulators)",
           answer=w.DesignationStateSchema, body=w.ReasonBodySchema, tag="evaluation", token=True)
def revoke_designation(designation_id: int):
    """Revoke a designation with a reason."""
    body = http.parse_body(w.ReasonBodySchema())
    return answer(w.DesignationStateSchema(),
                   designations.revoke(g.api_user, designation_id, body["reason"]))
