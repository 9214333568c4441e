"""API writes with a bearer token. Each endpoint parses its JSON body and calls the same
service function as the web page, which checks permission, jurisdiction, state and input:
``ValidationFailed`` → 422 with fields, ``PermissionDenied`` → 403, ``StateConflict`` → 409,
``NotFound`` → 404 (``registry.api.http``).

Adding an endpoint: a view here with ``@token_required``, ``http.parse_body(SomeBodySchema())``,
one service call, and its OpenAPI YAML in the docstring; plus an entry in
``tests/api/matrix_routes.py``.
"""
from __future__ import annotations

from flask import g, jsonify

from registry.api import http
from registry.api import write_schemas as w
from registry.api.auth import token_required
from registry.api.views import bp
from registry.evaluation import designations
from registry.evaluation import services as evaluation
from registry.orgs import services as orgs
from registry.practitioners import services as practitioners




def _answer(schema, record, status: int = 200):
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
def save_draft(organisation_id: int):
    """Save a draft or rejected registration.
    ---
    put:
      summary: Save the registration of a draft or rejected organisation
      tags: [registration]
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: ProfileBodySchema
      responses:
        200:
          content:
            application/json:
              schema: OrganisationStateSchema
    """
    values = _profile(organisation_id, http.parse_body(w.ProfileBodySchema()))
    return _answer(w.OrganisationStateSchema(), orgs.save_draft(g.api_user, organisation_id, values))


@bp.post(f"/organisations/<{http.ID}:organisation_id>/submit")
@token_required
def submit(organisation_id: int):
    """Submit the saved registration for review.
    ---
    post:
      summary: Submit a registration for review
      tags: [registration]
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema: OrganisationStateSchema
    """
    return _answer(w.OrganisationStateSchema(), orgs.submit(g.api_user, organisation_id))


@bp.post(f"/organisations/<{http.ID}:organisation_id>/change-requests")
@token_required
def request_change(organisation_id: int):
    """Propose changes to an approved registration (or update the pending proposal).
    ---
    post:
      summary: Propose a change of an approved organisation's profile
      tags: [registration]
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: ProfileBodySchema
      responses:
        201:
          content:
            application/json:
              schema: ChangeRequestStateSchema
    """
    values = _profile(organisation_id, http.parse_body(w.ProfileBodySchema()))
    change = orgs.request_change(g.api_user, organisation_id, values)
    return _answer(w.ChangeRequestStateSchema(), change, 201)


@bp.post(f"/organisations/<{http.ID}:organisation_id>/approve")
@token_required
def approve_registration(organisation_id: int):
    """Approve a submitted registration.
    ---
    post:
      summary: Approve a submitted registration (regulators)
      tags: [review]
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema: OrganisationStateSchema
    """
    return _answer(w.OrganisationStateSchema(), orgs.approve(g.api_user, organisation_id))


@bp.post(f"/organisations/<{http.ID}:organisation_id>/reject")
@token_required
def reject_registration(organisation_id: int):
    """Reject a submitted registration with a reason.
    ---
    post:
      summary: Reject a submitted registration (regulators)
      tags: [review]
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: ReasonBodySchema
      responses:
        200:
          content:
            application/json:
              schema: OrganisationStateSchema
    """
    body = http.parse_body(w.ReasonBodySchema())
    return _answer(w.OrganisationStateSchema(),
                   orgs.reject(g.api_user, organisation_id, body["reason"]))


@bp.post(f"/change-requests/<{http.ID}:change_request_id>/approve")
@token_required
def approve_change(change_request_id: int):
    """Apply a pending change request (or carry out a deregistration).
    ---
    post:
      summary: Approve a change request (regulators)
      tags: [review]
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: ChangeDecisionBodySchema
      responses:
        200:
          content:
            application/json:
              schema: ChangeRequestStateSchema
    """
    body = http.parse_body(w.ChangeDecisionBodySchema())
    change = orgs.approve_change(g.api_user, change_request_id, revision=body.get("revision"))
    return _answer(w.ChangeRequestStateSchema(), change)


@bp.post(f"/change-requests/<{http.ID}:change_request_id>/reject")
@token_required
def reject_change(change_request_id: int):
    """Refuse a pending change request with a reason.
    ---
    post:
      summary: Reject a change request (regulators)
      tags: [review]
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: ChangeRejectionBodySchema
      responses:
        200:
          content:
            application/json:
              schema: ChangeRequestStateSchema
    """
    body = http.parse_body(w.ChangeRejectionBodySchema())
    change = orgs.reject_change(g.api_user, change_request_id, body["reason"],
                                revision=body.get("revision"))
    return _answer(w.ChangeRequestStateSchema(), change)


# --- practitioners and qualifications --------------------------------------------------------

@bp.post(f"/organisations/<{http.ID}:organisation_id>/practitioners")
@token_required
def add_practitioner(organisation_id: int):
    """Add a practitioner, or link the person registered under the same ID number.
    ---
    post:
      summary: Add a practitioner with qualifications to an organisation
      tags: [practitioners]
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: PractitionerBodySchema
      responses:
        201:
          content:
            application/json:
              schema: RegistrationResultSchema
    """
    body = http.parse_body(w.PractitionerBodySchema())
    qualifications = body.pop("qualifications")
    role, start_date = body.pop("role"), body.pop("start_date", None)
    registration = practitioners.register_practitioner(
        g.api_user, organisation_id, body, qualifications, role=role, start_date=start_date)
    return _answer(w.RegistrationResultSchema(), registration, 201)


@bp.post(f"/organisations/<{http.ID}:organisation_id>/practitioners/<{http.ID}:practitioner_id>"
         "/qualifications")
@token_required
def add_qualification(organisation_id: int, practitioner_id: int):
    """Add a certificate to a current practitioner; it waits for verification.
    ---
    post:
      summary: Add a qualification to a practitioner
      tags: [practitioners]
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: QualificationBodySchema
      responses:
        201:
          content:
            application/json:
              schema: QualificationStateSchema
    """
    body = http.parse_body(w.QualificationBodySchema())
    qualification = practitioners.add_qualification(g.api_user, organisation_id,
                                                    practitioner_id, body)
    return _answer(w.QualificationStateSchema(), qualification, 201)


@bp.post(f"/qualifications/<{http.ID}:qualification_id>/verify")
@token_required
def verify_qualification(qualification_id: int):
    """Mark a qualification verified.
    ---
    post:
      summary: Verify a qualification (regulators, or assessors where configured)
      tags: [review]
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema: QualificationStateSchema
    """
    return _answer(w.QualificationStateSchema(),
                   practitioners.verify_qualification(g.api_user, qualification_id))


@bp.post(f"/qualifications/<{http.ID}:qualification_id>/reject")
@token_required
def reject_qualification(qualification_id: int):
    """Reject a qualification with a reason.
    ---
    post:
      summary: Reject a qualification
      tags: [review]
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: ReasonBodySchema
      responses:
        200:
          content:
            application/json:
              schema: QualificationStateSchema
    """
    body = http.parse_body(w.ReasonBodySchema())
    return _answer(w.QualificationStateSchema(),
                   practitioners.reject_qualification(g.api_user, qualification_id,
                                                      body["reason"]))


# --- evaluation (评价) and demonstration units --------------------------------------------------

@bp.post("/evaluations")
@token_required
def open_evaluation():
    """Open a draft evaluation.
    ---
    post:
      summary: Open a draft evaluation of an organisation for a cycle (assessors)
      tags: [evaluation]
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: OpenEvaluationBodySchema
      responses:
        201:
          content:
            application/json:
              schema: EvaluationStateSchema
    """
    body = http.parse_body(w.OpenEvaluationBodySchema())
    opened = evaluation.open_evaluation(g.api_user, body["organisation_id"], body["cycle"],
                                        association_id=body.get("association_id"),
                                        rubric_id=body.get("rubric_id"))
    return _answer(w.EvaluationStateSchema(), opened, 201)


def _score_inputs(body: dict) -> dict:
    return {int(criterion): evaluation.ScoreInput(str(score["points"]), score["comment"])
            for criterion, score in body["scores"].items()}


@bp.put(f"/evaluations/<{http.ID}:evaluation_id>/scores")
@token_required
def save_scores(evaluation_id: int):
    """Save draft scores.
    ---
    put:
      summary: Save the scores of a draft evaluation (assessors)
      description: Send the lock_version last read; a stale one is 409.
      tags: [evaluation]
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: ScoresBodySchema
      responses:
        200:
          content:
            application/json:
              schema: EvaluationStateSchema
    """
    body = http.parse_body(w.ScoresBodySchema())
    saved = evaluation.save_draft(g.api_user, evaluation_id, body["lock_version"],
                                  _score_inputs(body), body.get("summary"))
    return _answer(w.EvaluationStateSchema(), saved)


@bp.post(f"/evaluations/<{http.ID}:evaluation_id>/publish")
@token_required
def publish_evaluation(evaluation_id: int):
    """Score completely and publish.
    ---
    post:
      summary: Publish an evaluation (assessors)
      tags: [evaluation]
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: PublishBodySchema
      responses:
        200:
          content:
            application/json:
              schema: EvaluationStateSchema
    """
    body = http.parse_body(w.PublishBodySchema())
    published = evaluation.publish(g.api_user, evaluation_id, body["lock_version"],
                                   _score_inputs(body), body.get("summary"),
                                   body["conflict_declared"])
    return _answer(w.EvaluationStateSchema(), published)


@bp.post(f"/organisations/<{http.ID}:organisation_id>/designations")
@token_required
def designate(organisation_id: int):
    """Designate a demonstration unit.
    ---
    post:
      summary: Designate an organisation a demonstration unit (regulators)
      tags: [evaluation]
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: DesignationBodySchema
      responses:
        201:
          content:
            application/json:
              schema: DesignationStateSchema
    """
    body = http.parse_body(w.DesignationBodySchema())
    designation = designations.designate(g.api_user, organisation_id, body["year"],
                                         body["valid_from"], body["valid_to"],
                                         body["designating_body"], body.get("override_reason"))
    return _answer(w.DesignationStateSchema(), designation, 201)


@bp.post(f"/designations/<{http.ID}:designation_id>/revoke")
@token_required
def revoke_designation(designation_id: int):
    """Revoke a designation with a reason.
    ---
    post:
      summary: Revoke a demonstration-unit designation (regulators)
      tags: [evaluation]
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: ReasonBodySchema
      responses:
        200:
          content:
            application/json:
              schema: DesignationStateSchema
    """
    body = http.parse_body(w.ReasonBodySchema())
    return _answer(w.DesignationStateSchema(),
                   designations.revoke(g.api_user, designation_id, body["reason"]))
