"""Marshmallow schemas of the search API's output (``GET /api/v1/organisations`` and
``GET /api/v1/practitioners``); only public fields are declared, so nothing else is emitted."""
from __future__ import annotations

from marshmallow import Schema, fields


class FacetCountSchema(Schema):
    """One facet value with its count under the current query."""

    code = fields.String()
    label = fields.String()
    count = fields.Integer()
    selected = fields.Boolean()


class HighlightSchema(Schema):
    """HTML fragments with the matched text in ``<mark>`` (everything else escaped)."""

    name = fields.String()
    snippet = fields.String()


class SanctionBadgeSchema(Schema):
    """A sanction in its public disclosure period."""

    type = fields.String()
    until = fields.String(allow_none=True)


class OrganisationHitSchema(Schema):
    """One organisation in the results."""

    id = fields.Integer()
    name = fields.String()
    uscc = fields.String(allow_none=True)
    org_type = fields.String()
    region_code = fields.String()
    region_name = fields.String()
    address = fields.String()
    phone = fields.String()
    status = fields.String()
    grade = fields.String(allow_none=True)
    total = fields.Float(allow_none=True)
    demonstration = fields.Boolean()
    free = fields.Boolean()
    services = fields.List(fields.String())
    populations = fields.List(fields.String())
    modalities = fields.List(fields.String())
    sanctions = fields.List(fields.Nested(SanctionBadgeSchema))
    highlight = fields.Nested(HighlightSchema)
    url = fields.String()


class AffiliatedOrganisationSchema(Schema):
    """An organisation a practitioner currently works for."""

    id = fields.Integer()
    name = fields.String()
    region_code = fields.String()


class ShownQualificationSchema(Schema):
    """A verified (or verified and since expired) qualification."""

    kind = fields.String()
    state = fields.String()


class PractitionerHitSchema(Schema):
    """One practitioner in the results (no ID number: it is never indexed)."""

    id = fields.Integer()
    name = fields.String()
    organisations = fields.List(fields.Nested(AffiliatedOrganisationSchema))
    qualifications = fields.List(fields.Nested(ShownQualificationSchema))
    specialties = fields.List(fields.String())
    sanctions = fields.List(fields.Nested(SanctionBadgeSchema))
    highlight = fields.Nested(HighlightSchema)
    url = fields.String()


class WiderRegionSchema(Schema):
    """The nearest enclosing region with results (code null: the whole country)."""

    code = fields.String(allow_none=True)
    name = fields.String()
    count = fields.Integer()


class _ResultSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
    facets = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(FacetCountSchema)))
    suggestion = fields.String(allow_none=True)
    wider_region = fields.Nested(WiderRegionSchema, allow_none=True)
    limited = fields.Boolean()


class OrganisationResultSchema(_ResultSchema):
    """A page of organisation results."""

    items = fields.List(fields.Nested(OrganisationHitSchema))


class PractitionerResultSchema(_ResultSchema):
    """A page of practitioner results."""

    items = fields.List(fields.Nested(PractitionerHitSchema))
