"""API endpoints: the account behind a token, and the region tree (for pickers and clients)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from registry.api.auth import load_token_user, token_required
from registry.api.errors import api_error
from registry.regions import services as regions

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
