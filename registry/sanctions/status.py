"""Public status as a function of the date: the one place that says whether an organisation
or a practitioner is 正常, 暂停服务 or 已退出 on a given day.

An organisation's stored ``status`` and ``suspended_until`` are what the last transition
wrote (recording or lifting a sanction, or the daily ``flask sanctions expire``). What the
public sees is decided here from that record, the suspensions and exits in force, and
today's date — so a missed daily run never shows a suspension that has ended, or hides one
that has started. Readers (the public page, the printable notice, the API, open data, feeds,
FHIR and the search documents) call ``organisation_standing``/``standings``; only the daily
job and the sanction services write a transition (``registry.sanctions.services``), and they
decide it with the same function, so the written status catches up with what was shown.
No reader writes: a GET never changes a table.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session
from flask import g, has_request_context, request

from registry.clock import local_midnight, local_today
from registry.extensions import db
from registry.orgs.models import REGISTERED, Organisation, OrganisationStatus
from registry.sanctions.models import Sanction, SanctionState, SanctionType

_RESTRICTING = (SanctionType.SUSPENSION, SanctionType.EXIT)


@dataclass(frozen=True)
class Standing:
    """An organisation's status on a day, and until when a suspension runs."""

    status: OrganisationStatus
    suspended_until: Optional[datetime] = None  # 00:00 of the suspension's last day
    exit_sanction_id: Optional[int] = None  # the exit in force, when status is EXITED by it

    @property
    def value(self) -> str:
        return self.status.value


@dataclass(frozen=True)
class _Restriction:
    exit_sanction_id: Optional[int] = None  # an exit in force that has started
    last_suspended_day: Optional[date] = None  # the last day of the suspensions running
    ever_suspended: bool = False  # any suspension recorded here, in any state


_NONE = _Restriction()


def _restrictions(today: date, organisation_ids: Iterable[int],
                  session: Optional[Session] = None) -> dict[int, _Restriction]:
    """The suspensions and exits of ``organisation_ids`` as they stand on ``today``."""
    ids = list(organisation_ids)
    if not ids:
        return {}
    rows = (session or db.session).execute(
        sa.select(Sanction.id, Sanction.organisation_id, Sanction.sanction_type,
                  Sanction.state, Sanction.starts_on, Sanction.ends_on)
        .where(Sanction.organisation_id.in_(ids), Sanction.sanction_type.in_(_RESTRICTING))
        .order_by(Sanction.id))
    found: dict[int, _Restriction] = {}
    for sanction_id, organisation_id, kind, state, starts_on, ends_on in rows:
        known = found.get(organisation_id, _NONE)
        running = state is SanctionState.IN_FORCE and starts_on <= today
        if kind is SanctionType.EXIT:
            if running and known.exit_sanction_id is None:
                known = replace(known, exit_sanction_id=sanction_id)
        else:
            known = replace(known, ever_suspended=True)
            if running and ends_on is not None and ends_on >= today:
                known = replace(known, last_suspended_day=max(
                    filter(None, (known.last_suspended_day, ends_on))))
        found[organisation_id] = known
    return found


def _cached(today: date, organisation_ids: Iterable[int]) -> dict[int, _Restriction]:
    """``_restrictions``, remembered for the rest of the request (a page that shows an
    organisation's status in several places reads its sanctions once). Only reading requests
    remember: a request that writes sees its own changes."""
    ids = list(organisation_ids)
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return _restrictions(today, ids)
    cache = g.setdefault("_standing_restrictions", {})
    missing = [i for i in ids if (today, i) not in cache]
    if missing:
        read = _restrictions(today, missing)
        cache.update({(today, i): read.get(i, _NONE) for i in missing})
    return {i: cache[(today, i)] for i in ids}


def _decide(organisation: Organisation, restriction: _Restriction) -> Standing:
    stored = organisation.status
    if stored not in REGISTERED:
        return Standing(stored, None)
    if restriction.exit_sanction_id is not None:
        return Standing(OrganisationStatus.EXITED, None, restriction.exit_sanction_id)
    if restriction.last_suspended_day is not None:
        return Standing(OrganisationStatus.SUSPENDED,
                        local_midnight(restriction.last_suspended_day))
    if stored is OrganisationStatus.SUSPENDED and not restriction.ever_suspended:
        # Suspended by another record than a sanction here (an import, say): left as it is.
        return Standing(stored, organisation.suspended_until)
    # No suspension runs today: one that ended (whether or not the daily job has written it
    # yet) or was lifted is over.
    return Standing(OrganisationStatus.ACTIVE, None)


def organisation_standing(organisation: Organisation, today: date,
                          *, fresh: bool = False) -> Standing:
    """``organisation``'s status on ``today``. ``fresh`` reads its sanctions now rather than
    what this request read before (the sanction services, deciding a transition, use it)."""
    read = _restrictions if fresh else _cached
    return _decide(organisation, read(today, [organisation.id]).get(organisation.id, _NONE))


def current_standing(organisation: Organisation) -> Standing:
    """``organisation``'s status today (the register's today)."""
    return organisation_standing(organisation, local_today())


def standings(organisations: Iterable[Organisation], today: date,
              session: Optional[Session] = None) -> dict[int, Standing]:
    """The status on ``today`` of each of ``organisations``, by id (one query at most).
    ``session``: read through another session than the request's (the search indexer)."""
    organisations = list(organisations)
    ids = [o.id for o in organisations]
    restrictions = _cached(today, ids) if session is None else _restrictions(today, ids, session)
    restrictions = {i: restrictions.get(i, _NONE) for i in ids}
    return {o.id: _decide(o, restrictions[o.id]) for o in organisations}


def practitioner_status(practitioner_id: int, today: date) -> str:
    """A practitioner's public status from their sanctions: ``exited`` (an exit in force),
    ``suspended`` (a suspension running today) or ``active``."""
    in_force = Sanction.state == SanctionState.IN_FORCE
    started = Sanction.starts_on <= today
    kinds = dict(db.session.execute(
        sa.select(Sanction.sanction_type, sa.func.count())
        .where(Sanction.practitioner_id == practitioner_id, in_force, started,
               Sanction.sanction_type.in_(_RESTRICTING),
               sa.or_(Sanction.ends_on.is_(None), Sanction.ends_on >= today))
        .group_by(Sanction.sanction_type)).all())
    if kinds.get(SanctionType.EXIT):
        return "exited"
    if kinds.get(SanctionType.SUSPENSION):
        return "suspended"
    return "active"

