"""Public marshmallow schemas of the API: one per resource and purpose, public fields only.

They dump what the public pages show (``registry.public.services`` values and ORM records) and
nothing else; the OpenAPI document is generated from the same classes, so what is documented
is what is sent. Private fields (ID numbers, digests, ciphertexts, biographies, score comments,
drafts) have no field here, so no response can carry them.
"""
from __future__ import annotations

from flask import url_for
from marshmallow import EXCLUDE, Schema, fields, validate

from registry import vocabulary
from registry.evaluation.models import Grade
from registry.orgs.models import PUBLIC_STATUSES
from registry.practitioners.models import AffiliationRole, Gender, VerificationState
from registry.public.labels import label
from registry.query import MAX_ID
from registry.regions.models import RegionLevel
from registry.sanctions.models import SanctionType
from registry.sanctions.status import current_standing

STRING = {"type": "string"}


def _iso(moment):
    """An aware datetime as ISO 8601 (as ``fields.AwareDateTime`` writes it), or None."""
    return None if moment is None else moment.isoformat()


class Computed(fields.Nested):
    """A nested object computed from the whole record by ``compute(record)``."""

    def __init__(self, nested, compute, **kwargs):
        super().__init__(nested, **kwargs)
        self.compute = compute

    def get_value(self, obj, attr, accessor=None, default=None):
        """The computed value, whatever the attribute name."""
        return self.compute(obj)


def _vocabulary_label(vocab: vocabulary.Vocabulary, attribute: str):
    """A read-only field giving the label of the vocabulary code in ``attribute``."""
    return fields.Function(lambda record: vocab.label(getattr(record, attribute)),
                           metadata={**STRING, "description": "label in the request's language"})


def _enum_label(attribute: str):
    """A read-only field giving the label of the enumeration member in ``attribute``."""
    return fields.Function(lambda record: label(getattr(record, attribute)),
                           metadata={**STRING, "description": "label in the request's language"})


class ErrorBodySchema(Schema):
    """The inside of every error answer."""

    code = fields.String(required=True, metadata={"example": "not_found"})
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), values=fields.String(),
                          metadata={"description": "a message per input field"})


class ErrorSchema(Schema):
    """``{"error": {"code", "message", "fields"}}``."""

    error = fields.Nested(ErrorBodySchema, required=True)


class RegionSchema(Schema):
    """An administrative division (GB/T 2260)."""

    code = fields.String(required=True, metadata={"example": "370602"})
    name = fields.String(required=True)
    level = fields.Enum(RegionLevel, by_value=True, required=True)
    parent = fields.String(attribute="parent_code", allow_none=True, required=True)


class RegionListSchema(Schema):
    """The divisions under one parent."""

    items = fields.List(fields.Nested(RegionSchema), required=True)
    total = fields.Integer(required=True)


class OrganisationRefSchema(Schema):
    """A link to an organisation."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    status = fields.Function(
        lambda record: current_standing(record).value, required=True,
        metadata={**STRING, "enum": [s.value for s in PUBLIC_STATUSES],
                  "description": "today's status (a suspension that has ended is over)"})
    url = fields.Function(
        lambda record: url_for("public.organisation", organisation_id=record.id, _external=True),
        metadata={**STRING, "format": "uri", "description": "the public page"})


class OrganisationSchema(OrganisationRefSchema):
    """The public fields of an organisation (the approved version)."""

    uscc = fields.String(required=True, metadata={"description": "统一社会信用代码"})
    org_type = fields.String(required=True,
                             metadata={"enum": list(vocabulary.ORGANISATION_TYPES.codes)})
    org_type_label = _vocabulary_label(vocabulary.ORGANISATION_TYPES, "org_type")
    status_label = fields.Function(lambda record: label(current_standing(record).status),
                                   metadata={**STRING, "description": "label in the request's language"})
    legal_representative = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    region_code = fields.String(required=True)
    region_name = fields.String(attribute="region.name", allow_none=True)
    phone = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    opening_hours = fields.String(allow_none=True)
    fees = fields.String(allow_none=True)
    offers_public_benefit = fields.Boolean(required=True)
    public_benefit_note = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    services = fields.List(fields.String())
    populations = fields.List(fields.String())
    modalities = fields.List(fields.String())
    languages = fields.List(fields.String())
    approved_at = fields.AwareDateTime(allow_none=True)
    suspended_until = fields.Function(
        lambda record: _iso(current_standing(record).suspended_until), allow_none=True,
        metadata={**STRING, "format": "date-time", "nullable": True,
                  "description": "00:00 of the suspension's last day"})
    exited_at = fields.AwareDateTime(allow_none=True)
    updated_at = fields.AwareDateTime(required=True)


class PractitionerRefSchema(Schema):
    """A link to a practitioner."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    url = fields.Function(
        lambda record: url_for("public.practitioner", practitioner_id=record.id, _external=True),
        metadata={**STRING, "format": "uri", "description": "the public page"})


class QualificationSchema(Schema):
    """A verified qualification (certificate) as the public sees it."""

    kind = fields.String(required=True,
                         metadata={"enum": list(vocabulary.QUALIFICATION_KINDS.codes)})
    kind_label = _vocabulary_label(vocabulary.QUALIFICATION_KINDS, "kind")
    certificate_number = fields.String(required=True)
    issuer = fields.String(allow_none=True)
    issued_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    state = fields.Enum(VerificationState, by_value=True, required=True)
    verified_at = fields.AwareDateTime(allow_none=True)


class DesignationSchema(Schema):
    """A demonstration-unit title (示范单位)."""

    year = fields.Integer(required=True)
    designating_body = fields.String(required=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True)


class ScoreSchema(Schema):
    """One criterion of a published evaluation (the assessor's comment is not public)."""

    criterion = fields.String(attribute="criterion.name", required=True)
    points = fields.Float(required=True)
    max_points = fields.Float(attribute="criterion.max_points", required=True)


class EvaluationSchema(Schema):
    """A published evaluation (评估结果)."""

    id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    association = fields.String(attribute="association.name", required=True)
    cycle = fields.Integer(required=True)
    revision = fields.Integer(required=True)
    total = fields.Float(required=True)
    grade = fields.Enum(Grade, by_value=True, required=True)
    grade_label = _enum_label("grade")
    published_at = fields.AwareDateTime(required=True)


class SubjectSchema(Schema):
    """Whom a sanction concerns."""

    kind = fields.String(required=True, metadata={"enum": ["organisation", "practitioner"]})
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    url = fields.String(required=True, metadata={"format": "uri"})


def _subject(sanction) -> dict:
    if sanction.organisation_id is not None:
        return {"kind": "organisation", "id": sanction.organisation_id,
                "name": sanction.organisation.name,
                "url": url_for("public.organisation", organisation_id=sanction.organisation_id,
                               _external=True)}
    return {"kind": "practitioner", "id": sanction.practitioner_id,
            "name": sanction.practitioner.name,
            "url": url_for("public.practitioner", practitioner_id=sanction.practitioner_id,
                           _external=True)}


class SanctionSchema(Schema):
    """A sanction during its public disclosure period (公示期)."""

    id = fields.Integer(required=True)
    sanction_type = fields.Enum(SanctionType, by_value=True, required=True)
    sanction_type_label = _enum_label("sanction_type")
    subject = Computed(SubjectSchema, _subject, required=True)
    region_code = fields.String(allow_none=True)
    decision_number = fields.String(required=True)
    decision_date = fields.Date(required=True)
    deciding_body = fields.String(required=True)
    facts = fields.String(required=True)
    legal_basis = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True)
    disclosure_until = fields.Date(allow_none=True, metadata={"description": "null: permanent"})


class StaffMemberSchema(Schema):
    """A current practitioner of an organisation."""

    practitioner = fields.Nested(PractitionerRefSchema, required=True)
    role = fields.Enum(AffiliationRole, by_value=True, required=True)
    qualifications = fields.List(fields.Nested(QualificationSchema), required=True)


class OrganisationDetailSchema(Schema):
    """``GET /organisations/{id}``: the organisation and what its public page shows."""

    organisation = fields.Nested(OrganisationSchema, required=True)
    designation = fields.Nested(DesignationSchema, allow_none=True, required=True)
    evaluation = fields.Nested(EvaluationSchema, allow_none=True, required=True)
    scores = fields.List(fields.Nested(ScoreSchema), required=True)
    sanctions = fields.List(fields.Nested(SanctionSchema), required=True)
    staff = fields.List(fields.Nested(StaffMemberSchema), required=True)


class AffiliationSchema(Schema):
    """A practitioner's affiliation with a public organisation."""

    organisation = fields.Nested(OrganisationRefSchema, required=True)
    role = fields.Enum(AffiliationRole, by_value=True, required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True)


class PractitionerSchema(PractitionerRefSchema):
    """The public fields of a practitioner; there is no field for the ID number."""

    gender = fields.Enum(Gender, by_value=True, allow_none=True)
    specialties = fields.List(fields.String())
    ce_hours = fields.Integer(required=True)


class PractitionerDetailSchema(Schema):
    """``GET /practitioners/{id}``: what the practitioner's public page shows."""

    practitioner = fields.Nested(PractitionerSchema, required=True)
    current_affiliations = fields.List(fields.Nested(AffiliationSchema), required=True)
    past_affiliations = fields.List(fields.Nested(AffiliationSchema), required=True)
    qualifications = fields.List(fields.Nested(QualificationSchema), required=True)
    sanctions = fields.List(fields.Nested(SanctionSchema), required=True)
    status = fields.String(required=True, metadata={
        "description": "active, suspended or exited, from the practitioner's sanctions",
        "enum": ["active", "suspended", "exited"]})


class PageSchema(Schema):
    """The envelope of a paginated list."""

    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class SanctionPageSchema(PageSchema):
    """A page of sanctions in disclosure."""

    items = fields.List(fields.Nested(SanctionSchema), required=True)


class DemonstrationUnitSchema(Schema):
    """A current demonstration unit."""

    organisation = fields.Nested(OrganisationSchema, required=True)
    designation = fields.Nested(DesignationSchema, required=True)


class DemonstrationUnitPageSchema(PageSchema):
    """A page of current demonstration units."""

    items = fields.List(fields.Nested(DemonstrationUnitSchema), required=True)


class CoverageSchema(Schema):
    """Evaluation coverage of a region for a cycle (评估覆盖率)."""

    region = fields.Nested(RegionSchema, allow_none=True, required=True,
                           metadata={"description": "null: the whole country"})
    cycle = fields.Integer(required=True)
    organisations = fields.Integer(
        required=True, metadata={"description": "active social counselling organisations"})
    evaluated = fields.Integer(required=True)
    rate = fields.Float(allow_none=True, required=True)
    rate_target = fields.Float(required=True)
    meets_target = fields.Boolean(required=True)
    demonstration_units = fields.Integer(required=True)
    demonstration_target = fields.Integer(required=True)


class CertificateQualificationSchema(Schema):
    """What a certificate look-up tells about a known certificate."""

    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    issuer = fields.String(allow_none=True, required=True)
    expires_on = fields.Date(allow_none=True, required=True)


class CertificateAnswerSchema(Schema):
    """证书查询: the status and, for a known certificate, its kind and issuer."""

    status = fields.String(required=True,
                           metadata={"enum": ["valid", "expired", "revoked", "not_found"]})
    qualification = fields.Nested(CertificateQualificationSchema)


class AccountSchema(Schema):
    """The account a token acts for (``/me``; not public: needs the token)."""

    id = fields.Integer(required=True)
    email = fields.String(required=True)
    role = fields.String(attribute="role.value", required=True)
    region_code = fields.String(allow_none=True)
    association_id = fields.Integer(allow_none=True)
    organisation_id = fields.Integer(allow_none=True)


# --- query strings -----------------------------------------------------------------------------

_REGION = fields.String(validate=validate.Regexp(r"^[0-9]{6}$"),
                        metadata={"description": "a region code; a city includes its counties",
                                  "example": "370600"})


# Some character that is not white space, as both Python (which counts \x1c-\x1f and \x85)
# and ECMAScript regular expressions (what OpenAPI's ``pattern`` means) see it.
NOT_BLANK = r"^[\s\x1c-\x1f\x85]*[^\s\x1c-\x1f\x85]"


class QuerySchema(Schema):
    """A query string: parameters it does not know (``lang``, cache busters) are ignored."""

    class Meta:
        unknown = EXCLUDE


class PagedQuerySchema(QuerySchema):
    """``page`` and ``per_page`` (at most 100)."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class RegionQuerySchema(QuerySchema):
    """``GET /regions``."""

    parent = fields.String(validate=validate.Regexp(r"^[0-9]{6}$"),
                           metadata={"description": "list the divisions under this code"})


class SanctionQuerySchema(PagedQuerySchema):
    """``GET /sanctions``."""

    region = _REGION
    type = fields.Enum(SanctionType, by_value=True)
    subject = fields.String(validate=validate.OneOf(["organisation", "practitioner"]))
    organisation_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    practitioner_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class DemonstrationQuerySchema(PagedQuerySchema):
    """``GET /demonstration-units``."""

    region = _REGION


class StatsQuerySchema(QuerySchema):
    """``GET /stats``."""

    region = _REGION
    cycle = fields.Integer(validate=validate.Range(min=2000, max=2100),
                           metadata={"description": "evaluation cycle (year); default: this year"})


class CertificateQuerySchema(QuerySchema):
    """``GET /certificates/verify``."""

    number = fields.String(required=True, validate=validate.Regexp(NOT_BLANK),
                           metadata={"description": "证书编号"})
    name = fields.String(required=True, validate=validate.Regexp(NOT_BLANK),
                         metadata={"description": "持证人姓名"})


class ChangesQuerySchema(QuerySchema):
    """``GET /changes``."""

    since = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID),
                           metadata={"description": "the cursor of the last change seen (0: from "
                                                    "the beginning)"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class ChangeSchema(Schema):
    """One public change: what changed, not the changed values (fetch ``url`` for those)."""

    cursor = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True)
    kind = fields.String(required=True)
    entity_type = fields.String(required=True,
                                metadata={"enum": ["organisation", "sanction", "designation",
                                                   "evaluation"]})
    entity_id = fields.Integer(required=True)
    organisation_id = fields.Integer(allow_none=True)
    status = fields.String(allow_none=True,
                           metadata={"description": "the new status, for a status change"})
    fields_ = fields.List(fields.String(), data_key="fields",
                          metadata={"description": "public fields that changed"})
    url = fields.String(allow_none=True, metadata={
        "format": "uri", "description": "the API resource to fetch; null when it is no longer "
                                        "public"})


class ChangePageSchema(Schema):
    """A slice of the change feed."""

    items = fields.List(fields.Nested(ChangeSchema), required=True)
    next = fields.Integer(required=True, metadata={"description": "pass as ?since= next time"})
    has_more = fields.Boolean(required=True)
