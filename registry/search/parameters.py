"""The search parameters as the OpenAPI document describes them, built from the constants and
vocabularies ``registry.search.query`` parses with (the one home of the rules: these schemas
only document, they never parse)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry import vocabulary
from registry.search import query as rules


def _many(codes) -> fields.List:
    return fields.List(fields.String(validate=validate.OneOf(codes)),
                       metadata={"description": "repeatable; a,b counts as two values"})


class _SearchParameters(Schema):
    """What every search takes: text, region and paging."""

    q = fields.String(validate=validate.Length(max=rules.MAX_QUERY_CHARS), metadata={
        "description": "words, pinyin, initials, a USCC or a certificate number"})
    # Empty is accepted (a search form's "all regions"), as ``query._region`` parses it.
    region = fields.String(validate=validate.Regexp(r"^([0-9]{6})?$"), metadata={
        "description": "a region code; a city includes its counties; empty: the whole country"})
    page = fields.Integer(validate=validate.Range(min=1, max=rules.MAX_PAGE))
    per_page = fields.Integer(validate=validate.Range(min=1, max=rules.MAX_PER_PAGE))


class OrganisationSearchParameters(_SearchParameters):
    """``GET /api/v1/organisations``: the parameters of the search page."""

    type = _many(vocabulary.ORGANISATION_TYPES.codes)
    service = _many(vocabulary.SERVICES.codes)
    population = _many(vocabulary.POPULATIONS.codes)
    modality = _many(vocabulary.MODALITIES.codes)
    demonstration = fields.String(validate=validate.OneOf(rules.TRUE_WORDS + rules.FALSE_WORDS))
    min_grade = fields.String(validate=validate.OneOf(rules.GRADES_BEST_FIRST))
    status = _many(rules.STATUSES)
    sort = fields.String(validate=validate.OneOf(rules.ORGANISATION_SORTS))


class PractitionerSearchParameters(_SearchParameters):
    """``GET /api/v1/practitioners``: the parameters of the practitioner search page."""

    qualification = _many(vocabulary.QUALIFICATION_KINDS.codes)
    specialty = _many(vocabulary.SPECIALTIES.codes)
    sort = fields.String(validate=validate.OneOf(rules.PRACTITIONER_SORTS))
