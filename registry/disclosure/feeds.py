"""Atom feeds (RFC 4287) of new registrations, sanctions entering disclosure and new
demonstration units, each optionally for one region (a city includes its counties)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Optional
from xml.etree import ElementTree

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry import vocabulary
from registry.database import utcnow
from registry.disclosure import queries
from registry.evaluation.models import DemonstrationDesignation
from registry.extensions import db
from registry.orgs.models import Organisation
from registry.public.labels import label
from registry.sanctions.models import Sanction
from registry.sanctions.status import current_standing

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50


@dataclass(frozen=True)
class Entry:
    """One feed entry."""

    id: str
    title: str
    updated: datetime
    link: str
    summary: str


@dataclass(frozen=True)
class Feed:
    """A feed kind: its title and how its entries are found."""

    name: str
    title: object
    entries: Callable[[date, Optional[str]], list[Entry]]


def _organisation_url(organisation_id: int) -> str:
    return url_for("public.organisation", organisation_id=organisation_id, _external=True)


def registration_entries(today: date, region: Optional[str]) -> list[Entry]:
    """The latest registered (approved) organisations."""
    query = (queries.public_organisations(region).where(Organisation.approved_at.is_not(None))
             .order_by(Organisation.approved_at.desc(), Organisation.id.desc()).limit(ENTRIES))
    return [Entry(_organisation_url(o.id), o.name, o.approved_at, _organisation_url(o.id),
                  _("%(type)s，%(region)s，状态：%(status)s",
                    type=vocabulary.ORGANISATION_TYPES.label(o.org_type),
                    region=o.region.name if o.region else o.region_code,
                    status=label(current_standing(o).status)))
            for o in db.session.scalars(query)]


def sanction_entries(today: date, region: Optional[str]) -> list[Entry]:
    """Sanctions in disclosure, the latest to enter it first."""
    query = (queries.disclosed_sanctions(today, queries.SanctionFilters(region=region))
             .order_by(None).order_by(Sanction.starts_on.desc(), Sanction.id.desc())
             .limit(ENTRIES))
    entries = []
    for sanction in db.session.scalars(query):
        subject = sanction.organisation or sanction.practitioner
        link = (_organisation_url(sanction.organisation_id) if sanction.organisation_id else
                url_for("public.practitioner", practitioner_id=sanction.practitioner_id,
                        _external=True))
        entries.append(Entry(
            url_for("api.sanction", sanction_id=sanction.id, _external=True),
            f"{label(sanction.sanction_type)}：{subject.name}",
            max(sanction.created_at, sanction.updated_at), link,
            _("%(body)s %(number)s（%(date)s）：%(facts)s", body=sanction.deciding_body,
              number=sanction.decision_number, date=sanction.decision_date.isoformat(),
              facts=sanction.facts)))
    return entries


def designation_entries(today: date, region: Optional[str]) -> list[Entry]:
    """Current demonstration units, the latest designated first."""
    query = (queries.current_designations(today, region).order_by(None)
             .order_by(DemonstrationDesignation.created_at.desc(),
                       DemonstrationDesignation.id.desc()).limit(ENTRIES))
    return [Entry(f"{_organisation_url(d.organisation_id)}#designation-{d.id}",
                  _("示范单位：%(name)s", name=d.organisation.name), d.created_at,
                  _organisation_url(d.organisation_id),
                  _("%(body)s 认定为 %(year)s 年度示范单位，有效期 %(start)s 至 %(end)s。",
                    body=d.designating_body, year=d.year, start=d.valid_from.isoformat(),
                    end=d.valid_to.isoformat()))
            for d in db.session.scalars(query)]


FEEDS = {feed.name: feed for feed in (
    Feed("registrations", _l("新登记机构"), registration_entries),
    Feed("sanctions", _l("惩戒公示"), sanction_entries),
    Feed("demonstration-units", _l("新认定示范单位"), designation_entries),
)}


def _add(parent, tag: str, text: Optional[str] = None, **attributes) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def render(feed: Feed, today: date, region: Optional[str], region_name: Optional[str],
           self_url: str) -> bytes:
    """The feed document as UTF-8 XML."""
    ElementTree.register_namespace("", ATOM)
    entries = feed.entries(today, region)
    root = ElementTree.Element(f"{{{ATOM}}}feed")
    title = str(feed.title) if region_name is None else f"{feed.title}（{region_name}）"
    _add(root, "id", self_url)
    _add(root, "title", f"{title} - {_('心理健康服务机构与人员登记平台')}")
    updated = max((entry.updated for entry in entries), default=None) or utcnow()
    _add(root, "updated", updated.isoformat(timespec="seconds"))
    _add(root, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(root, "link", rel="alternate", type="text/html",
         href=url_for("public.home", _external=True))
    author = _add(root, "author")
    _add(author, "name", _("心理健康服务机构与人员登记平台"))
    for entry in entries:
        element = _add(root, "entry")
        _add(element, "id", entry.id)
        _add(element, "title", entry.title)
        _add(element, "updated", entry.updated.isoformat(timespec="seconds"))
        _add(element, "link", rel="alternate", type="text/html", href=entry.link)
        _add(element, "summary", entry.summary)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)

