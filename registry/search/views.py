"""The search pages: ``/search`` (organisations) and ``/search/practitioners``."""
from __future__ import annotations



from flask import Blueprint, render_template, request, url_for

from registry.http_cache import shared_cacheable
from registry.regions.services import ancestors, get_region
from registry.search.query import (
    OrganisationQuery,
    PractitionerQuery,
    parse_organisation_query,
    parse_practitioner_query,
)
from registry.search.services import grade_label, search_organisations, search_practitioners
from registry.validation import ValidationFailed

bp = Blueprint("search", __name__)

# Facet group → the query attribute holding the chosen values.
MULTI_VALUED = {"type": "types", "service": "services", "population": "populations",
                "modality": "modalities", "status": "statuses",
                "qualification": "qualifications", "specialty": "specialties"}


def _link_maker(query, endpoint: str):
    """``link(**changes)`` and ``toggle(group, code)``: URLs of this query, changed."""

    def link(**changes) -> str:
        changes.setdefault("page", 1)
        return url_for(endpoint, **query.as_args(**changes))

    def toggle(group: str, code: str) -> str:
        if group in MULTI_VALUED:
            attribute = MULTI_VALUED[group]
            chosen = getattr(query, attribute)
            values = tuple(v for v in chosen if v != code) if code in chosen else chosen + (code,)
            return link(**{attribute: values})
        if group == "min_grade":
            return link(min_grade=None if query.min_grade == code else code)
        if group == "demonstration":
            return link(demonstration=not query.demonstration)
        return link(region=code)

    return link, toggle


def _render(template: str, query, result, errors, endpoint: str):
    link, toggle = _link_maker(query, endpoint)
    region = get_region(query.region) if query.region else None
    return render_template(
        template, query=query, result=result, errors=errors, link=link, toggle=toggle,
        region_path=ancestors(region) if region else [], grade_label=grade_label,
    ), 400 if errors else 200


@bp.get("/search")
@shared_cacheable
def organisations():
    """Search organisations: the text box, filters, facets and a page of results."""
    try:
        query, errors = parse_organisation_query(request.args), {}
    except ValidationFailed as error:
        query, errors = OrganisationQuery(q=(request.args.get("q") or "")[:100]), error.errors
    result = None if errors else search_organisations(query)
    return _render("search/organisations.html", query, result, errors, "search.organisations")


@bp.get("/search/practitioners")
@shared_cacheable
def practitioners():
    """Search practitioners by name, qualification, organisation or specialty."""
    try:
        query, errors = parse_practitioner_query(request.args), {}
    except ValidationFailed as error:
        query, errors = PractitionerQuery(q=(request.args.get("q") or "")[:100]), error.errors
    result = None if errors else search_practitioners(query)
    return _render("search/practitioners.html", query, result, errors, "search.practitioners")



