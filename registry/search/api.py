"""``GET /api/v1/organisations`` and ``GET /api/v1/practitioners``: anonymous search, JSON.

The routes join the existing ``api`` blueprint (bearer tokens are optional here); parameters
are parsed by the same function as the search pages, and bad ones get the API's JSON 400.
"""
from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from registry.api.errors import api_error
from registry.api.openapi import operation
from registry.api.views import bp
from registry.http_cache import shared_cacheable
from registry.search.parameters import OrganisationSearchParameters, PractitionerSearchParameters
from registry.search.query import (
    UnknownRegion,
    parse_organisation_query,
    parse_practitioner_query,
)
from registry.search.schemas import OrganisationResultSchema, PractitionerResultSchema
from registry.search.services import SearchResult, search_organisations, search_practitioners
from registry.validation import ValidationFailed


def result_record(result: SearchResult, endpoint: str, id_argument: str) -> dict:
    """A result as plain values, each hit with its highlight and page URL."""
    items = [dict(hit.data, highlight={"name": hit.name_html, "snippet": hit.snippet_html},
                  url=url_for(endpoint, **{id_argument: hit.id}))
             for hit in result.items]
    return {"items": items, "total": result.total, "page": result.page,
            "per_page": result.per_page, "pages": result.pages, "facets": result.facets,
            "suggestion": result.suggestion, "wider_region": result.wider_region,
            "limited": result.limited}


def _invalid(error: ValidationFailed):
    if isinstance(error, UnknownRegion):  # as for every read naming a region that is not
        return api_error(404, "not_found", error.errors["region"], error.errors)
    return api_error(400, "invalid_parameters", _("检索参数有误。"), error.errors)


@bp.get("/organisations")
@shared_cacheable
@operation("get", "Search public organisations (the search page's parameters)",
           query=OrganisationSearchParameters, answer=OrganisationResultSchema, tag="search")
def organisations_search():
    """Search public organisations (parameters as on /search)."""
    try:
        query = parse_organisation_query(request.args)
    except ValidationFailed as error:
        return _invalid(error)
    record = result_record(search_organisations(query), "public.organisation", "organisation_id")
    return jsonify(OrganisationResultSchema().dump(record))


@bp.get("/practitioners")
@shared_cacheable
@operation("get", "Search public practitioners (the practitioner search page's parameters)",
           query=PractitionerSearchParameters, answer=PractitionerResultSchema, tag="search")
def practitioners_search():
    """Search public practitioners (parameters as on /search/practitioners)."""
    try:
        query = parse_practitioner_query(request.args)
    except ValidationFailed as error:
        return _invalid(error)
    record = result_record(search_practitioners(query), "public.practitioner", "practitioner_id")
    return jsonify(PractitionerResultSchema().dump(record))
