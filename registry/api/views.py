"""API endpoints: the account behind a token, anonymous reads of the public register (regions,
organisations, practitioners, certificates, sanctions, demonstration units, coverage), the
change feed and the OpenAPI document.

Each view's docstring carries its OpenAPI operation (YAML after ``---``), which
``registry.api.openapi`` collects: documenting an endpoint is writing its docstring.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify
from flask_babel import gettext as _

from registry.api import http
from registry.api import schemas as s
from registry.api.auth import load_token_user, token_required
from registry.api.errors import api_error
from registry.api.openapi import document
from registry.dashboard import services as dashboard
from registry.disclosure import changes, queries
from registry.evaluation.services import default_cycle
from registry.extensions import db, limiter
from registry.practitioners import services as practitioners
from registry.practitioners.services import local_today
from registry.practitioners.views import CERTIFICATE_LOOKUP_SCOPE, certificate_lookup_limit
from registry.public import services as public
from registry.regions import services as regions
from registry.sanctions.models import Sanction
from registry.validation import NotFound, ValidationFailed

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(load_token_user)
http.install(bp)


def _page(page: public.Page) -> dict:
    return {"items": page.items, "total": page.total, "page": page.number,
            "per_page": page.per_page}


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API."""
    return jsonify(document())


@bp.get("/me")
@token_required
def me():
    """The account a token acts for.
    ---
    get:
      summary: The account behind the bearer token
      tags: [accounts]
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema: AccountSchema
    """
    return jsonify(s.AccountSchema().dump(g.api_user))


@bp.get("/regions")
def region_children():
    """The divisions directly under ``?parent=`` (the provinces without it).
    ---
    get:
      summary: Administrative divisions under a parent (provinces without one)
      tags: [reference]
      parameters:
      - in: query
        schema: RegionQuerySchema
      responses:
        200:
          content:
            application/json:
              schema: RegionListSchema
    """
    args = http.parse_query(s.RegionQuerySchema())
    parent = args.get("parent")
    if parent is not None and regions.get_region(parent) is None:
        return api_error(404, "not_found", _("没有这个地区代码。"))
    items = regions.children(parent)
    return http.read_response(s.RegionListSchema().dump({"items": items, "total": len(items)}),
                              local_today())


@bp.get("/certificates/verify")
@limiter.shared_limit(certificate_lookup_limit, scope=CERTIFICATE_LOOKUP_SCOPE)
def certificate_verify():
    """证书查询: valid / expired / revoked / not_found, with the kind and issuing body of a
    known certificate and nothing else; rate limited together with the web page.
    ---
    get:
      summary: Verify a certificate (证书查询)
      description: A wrong name answers exactly like an unknown number.
      tags: [practitioners]
      parameters:
      - in: query
        schema: CertificateQuerySchema
      responses:
        200:
          content:
            application/json:
              schema: CertificateAnswerSchema
    """
    args = http.parse_query(s.CertificateQuerySchema())
    try:
        answer = practitioners.lookup_certificate(args["number"], args["name"])
    except ValidationFailed as error:
        return api_error(400, "invalid_request", _("请同时提供证书编号（number）和持证人姓名（name）。"),
                         error.errors)
    return jsonify(answer.as_dict())


@bp.get(f"/organisations/<{http.ID}:organisation_id>")
def organisation(organisation_id: int):
    """An organisation's public record.
    ---
    get:
      summary: One organisation, with what its public page shows
      description: Active, suspended and exited organisations; others are 404.
      tags: [organisations]
      responses:
        200:
          content:
            application/json:
              schema: OrganisationDetailSchema
    """
    today = local_today()
    profile = public.organisation_profile(organisation_id, today)
    if profile is None:
        raise NotFound(organisation_id)
    return http.read_response(s.OrganisationDetailSchema().dump(profile), today)


@bp.get(f"/practitioners/<{http.ID}:practitioner_id>")
def practitioner(practitioner_id: int):
    """A practitioner's public record.
    ---
    get:
      summary: One practitioner (public fields, verified qualifications)
      tags: [practitioners]
      responses:
        200:
          content:
            application/json:
              schema: PractitionerDetailSchema
    """
    today = local_today()
    profile = public.practitioner_profile(practitioner_id, today)
    if profile is None:
        raise NotFound(practitioner_id)
    return http.read_response(s.PractitionerDetailSchema().dump(profile), today)


@bp.get("/sanctions")
def sanction_list():
    """Sanctions in their public disclosure period.
    ---
    get:
      summary: Sanctions in disclosure (公示期内的惩戒)
      tags: [sanctions]
      parameters:
      - in: query
        schema: SanctionQuerySchema
      responses:
        200:
          content:
            application/json:
              schema: SanctionPageSchema
    """
    args = http.parse_query(s.SanctionQuerySchema())
    today = local_today()
    filters = queries.SanctionFilters(
        region=args.get("region"), sanction_type=args.get("type"), subject=args.get("subject"),
        organisation_id=args.get("organisation_id"), practitioner_id=args.get("practitioner_id"))
    page = queries.page_of(queries.disclosed_sanctions(today, filters), args["page"],
                           args["per_page"])
    return http.read_response(s.SanctionPageSchema().dump(_page(page)), today)


@bp.get(f"/sanctions/<{http.ID}:sanction_id>")
def sanction(sanction_id: int):
    """One sanction in disclosure.
    ---
    get:
      summary: One sanction, while it is in disclosure
      tags: [sanctions]
      responses:
        200:
          content:
            application/json:
              schema: SanctionSchema
    """
    today = local_today()
    found = db.session.scalar(queries.disclosed_sanctions(today).where(Sanction.id == sanction_id))
    if found is None:
        raise NotFound(sanction_id)
    return http.read_response(s.SanctionSchema().dump(found), today)


@bp.get("/demonstration-units")
def demonstration_units():
    """Current demonstration units.
    ---
    get:
      summary: Current demonstration units (示范单位)
      tags: [evaluation]
      parameters:
      - in: query
        schema: DemonstrationQuerySchema
      responses:
        200:
          content:
            application/json:
              schema: DemonstrationUnitPageSchema
    """
    args = http.parse_query(s.DemonstrationQuerySchema())
    today = local_today()
    page = queries.page_of(queries.current_designations(today, args.get("region")),
                           args["page"], args["per_page"])
    items = [{"organisation": designation.organisation, "designation": designation}
             for designation in page.items]
    body = _page(page) | {"items": items}
    return http.read_response(s.DemonstrationUnitPageSchema().dump(body), today)


@bp.get("/stats")
def stats():
    """Evaluation coverage of a region for a cycle.
    ---
    get:
      summary: Coverage figures (评估覆盖率) of a region and cycle
      tags: [evaluation]
      parameters:
      - in: query
        schema: StatsQuerySchema
      responses:
        200:
          content:
            application/json:
              schema: CoverageSchema
    """
    args = http.parse_query(s.StatsQuerySchema())
    today = local_today()
    figures = dashboard.coverage(args.get("region"), args.get("cycle") or default_cycle(today),
                                 today)
    return http.read_response(s.CoverageSchema().dump(figures), today)


@bp.get("/changes")
def change_feed():
    """Public changes after a cursor, oldest first.
    ---
    get:
      summary: The change feed (for mirrors)
      description: Pass the answer's `next` as `since` to continue; the cursor is stable.
      tags: [changes]
      parameters:
      - in: query
        schema: ChangesQuerySchema
      responses:
        200:
          content:
            application/json:
              schema: ChangePageSchema
    """
    args = http.parse_query(s.ChangesQuerySchema())
    today = local_today()
    page = changes.changes_since(args["since"], args["limit"], today)
    return http.read_response(s.ChangePageSchema().dump(page), today)



# The writes register on the same blueprint (they import ``bp`` from here).
from registry.api import writes  # noqa: E402,F401
