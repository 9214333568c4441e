"""The one place where database changes reach the search index: SQLAlchemy session events.

``after_flush`` looks at every object the flush wrote; each one that changes an indexed
document adds a row to the change log (``search_outbox``) in the same transaction, and on
PostgreSQL a ``NOTIFY search_outbox`` that the server delivers only if, and when, the
transaction commits: it wakes every host's ``flask search worker``, which applies the log to
its index (``registry.search.sync.apply_log``). A rollback takes the rows and the
notification away with everything else, so nothing rolled back reaches any index; a crash
after the commit loses nothing, the rows stay in the log for every replica.

Requests never write the index. Only the test suite (``SEARCH_APPLY_AFTER_COMMIT``, on when
``TESTING``) applies the log right after each commit, in the committing process, through the
same function as the worker, so that a test can search what it has just written.
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
from registry.search.sync import NOTIFY_CHANNEL, ORGANISATION, PRACTITIONER, number_own_rows

log = logging.getLogger(__name__)
ENQUEUED = "search_enqueued"  # session.info: (entity_type, id) already in this transaction
DIRTY = "search_dirty"        # session.info: log rows this transaction wrote
NOTIFIED = "search_notified"  # session.info: this transaction has sent its NOTIFY


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


def _written(session: Session, count: int) -> None:
    """``count`` log rows were just inserted in ``session``'s transaction: number them on
    SQLite (while this transaction holds the write lock), notify the workers on PostgreSQL
    (delivered at commit; once per transaction is enough)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        if not session.info.get(NOTIFIED):
            connection.execute(sa.text("SELECT pg_notify(:channel, '')"),
                               {"channel": NOTIFY_CHANNEL})
            session.info[NOTIFIED] = True
    else:
        number_own_rows(connection)
    session.info[DIRTY] = session.info.get(DIRTY, 0) + count


def _after_flush(session: Session, flush_context) -> None:
    rows = _outbox_rows(session)
    if rows:
        session.connection().execute(sa.insert(SearchOutbox), rows)
        _written(session, len(rows))


def _apply_after_commit() -> bool:
    """Whether this app applies the log itself after a commit: the test harness's setting
    (``SEARCH_APPLY_AFTER_COMMIT``; None means "when TESTING"), never in production."""
    setting = current_app.config.get("SEARCH_APPLY_AFTER_COMMIT")
    return bool(current_app.testing if setting is None else setting)


def _after_commit(session: Session) -> None:
    session.info.pop(ENQUEUED, None)
    session.info.pop(NOTIFIED, None)
    changed = session.info.pop(DIRTY, 0)
    if changed and has_app_context() and _apply_after_commit():
        apply_now()


def _after_rollback(session: Session) -> None:
    for key in (ENQUEUED, DIRTY, NOTIFIED):
        session.info.pop(key, None)


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    # A savepoint's rollback removed its log rows: let later flushes write them again.
    session.info.pop(ENQUEUED, None)


def apply_now() -> None:
    """Apply the log to the current app's index now (the test harness, after a commit);
    never raises (a busy lock or a failure leaves the rows in the log, and is logged)."""
    from registry.extensions import db
    from registry.search.sync import apply_log

    app = current_app
    try:
        apply_log(app.config["SEARCH_INDEX_DIR"], db.engine,
                  wait=app.config.get("SEARCH_LOCK_WAIT", 0.5))
    except Exception:  # the commit succeeded; the log keeps the change for later
        log.exception("applying the search log after commit failed; the log keeps the change")


def note_written(session: Session, count: int) -> None:
    """Code that inserts ``search_outbox`` rows itself (the demo seeder) calls this in the
    same transaction, so that they are numbered and announced like the hook's own."""
    if count:
        _written(session, count)


def enqueue(entity_type: str, ids: Iterable[int], session: Optional[Session] = None) -> int:
    """Record that documents changed, for writes that bypass the ORM flush (``sa.update``,
    Core inserts). Adds log rows to ``session``'s transaction (``db.session`` by default);
    every replica applies them once it has committed. Returns the number of rows added."""
    from registry.extensions import db

    session = session or db.session
    rows = [{"entity_type": entity_type, "entity_id": int(entity_id),
             "operation": OutboxOperation.UPSERT} for entity_id in ids]
    if rows:
        session.execute(sa.insert(SearchOutbox), rows)
        _written(session, len(rows))
    return len(rows)


def install() -> None:
    """Listen on every SQLAlchemy session (idempotent; called by ``create_app``)."""
    for name, listener in (("after_flush", _after_flush),
                           ("after_commit", _after_commit), ("after_rollback", _after_rollback),
                           ("after_soft_rollback", _after_soft_rollback)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
