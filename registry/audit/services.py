"""Writing and verifying the hash-chained audit log.

Every service that changes state calls ``record`` before it commits, so the event is part
of the same transaction: both land or neither does.
"""
from __future__ import annotations

import enum
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Iterable, Optional

import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.database import utcnow
from registry.extensions import db
from registry.query import MAX_ID

# Fields that never enter an audit event, whatever a caller passes.
PRIVATE_FIELDS = frozenset({
    "password_hash", "id_number", "id_number_digest", "id_number_encrypted",
    "complainant_name", "complainant_contact", "token_digest",
})
# Serialises writers on PostgreSQL so that two transactions cannot both chain onto the same
# event; SQLite already admits one writer at a time.
_CHAIN_LOCK_KEY = 0x617564697400  # "audit\0"


def _plain(value: Any) -> Any:
    """A JSON-safe form of a column value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def snapshot(record: Any, fields: Iterable[str]) -> dict:
    """The named fields of ``record`` as plain values, private fields left out."""
    return {name: _plain(getattr(record, name)) for name in fields if name not in PRIVATE_FIELDS}


def changed_fields(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields whose value differs, from both snapshots."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def _clean(values: Optional[dict]) -> Optional[dict]:
    if values is None:
        return None
    return {key: _plain(value) for key, value in values.items() if key not in PRIVATE_FIELDS}


def canonical(event: AuditEvent) -> bytes:
    """The bytes the hash covers: every field but ``id`` and ``hash``, in a fixed form."""
    payload = {
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "region_code": event.region_code,
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(event: AuditEvent) -> str:
    """SHA-256 over the canonical serialisation."""
    return hashlib.sha256(canonical(event)).hexdigest()


def _lock_chain() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_CHAIN_LOCK_KEY)))


def event_count() -> int:
    """How many events the log holds."""
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))


def latest_hash() -> Optional[str]:
    """The hash of the newest event (the head of the chain), or None for an empty log."""
    return db.session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))


def record(action: str, entity_type: str, entity_id: Any = None, *, actor=None,
           before: Optional[dict] = None, after: Optional[dict] = None,
           region_code: Optional[str] = None, actor_role: Optional[str] = None) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits).

    ``actor`` is the acting account (None for the system: the command line, the scheduler).
    """
    _lock_chain()
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_role=actor_role or (actor.role.value if actor is not None else "system"),
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        region_code=region_code,
        before=_clean(before),
        after=_clean(after),
        prev_hash=latest_hash(),
    )
    event.hash = compute_hash(event)
    db.session.add(event)
    db.session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    """The outcome of ``verify_chain``."""

    checked: int
    head: Optional[str]
    first_bad_id: Optional[int] = None
    problem: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None and self.problem is None


def verify_chain(expected_head: Optional[str] = None, batch: int = 1000,
                 progress: Optional[Callable[[int], None]] = None) -> ChainReport:
    """Walk the log in order; report the first event whose hash or link is wrong.

    Deleting the newest events leaves a shorter chain that is still consistent; compare the
    head with one recorded elsewhere (``expected_head``) to detect that too.
    """
    previous: Optional[str] = None
    checked = 0
    last_id = 0
    while True:
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not events:
            break
        for event in events:
            problem = _problem(event, previous)
            if problem:
                return ChainReport(checked, previous, event.id, problem)
            previous, last_id = event.hash, event.id
            checked += 1
        if progress:
            progress(len(events))
        db.session.expunge_all()
    if expected_head is not None and not _exists(expected_head):
        return ChainReport(checked, previous, None, head_mismatch(expected_head, previous))
    return ChainReport(checked, previous)


def head_mismatch(expected_head: str, head: Optional[str]) -> str:
    """Why a chain that is consistent in itself fails against a head recorded earlier.

    The recorded head is in no event, so the log is not the one it ended: events were removed
    since, or edited and every later hash recomputed (which keeps the links consistent). The
    chain alone cannot tell which; the message must not guess.
    """
    return (f"the expected head {expected_head} is not in the log (its head is now "
            f"{head or '(empty)'}): events were removed, edited or re-hashed after that head "
            "was recorded")


def _problem(event: AuditEvent, previous: Optional[str]) -> Optional[str]:
    if event.prev_hash != previous:
        return "link to the previous event is broken (an event was removed, inserted or reordered)"
    if compute_hash(event) != event.hash:
        return "content does not match its hash (the event was edited)"
    return None


def _exists(event_hash: str) -> bool:
    return db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.hash == event_hash)
    ) == 1


@dataclass(frozen=True)
class EventFilters:
    """What the audit page filters by; empty values filter nothing."""

    entity_type: Optional[str] = None
    entity_id: Optional[str] = None
    actor: Optional[str] = None  # an account id or email address
    action: Optional[str] = None
    date_from: Optional[date] = None
    date_to: Optional[date] = None


def list_events(viewer, filters: EventFilters, page: int = 1, per_page: int = 50):
    """Events the viewer may see, newest first: a regulator's jurisdiction, or all (admin)."""
    from registry.auth.models import Role, User
    from registry.auth.policy import Action, require
    from registry.regions.services import region_prefix

    require(viewer, Action.AUDIT_VIEW)
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    if viewer.role is not Role.ADMIN:
        query = query.where(AuditEvent.region_code.startswith(region_prefix(viewer.region_code)))
    if filters.entity_type:
        query = query.where(AuditEvent.entity_type == filters.entity_type)
    if filters.entity_id:
        query = query.where(AuditEvent.entity_id == filters.entity_id)
    if filters.action:
        query = query.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.actor:
        actor_ids = sa.select(User.id).where(User.email == filters.actor.strip().lower())
        if re.fullmatch(r"[0-9]{1,10}", filters.actor.strip()) \
                and int(filters.actor.strip()) <= MAX_ID:
            actor_ids = actor_ids.union(sa.select(sa.literal(int(filters.actor.strip()))))
        query = query.where(AuditEvent.actor_id.in_(actor_ids))
    if filters.date_from:
        query = query.where(AuditEvent.occurred_at >= _start_of(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.occurred_at < _start_of(filters.date_to, days=1))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def _start_of(day: date, days: int = 0) -> datetime:
    """Midnight (China Standard Time, the registry's zone) of ``day`` + ``days``, in UTC."""
    from datetime import timedelta, timezone

    china = timezone(timedelta(hours=8))
    return datetime(day.year, day.month, day.day, tzinfo=china) + timedelta(days=days)


def entity_types() -> list[str]:
    """The entity types present in the log (for the filter's options)."""
    return list(db.session.scalars(sa.select(AuditEvent.entity_type).distinct().order_by(
        AuditEvent.entity_type)))
