"""The one place where database changes reach the search index: SQLAlchemy session events.

``after_flush`` looks at every object the flush wrote; each one that changes an indexed
document adds an outbox row (``search_outbox``) in the same transaction. ``after_commit``
then applies the outbox to the index (``sync``, with its own session and the index's write
lock); ``after_rollback`` forgets everything, and the outbox rows vanish with the
transaction, so nothing rolled back reaches the index. A crash after the commit loses
nothing: the rows stay pending until the next sync.
"""
from __future__ import annotations

import logging
from typing import Iterable, Optional

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from registry.evaluation.models import DemonstrationDesignation, Evaluation
from registry.orgs.models import Organisation
from registry.practitioners.models import Affiliation, Practitioner, Qualification
from registry.sanctions.models import Sanction
from registry.search.models import OutboxOperation, SearchOutbox
from registry.search.sync import ORGANISATION, PRACTITIONER

log = logging.getLogger(__name__)
ENQUEUED = "search_enqueued"  # session.info: (entity_type, id) already in this transaction
DIRTY = "search_dirty"        # session.info: outbox rows this transaction wrote


def _subjects(obj) -> list[tuple[str, Optional[int]]]:
    """The indexed documents that a changed object appears in."""
    if isinstance(obj, Organisation):
        return [(ORGANISATION, obj.id)]
    if isinstance(obj, Practitioner):
        return [(PRACTITIONER, obj.id)]
    if isinstance(obj, (Qualification, Affiliation)):
        subjects = [(PRACTITIONER, obj.practitioner_id)]
        if isinstance(obj, Affiliation):
            subjects += [(PRACTITIONER, old) for old in _old_values(obj, "practitioner_id")]
        return subjects
    if isinstance(obj, (Evaluation, DemonstrationDesignation)):
        return [(ORGANISATION, obj.organisation_id)]
    if isinstance(obj, Sanction):
        return [(ORGANISATION, obj.organisation_id), (PRACTITIONER, obj.practitioner_id)]
    return []


def _old_values(obj, attribute: str) -> list:
    history = sa.inspect(obj).attrs[attribute].history
    return [value for value in (history.deleted or ()) if value is not None]


def _outbox_rows(session: Session) -> list[dict]:
    done = session.info.setdefault(ENQUEUED, set())
    rows = []
    changed = [(obj, False) for obj in session.new]
    changed += [(obj, False) for obj in session.dirty if session.is_modified(obj)]
    changed += [(obj, True) for obj in session.deleted]
    for obj, deleted in changed:
        for entity_type, entity_id in _subjects(obj):
            if entity_id is None or (entity_type, entity_id) in done:
                continue
            done.add((entity_type, entity_id))
            operation = OutboxOperation.DELETE if deleted and isinstance(
                obj, (Organisation, Practitioner)) else OutboxOperation.UPSERT
            rows.append({"entity_type": entity_type, "entity_id": entity_id,
                         "operation": operation})
    return rows


def _after_flush(session: Session, flush_context) -> None:
    rows = _outbox_rows(session)
    if rows:
        session.connection().execute(sa.insert(SearchOutbox), rows)
        session.info[DIRTY] = session.info.get(DIRTY, 0) + len(rows)


def _after_commit(session: Session) -> None:
    session.info.pop(ENQUEUED, None)
    changed = session.info.pop(DIRTY, 0)
    # A bulk change (an import) is left to the next sync — a search or ``flask search sync``
    # — so that the request that made it does not also rebuild hundreds of documents.
    if changed and has_app_context() and changed <= current_app.config.get(
            "SEARCH_INLINE_SYNC_LIMIT", 200):
        apply_now()


def _after_rollback(session: Session) -> None:
    for key in (ENQUEUED, DIRTY):
        session.info.pop(key, None)


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    # A savepoint's rollback removed its outbox rows: let later flushes write them again.
    session.info.pop(ENQUEUED, None)


def apply_now() -> None:
    """Apply pending outbox rows to the index for the current app; never raises (a busy
    lock or a failure leaves the rows for the next sync, and is logged)."""
    from registry.extensions import db
    from registry.search.sync import sync

    app = current_app
    try:
        sync(app.config["SEARCH_INDEX_DIR"], db.engine,
             wait=app.config.get("SEARCH_LOCK_WAIT", 0.5),
             inline_rebuild_limit=app.config.get("SEARCH_INLINE_REBUILD_LIMIT", 10_000))
    except Exception:  # the commit succeeded; the outbox keeps the change for later
        log.exception("search index sync after commit failed; the outbox keeps the change")


def enqueue(entity_type: str, ids: Iterable[int], session: Optional[Session] = None) -> int:
    """Record that documents changed, for writes that bypass the ORM flush (``sa.update``,
    Core inserts). Adds outbox rows to ``session``'s transaction (``db.session`` by default);
    they are applied after its commit. Returns the number of rows added."""
    from registry.extensions import db

    session = session or db.session
    rows = [{"entity_type": entity_type, "entity_id": int(entity_id),
             "operation": OutboxOperation.UPSERT} for entity_id in ids]
    if rows:
        session.execute(sa.insert(SearchOutbox), rows)
        session.info[DIRTY] = session.info.get(DIRTY, 0) + len(rows)
    return len(rows)


def install() -> None:
    """Listen on every SQLAlchemy session (idempotent; called by ``create_app``)."""
    for name, listener in (("after_flush", _after_flush),
                           ("after_commit", _after_commit), ("after_rollback", _after_rollback),
                           ("after_soft_rollback", _after_soft_rollback)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
