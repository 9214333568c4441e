"""Request bodies and answers of the API's writes (bearer token). Bodies are loaded only into
the plain values a service takes; the service checks them, as it does for the web form."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from registry.api.schemas import MAX_ID
from registry.text import MAX_YEAR, MIN_YEAR

_TEXT = {"allow_none": True}
# Every number a body may carry has bounds, so no number beyond what a column holds reaches
# a service (the service still applies its own, narrower rule and message).
_COUNT = validate.Range(min=0, max=MAX_ID)
_YEAR = validate.Range(min=MIN_YEAR, max=MAX_YEAR)


class BodySchema(Schema):
    """A JSON body: an unknown key is an error, not silently dropped."""

    class Meta:
        unknown = RAISE


class ProfileBodySchema(BodySchema):
    """Profile fields of an organisation; the ones left out keep their current value."""

    name = fields.String(**_TEXT)
    uscc = fields.String(**_TEXT)
    org_type = fields.String(**_TEXT)
    legal_representative = fields.String(**_TEXT)
    region_code = fields.String(**_TEXT, metadata={"description": "a county-level code"})
    address = fields.String(**_TEXT)
    phone = fields.String(**_TEXT)
    website = fields.String(**_TEXT)
    opening_hours = fields.String(**_TEXT)
    fees = fields.String(**_TEXT)
    offers_public_benefit = fields.Boolean()
    public_benefit_note = fields.String(**_TEXT)
    description = fields.String(**_TEXT)
    services = fields.List(fields.String())
    populations = fields.List(fields.String())
    modalities = fields.List(fields.String())
    languages = fields.List(fields.String())


class ReasonBodySchema(BodySchema):
    """A decision that needs a written reason."""

    reason = fields.String(required=True)


class ChangeDecisionBodySchema(BodySchema):
    """Approving a change request; ``revision`` (optional) is the version the reviewer saw."""

    revision = fields.String(**_TEXT)


class ChangeRejectionBodySchema(ReasonBodySchema):
    """Rejecting a change request."""

    revision = fields.String(**_TEXT)


class QualificationBodySchema(BodySchema):
    """A certificate as typed; dates as YYYY-MM-DD."""

    kind = fields.String(required=True)
    certificate_number = fields.String(required=True)
    issuer = fields.String(**_TEXT)
    issued_on = fields.String(**_TEXT)
    expires_on = fields.String(**_TEXT)


class PractitionerBodySchema(BodySchema):
    """A practitioner to add to an organisation (or the registered person to link)."""

    name = fields.String(required=True)
    gender = fields.String(**_TEXT)
    id_number = fields.String(required=True, load_only=True,
                              metadata={"description": "身份证号; stored protected, never returned"})
    specialties = fields.List(fields.String())
    ce_hours = fields.Integer(allow_none=True, validate=_COUNT)
    bio = fields.String(**_TEXT)
    role = fields.String(load_default="full_time")
    start_date = fields.String(**_TEXT)
    qualifications = fields.List(fields.Nested(QualificationBodySchema), load_default=list)


class OpenEvaluationBodySchema(BodySchema):
    """A draft evaluation to open."""

    organisation_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    cycle = fields.Integer(required=True, validate=_YEAR)
    association_id = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=MAX_ID))
    rubric_id = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=MAX_ID))


class ScoreBodySchema(BodySchema):
    """One criterion's points and comment."""

    points = fields.Raw(required=True, metadata={"type": "number"})
    comment = fields.String(load_default="")


class ScoresBodySchema(BodySchema):
    """Scores keyed by criterion id, with the ``lock_version`` last read."""

    lock_version = fields.Integer(required=True, validate=_COUNT)
    scores = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[0-9]{1,10}$")),
                         values=fields.Nested(ScoreBodySchema), load_default=dict)
    summary = fields.String(**_TEXT)


class PublishBodySchema(ScoresBodySchema):
    """Scores to publish, with the conflict-of-interest declaration."""

    conflict_declared = fields.Boolean(required=True)


class DesignationBodySchema(BodySchema):
    """A demonstration-unit designation."""

    year = fields.Integer(required=True, validate=_YEAR)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True)
    designating_body = fields.String(required=True)
    override_reason = fields.String(**_TEXT)


# --- answers ---------------------------------------------------------------------------------

class OrganisationStateSchema(Schema):
    """An organisation after a write."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    status = fields.String(attribute="status.value", required=True)


class ChangeRequestStateSchema(Schema):
    """A change request after a write."""

    id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    kind = fields.String(attribute="kind.value", required=True)
    status = fields.String(attribute="status.value", required=True)


class RegistrationResultSchema(Schema):
    """A practitioner added to (or linked with) an organisation."""

    practitioner_id = fields.Integer(attribute="practitioner.id", required=True)
    affiliation_id = fields.Integer(attribute="affiliation.id", required=True)
    linked = fields.Boolean(required=True,
                            metadata={"description": "the person was registered already"})
    qualification_ids = fields.Function(lambda r: [q.id for q in r.qualifications],
                                        metadata={"type": "array", "items": {"type": "integer"}})


class QualificationStateSchema(Schema):
    """A qualification after a write."""

    id = fields.Integer(required=True)
    practitioner_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    certificate_number = fields.String(required=True)
    state = fields.String(attribute="state.value", required=True)


class EvaluationStateSchema(Schema):
    """An evaluation after a write (its assessors' view)."""

    id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    association_id = fields.Integer(required=True)
    cycle = fields.Integer(required=True)
    state = fields.String(attribute="state.value", required=True)
    lock_version = fields.Integer(required=True)
    total = fields.Float(allow_none=True)
    grade = fields.Function(lambda e: e.grade.value if e.grade else None,
                            metadata={"type": "string", "nullable": True})


class DesignationStateSchema(Schema):
    """A designation after a write."""

    id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    year = fields.Integer(required=True, validate=_YEAR)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True)
    revoked_at = fields.AwareDateTime(allow_none=True)
