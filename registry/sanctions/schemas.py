"""Request bodies and answers of the sanction, appeal and complaint writes of the API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.api.schemas import MAX_ID
from registry.api.write_schemas import BodySchema

_TEXT = {"allow_none": True}
_ID = {"strict": True, "validate": validate.Range(min=1, max=MAX_ID)}
_SUBJECT = validate.OneOf(("organisation", "practitioner"))


class RecommendationBodySchema(BodySchema):
    """An association's recommendation about an organisation or practitioner."""

    subject_kind = fields.String(required=True, validate=_SUBJECT)
    subject_id = fields.Integer(required=True, **_ID)
    proposed_type = fields.String(required=True)
    facts = fields.String(required=True)
    evidence = fields.String(**_TEXT)
    complaint_id = fields.Integer(allow_none=True, **_ID)
    evaluation_id = fields.Integer(allow_none=True, **_ID)
    association_id = fields.Integer(allow_none=True, metadata={
        "description": "only for the admin, who belongs to no association"}, **_ID)


class SanctionBodySchema(BodySchema):
    """A regulator's decision; dates as YYYY-MM-DD (the service checks their order)."""

    subject_kind = fields.String(required=True, validate=_SUBJECT)
    subject_id = fields.Integer(required=True, **_ID)
    sanction_type = fields.String(required=True)
    facts = fields.String(required=True)
    legal_basis = fields.String(required=True)
    decision_number = fields.String(required=True)
    decision_date = fields.Date(required=True)
    deciding_body = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True)
    disclosure_until = fields.Date(allow_none=True)
    recommendation_id = fields.Integer(allow_none=True, **_ID)
    complaint_id = fields.Integer(allow_none=True, **_ID)
    referred_to = fields.String(**_TEXT)
    referred_on = fields.Date(allow_none=True)
    reference_number = fields.String(**_TEXT)
    revoke_qualification_ids = fields.List(fields.Integer(**_ID))


class ReferralOutcomeBodySchema(BodySchema):
    """What the market regulator decided on a referral."""

    outcome = fields.String(required=True,
                            validate=validate.OneOf(("pending", "revoked", "not_revoked", "other")))
    outcome_on = fields.Date(allow_none=True)
    outcome_note = fields.String(**_TEXT)
    reference_number = fields.String(**_TEXT)


class AppealBodySchema(BodySchema):
    """An appeal or a credit-repair request."""

    kind = fields.String(required=True, validate=validate.OneOf(("appeal", "credit_repair")))
    statement = fields.String(required=True)
    evidence = fields.String(**_TEXT)


class DecisionBodySchema(BodySchema):
    """Accept or reject, with the reason the other side reads."""

    accept = fields.Boolean(required=True)
    reason = fields.String(required=True)


class DeclineBodySchema(BodySchema):
    """Decline a recommendation with a reason."""

    reason = fields.String(required=True)


class ComplaintBodySchema(BodySchema):
    """A complaint from the public about one organisation or practitioner."""

    organisation_id = fields.Integer(allow_none=True, **_ID)
    practitioner_id = fields.Integer(allow_none=True, **_ID)
    category = fields.String(required=True)
    summary = fields.String(required=True)
    details = fields.String(required=True)
    name = fields.String(**_TEXT)
    contact = fields.String(**_TEXT)


class RecommendationStateSchema(Schema):
    """A recommendation after a write."""

    id = fields.Integer()
    status = fields.Function(lambda r: r.status.value)
    proposed_type = fields.Function(lambda r: r.proposed_type.value)
    organisation_id = fields.Integer(allow_none=True)
    practitioner_id = fields.Integer(allow_none=True)
    decision_reason = fields.String(allow_none=True)


class SanctionStateSchema(Schema):
    """A sanction after a write, with the subject's status it led to."""

    id = fields.Integer()
    sanction_type = fields.Function(lambda s: s.sanction_type.value)
    state = fields.Function(lambda s: s.state.value)
    decision_number = fields.String()
    organisation_id = fields.Integer(allow_none=True)
    practitioner_id = fields.Integer(allow_none=True)
    recommendation_id = fields.Integer(allow_none=True)
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    disclosure_until = fields.Date(allow_none=True)
    organisation_status = fields.Function(
        lambda s: s.organisation.status.value if s.organisation is not None else None,
        allow_none=True)


class ReferralStateSchema(Schema):
    """A licence referral after a write."""

    id = fields.Integer()
    sanction_id = fields.Integer()
    outcome = fields.Function(lambda r: r.outcome.value)
    outcome_on = fields.Date(allow_none=True)


class AppealStateSchema(Schema):
    """An appeal or repair request after a write."""

    id = fields.Integer()
    sanction_id = fields.Integer()
    kind = fields.Function(lambda a: a.kind.value)
    status = fields.Function(lambda a: a.status.value)
    decision_reason = fields.String(allow_none=True)


class ComplaintFiledSchema(Schema):
    """What the complainant gets back: the tracking number, never more."""

    reference = fields.String()
    status = fields.Function(lambda c: c.status.value)
