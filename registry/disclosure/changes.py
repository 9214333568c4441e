"""The public change feed: audit events mapped to the changes a public page would show.

The cursor is the audit event id, so the feed is in commit order and never skips: a mirror
stores ``next`` and asks again with ``?since=``. An entry names what changed (kind, entity,
changed public field names, a new status) and where to fetch it, never the audit event's
before/after values, which may hold fields the public does not see.

Mapping (audit action → public kind):

====================================  =================================  ==========================
audit action                          kind                               shown when
====================================  =================================  ==========================
organisation.approve, .import         organisation.registered            always
organisation.update                   organisation.updated               after registration only
                                                                         (draft edits are private)
organisation.suspend / .reactivate    organisation.status_changed        always (status: suspended
/ .exit                                                                  / active / exited)
sanction.record, .disclosure_start    sanction.disclosed                 the disclosure has begun
sanction.disclosure_withdraw          sanction.disclosure_withdrawn      always
sanction.disclosure_end               sanction.disclosure_ended          always
sanction.lift                         sanction.lifted                    always (an accepted appeal
                                                                         also ends disclosure)
designation.create                    designation.created                always
designation.revoke, .revoke_auto      designation.revoked                always
evaluation.publish                    evaluation.published               always
evaluation.supersede                  evaluation.superseded              always
====================================  =================================  ==========================

``sanction.end`` (its term ran out) changes nothing the public pages show: a sanction stays
public until its disclosure period ends or is withdrawn, so it is not in the feed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from flask import url_for

from registry.audit.models import AuditEvent
from registry.evaluation.models import Evaluation
from registry.extensions import db
from registry.orgs.validation import PROFILE_FIELDS
from registry.sanctions.models import Sanction

REGISTERED = ("organisation.approve", "organisation.import")
STATUS_ACTIONS = {"organisation.suspend": "suspended", "organisation.reactivate": "active",
                  "organisation.exit": "exited"}
KINDS = {
    **{action: "organisation.registered" for action in REGISTERED},
    "organisation.update": "organisation.updated",
    **{action: "organisation.status_changed" for action in STATUS_ACTIONS},
    "sanction.record": "sanction.disclosed",
    "sanction.disclosure_start": "sanction.disclosed",
    "sanction.disclosure_withdraw": "sanction.disclosure_withdrawn",
    "sanction.disclosure_end": "sanction.disclosure_ended",
    "sanction.lift": "sanction.lifted",
    "designation.create": "designation.created",
    "designation.revoke": "designation.revoked",
    "designation.revoke_auto": "designation.revoked",
    "evaluation.publish": "evaluation.published",
    "evaluation.supersede": "evaluation.superseded",
}
ENTITY_TYPES = {"organisation": "organisation", "sanction": "sanction",
                "demonstration_designation": "designation", "evaluation": "evaluation"}
# How many events one request examines at most while filling ``limit`` entries.
SCAN_FACTOR = 5


@dataclass(frozen=True)
class Change:
    """One entry of the feed."""

    cursor: int
    occurred_at: datetime
    kind: str
    entity_type: str
    entity_id: int
    organisation_id: Optional[int] = None
    status: Optional[str] = None
    fields_: list = field(default_factory=list)
    url: Optional[str] = None


@dataclass(frozen=True)
class ChangePage:
    """A slice of the feed and the cursor to continue from."""

    items: list[Change]
    next: int
    has_more: bool


def _registration_events(organisation_ids: set[int]) -> dict[int, int]:
    """The id of each organisation's first registration event."""
    if not organisation_ids:
        return {}
    rows = db.session.execute(
        sa.select(AuditEvent.entity_id, sa.func.min(AuditEvent.id))
        .where(AuditEvent.entity_type == "organisation", AuditEvent.action.in_(REGISTERED),
               AuditEvent.entity_id.in_([str(i) for i in organisation_ids]))
        .group_by(AuditEvent.entity_id))
    return {int(entity_id): first for entity_id, first in rows}


def _sanctions(ids: set[int]) -> dict[int, Sanction]:
    if not ids:
        return {}
    return {s.id: s for s in db.session.scalars(sa.select(Sanction).where(Sanction.id.in_(ids)))}


def _api_url(entity_type: str, entity_id: int, organisation_id: Optional[int]) -> Optional[str]:
    """Where a mirror fetches the changed record: designations and evaluations are part of
    their organisation's resource."""
    if entity_type == "organisation":
        return url_for("api.organisation", organisation_id=entity_id, _external=True)
    if entity_type == "sanction":
        return url_for("api.sanction", sanction_id=entity_id, _external=True)
    if organisation_id is not None:
        return url_for("api.organisation", organisation_id=organisation_id, _external=True)
    return None


def _evaluated_organisations(ids: set[int]) -> dict[int, int]:
    """The organisation of each evaluation (a publish event records only what changed)."""
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Evaluation.id, Evaluation.organisation_id)
                                   .where(Evaluation.id.in_(ids))).all())


def _ids(events: list[AuditEvent], condition) -> set[int]:
    return {int(event.entity_id) for event in events if condition(event)}


class _Mapper:
    """Turns one batch of audit events into feed entries, with the look-ups done per batch."""

    def __init__(self, events: list[AuditEvent], today: date):
        self.today = today
        self.registered = _registration_events(
            _ids(events, lambda e: e.action == "organisation.update"))
        self.sanctions = _sanctions(_ids(events, lambda e: e.entity_type == "sanction"))
        self.evaluated = _evaluated_organisations(
            _ids(events, lambda e: e.entity_type == "evaluation"))

    def _organisation_of(self, event: AuditEvent, entity_type: str, entity_id: int):
        if entity_type == "organisation":
            return entity_id
        if entity_type == "evaluation":
            return self.evaluated.get(entity_id)
        return (event.after or {}).get("organisation_id") or \
            (event.before or {}).get("organisation_id")

    def change(self, event: AuditEvent) -> Optional[Change]:
        """The entry for ``event``, or None when the public saw no change."""
        entity_id = int(event.entity_id)
        entity_type = ENTITY_TYPES[event.entity_type]
        after = event.after or {}
        organisation_id = self._organisation_of(event, entity_type, entity_id)
        base = dict(cursor=event.id, occurred_at=event.occurred_at, kind=KINDS[event.action],
                    entity_type=entity_type, entity_id=entity_id)
        if event.action == "organisation.update":
            first = self.registered.get(entity_id)
            if first is None or first > event.id:
                return None  # an edit of a draft or rejected registration
            changed = sorted(name for name in after if name in PROFILE_FIELDS)
            return Change(**base, organisation_id=entity_id, fields_=changed,
                          url=_api_url("organisation", entity_id, None))
        if event.action in STATUS_ACTIONS:
            return Change(**base, organisation_id=entity_id, status=STATUS_ACTIONS[event.action],
                          url=_api_url("organisation", entity_id, None))
        if entity_type == "sanction":
            return self._sanction_change(event, base)
        return Change(**base, organisation_id=organisation_id,
                      url=_api_url(entity_type, entity_id, organisation_id))

    def _sanction_change(self, event: AuditEvent, base: dict) -> Optional[Change]:
        sanction = self.sanctions.get(base["entity_id"])
        if base["kind"] == "sanction.disclosed":
            if sanction is None or sanction.starts_on > self.today:
                return None  # not public yet: its disclosure_start event will announce it
        # Details of a sanction the public can no longer see are left out; the id remains so
        # that a mirror can remove it.
        visible = sanction is not None and sanction.is_disclosed(self.today)
        if not visible:
            return Change(**base)
        return Change(**base, organisation_id=sanction.organisation_id,
                      url=_api_url("sanction", sanction.id, None))


def changes_since(since: int, limit: int, today: date) -> ChangePage:
    """Public changes after cursor ``since``, oldest first, at most ``limit`` of them."""
    query = (sa.select(AuditEvent).where(AuditEvent.id > since,
                                         AuditEvent.action.in_(list(KINDS)),
                                         AuditEvent.entity_type.in_(list(ENTITY_TYPES)),
                                         AuditEvent.entity_id.is_not(None))
             .order_by(AuditEvent.id))
    events = list(db.session.scalars(query.limit(limit * SCAN_FACTOR)))
    mapper = _Mapper(events, today)
    items: list[Change] = []
    cursor = since
    for event in events:
        if len(items) == limit:
            break
        cursor = event.id
        change = mapper.change(event)
        if change is not None:
            items.append(change)
    has_more = db.session.scalar(sa.select(sa.func.count()).select_from(
        query.where(AuditEvent.id > cursor).limit(1).subquery())) > 0
    return ChangePage(items, cursor, has_more)
