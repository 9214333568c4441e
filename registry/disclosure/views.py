"""Open-data downloads, the FHIR bundle, Atom feeds and the printable registration notice."""
from __future__ import annotations

import re
from typing import Optional

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request, send_file, \
    stream_with_context, url_for

from registry.api.http import ID
from registry.database import utcnow
from registry.disclosure import fhir, formats
from registry.disclosure.datasets import DATASETS
from registry.disclosure.feeds import FEEDS, render
from registry.disclosure.qr import QR_MAX_AGE, qr_data_uri, qr_svg
from registry.disclosure.queries import public_practitioners
from registry.extensions import db
from registry.http_cache import shared_cacheable, versioned_page
from registry.practitioners.models import Practitioner
from registry.practitioners.services import local_today
from registry.public import services as public
from registry.regions.services import get_region

bp = Blueprint("disclosure", __name__)
bp.add_app_template_global(qr_data_uri, "qr_code")

_REGION_CODE = re.compile(r"[0-9]{6}")
MIMETYPES = {"csv": "text/csv", "json": "application/json",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _region() -> tuple[Optional[str], Optional[str]]:
    """``?region=`` as (code, name); an unknown code is a missing page."""
    code = request.args.get("region") or None
    if code is None:
        return None, None
    region = get_region(code) if _REGION_CODE.fullmatch(code) else None
    if region is None:
        abort(404)
    return region.code, region.name


@bp.get("/open-data/")
@shared_cacheable
def open_data():
    """The downloads, their columns and formats, the FHIR bundle and the feeds."""
    return render_template("disclosure/open_data.html", datasets=DATASETS.values(), feeds=FEEDS,
                           formats=tuple(MIMETYPES))


@bp.get("/open-data/<name>.<fmt>")
def download(name: str, fmt: str):
    """One data set, generated now, in CSV (UTF-8 with BOM), XLSX or JSON."""
    dataset = DATASETS.get(name)
    if dataset is None or fmt not in MIMETYPES:
        abort(404)
    region, _name = _region()
    generated_at = utcnow()
    rows = dataset.rows(local_today(), region)
    filename = f"{name}{'-' + region if region else ''}-{generated_at:%Y%m%dT%H%M%SZ}.{fmt}"
    headers = {"X-Generated-At": generated_at.isoformat(timespec="seconds"),
               "Cache-Control": "no-cache"}
    if fmt == "xlsx":
        response = send_file(formats.xlsx_file(dataset, rows, generated_at),
                             mimetype=MIMETYPES[fmt], as_attachment=True,
                             download_name=filename)
        response.headers.update(headers)
        return response
    chunks = (formats.csv_chunks(dataset, rows) if fmt == "csv"
              else formats.json_chunks(dataset, rows, generated_at))
    headers["Content-Disposition"] = f"attachment; filename={filename}"
    return Response(stream_with_context(chunks), mimetype=MIMETYPES[fmt],
                    headers=headers, content_type=f"{MIMETYPES[fmt]}; charset=utf-8")


@bp.get("/open-data/fhir/bundle.json")
def fhir_bundle():
    """The public register as a FHIR R4 Bundle (collection), generated now."""
    generated_at = utcnow()
    chunks = fhir.bundle_chunks(local_today(), generated_at)
    filename = f"register-{generated_at:%Y%m%dT%H%M%SZ}.json"
    return Response(stream_with_context(chunks),
                    content_type="application/fhir+json; charset=utf-8",
                    headers={"X-Generated-At": generated_at.isoformat(timespec="seconds"),
                             "Content-Disposition": f"attachment; filename={filename}"})


@bp.get("/feeds/<name>.atom")
@shared_cacheable
def feed(name: str):
    """An Atom feed, optionally for ``?region=``."""
    found = FEEDS.get(name)
    if found is None:
        abort(404)
    region, region_name = _region()
    self_url = url_for("disclosure.feed", name=name, region=region, _external=True)
    return Response(render(found, local_today(), region, region_name, self_url),
                    content_type="application/atom+xml; charset=utf-8")


@bp.get(f"/organisations/<{ID}:organisation_id>/qr.svg")
def organisation_qr(organisation_id: int):
    """The QR code of an organisation's public page (an image the page loads)."""
    if public.public_organisation(organisation_id) is None:
        abort(404)
    return _qr_image(url_for("public.organisation", organisation_id=organisation_id,
                             _external=True))


@bp.get(f"/practitioners/<{ID}:practitioner_id>/qr.svg")
def practitioner_qr(practitioner_id: int):
    """The QR code of a practitioner's public page."""
    query = public_practitioners().where(Practitioner.id == practitioner_id)
    if not db.session.scalar(sa.select(query.exists())):
        abort(404)
    return _qr_image(url_for("public.practitioner", practitioner_id=practitioner_id,
                             _external=True))


def _qr_image(page_url: str) -> Response:
    """A page's code, kept a day by browsers and proxies (revalidated by ETag after that);
    ``registry.http_cache`` still makes it private for a logged-in visitor."""
    response = Response(qr_svg(page_url), content_type="image/svg+xml")
    response.headers["Cache-Control"] = f"public, max-age={QR_MAX_AGE}"
    response.add_etag()
    return response.make_conditional(request)


@bp.get(f"/organisations/<{ID}:organisation_id>/notice")
@versioned_page
def notice(organisation_id: int):
    """The printable A5 registration notice (登记公示牌) with the page's QR code."""
    today = local_today()
    profile = public.organisation_profile(organisation_id, today)
    if profile is None:
        abort(404)
    page_url = url_for("public.organisation", organisation_id=organisation_id, _external=True)
    return render_template("disclosure/notice.html", profile=profile, page_url=page_url,
                           today=today)
