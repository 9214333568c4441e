"""API endpoints: the account behind a token, anonymous reads of the public register (regions,
organisations, practitioners, certificates, sanctions, demonstration units, coverage), the
change feed and the OpenAPI document.

Each view declares its OpenAPI operation with ``@operation(...)`` (``registry.api.openapi``
collects every view under ``/api/v1`` that does, or that has YAML in its docstring).
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _

from registry.api import http
from registry.api import schemas as s
from registry.api.auth import token_required
from registry.api.errors import api_error
from registry.api.openapi import document, operation
from registry.dashboard import services as dashboard
from registry.disclosure import changes, queries
from registry.evaluation.services import default_cycle
from registry.extensions import db, limiter
from registry.http_cache import shared_cacheable
from registry.practitioners import services as practitioners
from registry.practitioners.services import local_today
from registry.practitioners.views import CERTIFICATE_LOOKUP_SCOPE, certificate_lookup_limit
from registry.public import services as public
from registry.regions import services as regions
from registry.sanctions.models import Sanction
from registry.validation import NotFound, ValidationFailed

bp = Blueprint("api", __name__, url_prefix="/api/v1")
http.install(bp)


def _page(page: public.Page) -> dict:
    return {"items": page.items, "total": page.total, "page": page.number,
            "per_page": page.per_page}


@bp.get("/openapi.json")
@shared_cacheable
def openapi():
    """The OpenAPI 3 document of this API."""
    return jsonify(document())


@bp.get("/me")
@token_required
@operation("get", "The account behind the bearer token", answer=s.AccountSchema, tag="accounts",
           token=True)
def me():
    """The account a token acts for."""
    return jsonify(s.AccountSchema().dump(g.api_user))


@bp.get("/regions")
@shared_cacheable
@operation("get", "Administrative divisions under a parent (provinces without one)",
           answer=s.RegionListSchema, query=s.RegionQuerySchema, tag="reference")
def region_children():
    """The divisions directly under ``?parent=`` (the provinces without it)."""
    args = http.parse_query(s.RegionQuerySchema())
    parent = args.get("parent")
    if parent is not None and regions.get_region(parent) is None:
        return api_error(404, "not_found", _("没有这个地区代码。"))
    items = regions.children(parent)
    return http.read_response(s.RegionListSchema().dump({"items": items, "total": len(items)}),
                              local_today())


@bp.get("/certificates/verify")
@limiter.shared_limit(certificate_lookup_limit, scope=CERTIFICATE_LOOKUP_SCOPE)
@operation("get", "Verify a certificate (证书查询)", answer=s.CertificateAnswerSchema,
           query=s.CertificateQuerySchema, tag="practitioners",
           description="A wrong name answers exactly like an unknown number.")
def certificate_verify():
    """证书查询: valid / expired / revoked / not_found, with the kind and issuing body of a
    known certificate and nothing else; rate limited together with the web page."""
    # The service checks the parameters (its messages name the fields, in the user's language);
    # CertificateQuerySchema documents them.
    try:
        answer = practitioners.lookup_certificate(request.args.get("number"),
                                                  request.args.get("name"))
    except ValidationFailed as error:
        return api_error(400, "invalid_request", _("请同时提供证书编号（number）和持证人姓名（name）。"),
                         error.errors)
    return jsonify(answer.as_dict())


@bp.get(f"/organisations/<{http.ID}:organisation_id>")
@shared_cacheable
@operation("get", "One organisation, with what its public page shows",
           answer=s.OrganisationDetailSchema, tag="organisations",
           description="Active, suspended and exited organisations; others are 404.")
def organisation(organisation_id: int):
    """An organisation's public record."""
    today = local_today()
    profile = public.organisation_profile(organisation_id, today)
    if profile is None:
        raise NotFound(organisation_id)
    return http.read_response(s.OrganisationDetailSchema().dump(profile), today)


@bp.get(f"/practitioners/<{http.ID}:practitioner_id>")
@shared_cacheable
@operation("get", "One practitioner (public fields, verified qualifications)",
           answer=s.PractitionerDetailSchema, tag="practitioners")
def practitioner(practitioner_id: int):
    """A practitioner's public record."""
    today = local_today()
    profile = public.practitioner_profile(practitioner_id, today)
    if profile is None:
        raise NotFound(practitioner_id)
    return http.read_response(s.PractitionerDetailSchema().dump(profile), today)


@bp.get("/sanctions")
@shared_cacheable
@operation("get", "Sanctions in disclosure (公示期内的惩戒)", answer=s.SanctionPageSchema,
           query=s.SanctionQuerySchema, tag="sanctions")
def sanction_list():
    """Sanctions in their public disclosure period."""
    args = http.parse_query(s.SanctionQuerySchema())
    today = local_today()
    filters = queries.SanctionFilters(
        region=args.get("region"), sanction_type=args.get("type"), subject=args.get("subject"),
        organisation_id=args.get("organisation_id"), practitioner_id=args.get("practitioner_id"))
    page = queries.page_of(queries.disclosed_sanctions(today, filters), args["page"],
                           args["per_page"])
    return http.read_response(s.SanctionPageSchema().dump(_page(page)), today)


@bp.get(f"/sanctions/<{http.ID}:sanction_id>")
@shared_cacheable
@operation("get", "One sanction, while it is in disclosure", answer=s.SanctionSchema,
           tag="sanctions")
def sanction(sanction_id: int):
    """One sanction in disclosure."""
    today = local_today()
    found = db.session.scalar(queries.disclosed_sanctions(today).where(Sanction.id == sanction_id))
    if found is None:
        raise NotFound(sanction_id)
    return http.read_response(s.SanctionSchema().dump(found), today)


@bp.get("/demonstration-units")
@shared_cacheable
@operation("get", "Current demonstration units (示范单位)", answer=s.DemonstrationUnitPageSchema,
           query=s.DemonstrationQuerySchema, tag="evaluation")
def demonstration_units():
    """Current demonstration units."""
    args = http.parse_query(s.DemonstrationQuerySchema())
    today = local_today()
    page = queries.page_of(queries.current_designations(today, args.get("region")),
                           args["page"], args["per_page"])
    items = [{"organisation": designation.organisation, "designation": designation}
             for designation in page.items]
    body = _page(page) | {"items": items}
    return http.read_response(s.DemonstrationUnitPageSchema().dump(body), today)


@bp.get("/stats")
@shared_cacheable
@operation("get", "Coverage figures (评估覆盖率) of a region and cycle", answer=s.CoverageSchema,
           query=s.StatsQuerySchema, tag="evaluation")
def stats():
    """Evaluation coverage of a region for a cycle."""
    args = http.parse_query(s.StatsQuerySchema())
    today = local_today()
    figures = dashboard.coverage(args.get("region"), args.get("cycle") or default_cycle(today),
                                 today)
    return http.read_response(s.CoverageSchema().dump(figures), today)


@bp.get("/changes")
@shared_cacheable
@operation("get", "The change feed (for mirrors)", answer=s.ChangePageSchema,
           query=s.ChangesQuerySchema, tag="changes",
           description="Pass the answer's `next` as `since` to continue; the cursor is stable.")
def change_feed():
    """Public changes after a cursor, oldest first."""
    args = http.parse_query(s.ChangesQuerySchema())
    today = local_today()
    page = changes.changes_since(args["since"], args["limit"], today)
    return http.read_response(s.ChangePageSchema().dump(page), today)



# The writes register on the same blueprint (they import ``bp`` from here).
from registry.api import writes  # noqa: E402,F401
