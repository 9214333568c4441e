"""Public pages: the home page, region navigation, organisation and practitioner pages."""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, render_template, request

from registry.clock import local_today as _today
from registry.http_cache import versioned_page
from registry.public import services
from registry.public.layout import layout_helpers
from registry.query import page_arg
from registry.regions.services import get_region

bp = Blueprint("public", __name__)
bp.app_context_processor(layout_helpers)

_REGION_CODE = re.compile(r"[0-9]{6}")


@bp.route("/")
@versioned_page
def home():
    """What the register is, headline figures and the provinces."""
    return render_template(
        "public/home.html",
        totals=services.register_totals(),
        provinces=services.province_counts(),
    )


@bp.route("/regions/<code>")
@versioned_page
def region(code: str):
    """A region: breadcrumbs, its subdivisions and its active organisations, paginated."""
    found = get_region(code) if _REGION_CODE.fullmatch(code) else None
    if found is None:
        abort(404)
    try:
        page = services.region_organisations(
            found.code, page_arg(), current_app.config["PER_PAGE"], _today()
        )
    except services.PageOutOfRange:
        abort(404)
    return render_template(
        "public/region.html",
        region=found,
        path=services.region_path(found),
        subregions=services.child_region_counts(found),
        page=page,
    )


@bp.route("/organisations/<int:organisation_id>")
@versioned_page
def organisation(organisation_id: int):
    """The public page of an active, suspended or exited organisation."""
    today = _today()
    profile = services.organisation_profile(organisation_id, today)
    if profile is None:
        abort(404)
    return render_template("public/organisation.html", profile=profile, today=today)


@bp.route("/practitioners/<int:practitioner_id>")
@versioned_page
def practitioner(practitioner_id: int):
    """The public page of a practitioner with a public affiliation or a verified qualification."""
    today = _today()
    profile = services.practitioner_profile(practitioner_id, today)
    if profile is None:
        abort(404)
    return render_template("public/practitioner.html", profile=profile, today=today)


@bp.route("/demonstration-units")
@versioned_page
def demonstration_units():
    """Current demonstration units (示范单位), optionally inside ``?region=``, by sub-region."""
    today = _today()
    code = request.args.get("region") or None
    found = None
    if code is not None:
        found = get_region(code) if _REGION_CODE.fullmatch(code) else None
        if found is None:
            abort(404)
    try:
        page = services.demonstration_units(code, page_arg(), current_app.config["PER_PAGE"],
                                            today)
    except services.PageOutOfRange:
        abort(404)
    return render_template(
        "public/demonstration_units.html", region=found, page=page,
        path=services.region_path(found) if found is not None else [],
        subregions=[row for row in services.demonstration_counts(code, today) if row.count],
    )
