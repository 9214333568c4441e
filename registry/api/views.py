"""API endpoints: the account behind a token, the region tree (for pickers and clients), and the
public certificate lookup (证书查询)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _

from registry.api.auth import load_token_user, token_required
from registry.api.errors import api_error
from registry.extensions import limiter
from registry.practitioners import services as practitioners
from registry.practitioners.views import CERTIFICATE_LOOKUP_SCOPE, certificate_lookup_limit
from registry.regions import services as regions
from registry.validation import ValidationFailed

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(load_token_user)


@bp.get("/me")
@token_required
def me():
    """The account a token acts for."""
    user = g.api_user
    return jsonify({
        "id": user.id, "email": user.email, "role": user.role.value,
        "region_code": user.region_code, "association_id": user.association_id,
        "organisation_id": user.organisation_id,
    })


@bp.get("/regions")
def region_children():
    """The divisions directly under ``?parent=`` (the provinces without it)."""
    parent = request.args.get("parent") or None
    if parent is not None and regions.get_region(parent) is None:
        return api_error(404, "not_found", "没有这个地区代码。")
    items = [{"code": r.code, "name": r.name, "level": r.level.value, "parent": r.parent_code}
             for r in regions.children(parent)]
    return jsonify({"items": items, "total": len(items)})


@bp.get("/certificates/verify")
@limiter.shared_limit(certificate_lookup_limit, scope=CERTIFICATE_LOOKUP_SCOPE)
def certificate_verify():
    """证书查询: ``?number=…&name=…`` → valid / expired / revoked / not_found, with the kind and
    issuing body of a known certificate and nothing else. No token needed; rate limited
    together with the web page."""
    try:
        answer = practitioners.lookup_certificate(request.args.get("number"),
                                                  request.args.get("name"))
    except ValidationFailed as error:
        return api_error(400, "invalid_request", _("请同时提供证书编号（number）和持证人姓名（name）。"),
                         error.errors)
    return jsonify(answer.as_dict())
