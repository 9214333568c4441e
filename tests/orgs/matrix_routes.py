"""The registration routes in the permission matrix: each for a record inside the officers'
jurisdiction (``inside``, owned by ``org_owner``) and one outside it (``outside``, owned by
``org_other``)."""
from __future__ import annotations

from registry.database import utcnow
from registry.extensions import db
from registry.orgs.models import ChangeRequest, ChangeRequestKind, OrganisationStatus
from tests.matrix import OFFICERS_INSIDE, OWNER, Route

OWNER_OUTSIDE = frozenset({"org_other", "admin"})
OFFICERS_OUTSIDE = frozenset({"regulator_outside", "admin"})
ALLOWED = {
    "owner": {"inside": OWNER, "outside": OWNER_OUTSIDE},
    "officers": {"inside": OFFICERS_INSIDE, "outside": OFFICERS_OUTSIDE},
}
WHERE = ("inside", "outside")


def form_values(organisation, **changes) -> dict:
    """The edit form as a browser posts it for ``organisation``."""
    code = organisation.region_code
    values = {
        "name": organisation.name, "uscc": organisation.uscc, "org_type": organisation.org_type,
        "legal_representative": organisation.legal_representative,
        "province": code[:2] + "0000", "city": code[:4] + "00", "county": code,
        "address": organisation.address, "phone": organisation.phone,
        "website": organisation.website, "opening_hours": organisation.opening_hours,
        "fees": organisation.fees, "offers_public_benefit": "yes",
        "public_benefit_note": organisation.public_benefit_note,
        "description": organisation.description, "services": organisation.services,
        "populations": organisation.populations, "modalities": organisation.modalities,
        "languages": organisation.languages,
    }
    values.update(changes)
    return values


def with_status(status: OrganisationStatus):
    """Put both organisations in ``status`` before the call."""
    def prepare(world) -> dict:
        for key in WHERE:
            organisation = world.records[key]
            organisation.status = status
            organisation.approved_at = utcnow() if status is OrganisationStatus.ACTIVE else None
            organisation.submitted_at = utcnow()
        return {}
    return prepare


def with_pending(kind: ChangeRequestKind):
    """A pending change request (or deregistration) for each organisation."""
    def prepare(world) -> dict:
        records = {}
        for key in WHERE:
            change = ChangeRequest(
                organisation_id=world.records[key].id, kind=kind,
                changes={"fees": "免费"} if kind is ChangeRequestKind.CHANGE else {},
                reason="机构停业。" if kind is ChangeRequestKind.DEREGISTRATION else None,
            )
            db.session.add(change)
            db.session.flush()
            records[f"change_{key}"] = change
        return records
    return prepare


def _org(where: str, path: str):
    return lambda w: f"/manage/organisations/{w.records[where].id}{path}"


def _review(where: str, path: str):
    return lambda w: f"/review/organisations/{w.records[where].id}{path}"


def _change(where: str, path: str):
    return lambda w: f"/review/changes/{w.records['change_' + where].id}{path}"


def _withdraw(where: str):
    return lambda w: (f"/manage/organisations/{w.records[where].id}"
                      f"/changes/{w.records['change_' + where].id}/withdraw")


def _routes_for(where: str) -> list[Route]:
    owner, officers = ALLOWED["owner"][where], ALLOWED["officers"][where]
    draft = with_status(OrganisationStatus.DRAFT)
    submitted = with_status(OrganisationStatus.SUBMITTED)
    change = with_pending(ChangeRequestKind.CHANGE)
    deregistration = with_pending(ChangeRequestKind.DEREGISTRATION)
    return [
        Route("orgs.save_draft", "POST", _org(where, "/draft"), owner, variant=where, prepare=draft,
              data=lambda w: form_values(w.records[where], fees="免费")),
        Route("orgs.submit", "POST", _org(where, "/submit"), owner, variant=where, prepare=draft),
        Route("orgs.request_change", "POST", _org(where, "/changes"), owner, variant=where,
              data=lambda w: form_values(w.records[where], fees="免费")),
        Route("orgs.withdraw_change", "POST", _withdraw(where), owner, variant=where,
              prepare=change),
        Route("orgs.request_deregistration", "POST", _org(where, "/deregister"), owner,
              variant=where, data=lambda w: {"reason": "机构停业。"}),
        Route("orgs.approve", "POST", _review(where, "/approve"), officers, variant=where,
              prepare=submitted),
        Route("orgs.reject", "POST", _review(where, "/reject"), officers, variant=where,
              prepare=submitted, data=lambda w: {"reason": "请补充资质材料。"}),
        Route("orgs.approve_change", "POST", _change(where, "/approve"), officers,
              variant=where, prepare=change),
        Route("orgs.approve_change", "POST", _change(where, "/approve"), officers,
              variant=f"deregistration-{where}", prepare=deregistration),
        Route("orgs.reject_change", "POST", _change(where, "/reject"), officers, variant=where,
              prepare=change, data=lambda w: {"reason": "收费标准需与备案一致。"}),
    ]


ROUTES = _routes_for("inside") + _routes_for("outside")
