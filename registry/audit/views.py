"""The audit log page for regulators (their jurisdiction) and admins."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from registry.audit.services import EventFilters, entity_types, list_events
from registry.query import page_arg
from registry.text import TextProblem, clean_date

bp = Blueprint("audit", __name__)


def _date_arg(name: str) -> tuple[date | None, str | None]:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None, None
    try:
        return clean_date(raw), None
    except TextProblem:
        return None, raw


@bp.route("/audit")
@login_required
def events():
    """Filterable, paginated list of audit events."""
    date_from, bad_from = _date_arg("from")
    date_to, bad_to = _date_arg("to")
    filters = EventFilters(
        entity_type=request.args.get("entity_type") or None,
        entity_id=request.args.get("entity_id") or None,
        actor=request.args.get("actor") or None,
        action=request.args.get("action") or None,
        date_from=date_from, date_to=date_to,
    )
    page = list_events(current_user, filters, page=page_arg())
    return render_template("audit/events.html", page=page, filters=filters,
                           entity_types=entity_types(), bad_dates=[d for d in (bad_from, bad_to) if d])
