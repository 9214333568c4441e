"""Full-text search (检索) over public organisations and practitioners, kept consistent with
the database through a change log.

How changes reach the index: ``registry.search.hooks`` listens on every SQLAlchemy session.
Any ORM flush that inserts, updates or deletes an Organisation, Practitioner, Qualification,
Affiliation, Evaluation, DemonstrationDesignation or Sanction writes ``search_outbox`` rows (the
change log) in the same transaction; a rollback takes them away with everything else. Each
host's ``flask search worker`` applies the log to its own index (``registry.search.worker``,
``registry.search.sync.apply_log``); requests only read the index. Services that change these
models through the ORM need to do nothing.

**Bulk writes bypass the hook.** ``db.session.execute(sa.update(...))``, ``sa.insert(...)``
with a list of rows, and any other Core statement do not go through the flush, so the hook
never sees them. Code that changes indexed records that way must call
``registry.search.enqueue(entity_type, ids)`` in the same transaction, with ``entity_type``
``"organisation"`` or ``"practitioner"`` (the demo seeder writes its log rows itself and
calls ``hooks.note_written``). ``flask search sync`` applies the log once, ``flask search
rebuild`` rebuilds everything and ``flask search verify`` lists differences between the
database and the index.
"""
from registry.search.hooks import enqueue

__all__ = ["enqueue"]
