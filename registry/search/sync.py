"""Applying the outbox to the index, rebuilding it, and checking it against the database.

All three take the index folder and a SQLAlchemy engine (plain values: they are called from
the session hook after a commit, from ``flask search …``, from the first search of a process
and from the benchmark) and use their own database session.
"""
from __future__ import annotations

import multiprocessing
import queue
import shutil
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registry.database import utcnow
from registry.search import documents
from registry.search.bulk import BulkWriter
from registry.search.engine import forget_snapshots
from registry.search.models import SearchOutbox
from registry.search.storage import (
    KINDS,
    ORGANISATIONS,
    PRACTITIONERS,
    IndexUnavailable,
    current_generation,
    new_generation,
    open_indexes,
    open_writer,
    root_of,
    swap_in,
    write_lock,
)

ORGANISATION = "organisation"
PRACTITIONER = "practitioner"
OUTBOX_BATCH = 2000
OUTBOX_KEEP_DAYS = 7


@dataclass
class SyncReport:
    """What one sync did."""

    applied: int = 0
    busy: bool = False
    rebuilt: bool = False


@dataclass
class RebuildReport:
    """What one rebuild did, and how fast."""

    organisations: int = 0
    practitioners: int = 0
    seconds: float = 0.0
    busy: bool = False

    @property
    def documents_per_second(self) -> float:
        total = self.organisations + self.practitioners
        return total / self.seconds if self.seconds else 0.0


@dataclass
class VerifyReport:
    """Differences between the database and the index (empty lists: they agree)."""

    missing: dict[str, list[int]] = field(default_factory=dict)   # in the database only
    extra: dict[str, list[int]] = field(default_factory=dict)     # in the index only
    stale: dict[str, list[int]] = field(default_factory=dict)     # indexed with other values
    pending: int = 0

    @property
    def consistent(self) -> bool:
        return not any(self.missing.values()) and not any(self.extra.values()) \
            and not any(self.stale.values())


def index_ready(index_dir: str) -> bool:
    """Whether a readable index exists."""
    generation = current_generation(root_of(index_dir))
    if generation is None:
        return False
    try:
        open_indexes(generation)
    except IndexUnavailable:
        return False
    return True


def _write(indexes, kind: str, docs: dict[int, Optional[dict]]) -> None:
    if not docs:
        return
    writer = open_writer(indexes[kind])
    try:
        for doc_id, doc in docs.items():
            writer.delete_by_term("id", str(doc_id))
            if doc is not None:
                writer.add_document(**doc)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def _apply(session: Session, indexes, rows, today: date) -> None:
    organisation_ids = sorted({row.entity_id for row in rows if row.entity_type == ORGANISATION})
    practitioner_ids = {row.entity_id for row in rows if row.entity_type == PRACTITIONER}
    # An organisation's name and region appear in its practitioners' documents.
    practitioner_ids |= documents.practitioners_of(session, organisation_ids)
    names = documents.region_names(session)
    _write(indexes, ORGANISATIONS,
           documents.organisation_documents(session, organisation_ids, today, names))
    _write(indexes, PRACTITIONERS,
           documents.practitioner_documents(session, sorted(practitioner_ids), today))


def sync(index_dir: str, engine: sa.Engine, wait: float = 0.0,
         inline_rebuild_limit: int = 10_000, today: Optional[date] = None) -> SyncReport:
    """Apply pending outbox rows, oldest first. Returns at once (``busy``) when another process
    holds the write lock for longer than ``wait`` seconds: it, or the next sync, applies them.

    A missing or unreadable index is rebuilt here when the database holds at most
    ``inline_rebuild_limit`` public organisations (otherwise ``busy`` is reported and the
    caller rebuilds in the background)."""
    root = root_of(index_dir)
    today = today or date.today()
    with write_lock(root, wait) as acquired:
        if not acquired:
            return SyncReport(busy=True)
        if not index_ready(index_dir):
            with Session(engine) as session:
                size = len(documents.all_organisation_ids(session))
            if size > inline_rebuild_limit:
                return SyncReport(busy=True)
            _rebuild_locked(root, engine, None, today)
            return SyncReport(rebuilt=True)
        indexes = open_indexes(current_generation(root))
        report = SyncReport()
        with Session(engine) as session:
            while True:
                rows = session.execute(
                    sa.select(SearchOutbox.id, SearchOutbox.entity_type, SearchOutbox.entity_id)
                    .where(SearchOutbox.processed_at.is_(None))
                    .order_by(SearchOutbox.id).limit(OUTBOX_BATCH)
                ).all()
                if not rows:
                    break
                _apply(session, indexes, rows, today)
                # Marked only after the index committed: a crash in between re-applies them,
                # which is harmless (documents are rebuilt from the database each time).
                session.execute(sa.update(SearchOutbox)
                                .where(SearchOutbox.id.in_([row.id for row in rows]))
                                .values(processed_at=utcnow()))
                session.commit()
                report.applied += len(rows)
            if report.applied:  # applied rows are kept a while for inspection, then dropped
                session.execute(sa.delete(SearchOutbox).where(
                    SearchOutbox.processed_at < utcnow() - timedelta(days=OUTBOX_KEEP_DAYS)))
                session.commit()
        return report


def _add_all(indexes, kind: str, ids: list[int], build, progress) -> int:
    writer = BulkWriter(indexes[kind])
    try:
        for batch in documents.iter_batches(ids):
            for doc in build(batch).values():
                if doc is not None:
                    writer.add(doc)
            if progress:
                progress(kind, len(batch))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return writer.count


def _build_kind(session: Session, indexes, kind: str, ids: list[int], today: date,
                progress) -> int:
    """Write every document of ``kind`` into its index of the new generation."""
    if kind == ORGANISATIONS:
        names = documents.region_names(session)
        return _add_all(indexes, kind, ids, lambda batch: documents.organisation_documents(
            session, batch, today, names), progress)
    return _add_all(indexes, kind, ids, lambda batch: documents.practitioner_documents(
        session, batch, today), progress)


def _build_in_child(url: str, generation: str, kind: str, ids: list[int], today: date,
                    messages) -> None:
    """A rebuild's second process (``spawn``: a fresh interpreter, its own connection): builds
    one kind's index and reports progress, then the count, or what went wrong."""
    import registry.models  # noqa: F401  (every mapped class, as the app has them)

    engine = sa.create_engine(url)
    try:
        with Session(engine) as session:
            count = _build_kind(session, open_indexes(Path(generation)), kind, ids, today,
                                lambda _, done: messages.put(("progress", done)))
        messages.put(("done", count))
    except BaseException as error:  # reported to the parent, which raises it
        messages.put(("failed", f"{type(error).__name__}: {error}"))
    finally:
        engine.dispose()


class RebuildFailed(RuntimeError):
    """The rebuild's second process failed; the index in use is unchanged."""


def _build_both(session: Session, engine: sa.Engine, generation: Path, indexes, report,
                organisation_ids, practitioner_ids, today, progress, processes: int) -> None:
    """Organisations here, practitioners here too or, with ``processes`` > 1, at the same
    time in a second process (the two indexes are independent files)."""
    if processes < 2 or not practitioner_ids:
        report.organisations = _build_kind(session, indexes, ORGANISATIONS, organisation_ids,
                                           today, progress)
        report.practitioners = _build_kind(session, indexes, PRACTITIONERS, practitioner_ids,
                                           today, progress)
        return
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    child = context.Process(
        target=_build_in_child, name="search-rebuild", daemon=True,
        args=(engine.url.render_as_string(hide_password=False), str(generation),
              PRACTITIONERS, practitioner_ids, today, messages))
    child.start()
    outcome: dict = {}

    def relay(wait: bool) -> None:
        """Pass the child's progress on until it reports its end (``wait``) or, without
        ``wait``, until nothing more is waiting."""
        while not outcome:
            try:
                kind, value = messages.get(timeout=1.0) if wait else messages.get_nowait()
            except queue.Empty:
                if not wait:
                    return
                if not child.is_alive():
                    child.join()
                    try:  # its last words may have arrived just after the timeout
                        kind, value = messages.get(timeout=1.0)
                    except queue.Empty:
                        outcome["failed"] = f"the process stopped (exit code {child.exitcode})"
                        return
                else:
                    continue
            if kind == "progress":
                if progress:
                    progress(PRACTITIONERS, value)
            else:
                outcome[kind] = value

    try:
        def both(kind, done):
            progress(kind, done)
            relay(wait=False)

        report.organisations = _build_kind(session, indexes, ORGANISATIONS, organisation_ids,
                                           today, both if progress else None)
        relay(wait=True)
    finally:
        if child.is_alive() and "done" not in outcome:
            child.terminate()
        child.join()
        messages.close()
    if "failed" in outcome:
        raise RebuildFailed(f"indexing practitioners failed: {outcome['failed']}")
    report.practitioners = outcome["done"]


def _rebuild_locked(root: Path, engine: sa.Engine, progress, today: date,
                    processes: int = 1) -> RebuildReport:
    started = time.perf_counter()
    generation = new_generation(root)
    indexes = open_indexes(generation)
    try:
        with Session(engine) as session:
            pending = list(session.scalars(sa.select(SearchOutbox.id)
                                           .where(SearchOutbox.processed_at.is_(None))))
            organisation_ids = documents.all_organisation_ids(session)
            practitioner_ids = documents.all_practitioner_ids(session)
            if progress:
                progress(None, len(organisation_ids) + len(practitioner_ids))
            report = RebuildReport()
            _build_both(session, engine, generation, indexes, report, organisation_ids,
                        practitioner_ids, today, progress, processes)
            swap_in(root, generation)
            forget_snapshots()
            for batch in documents.iter_batches(pending):
                session.execute(sa.update(SearchOutbox).where(SearchOutbox.id.in_(batch))
                                .values(processed_at=utcnow()))
            session.commit()
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)  # never swapped in: nobody reads it
        raise
    report.seconds = time.perf_counter() - started
    return report


def rebuild(index_dir: str, engine: sa.Engine, progress: Optional[Callable] = None,
            wait: float = 600.0, today: Optional[date] = None,
            processes: int = 1) -> RebuildReport:
    """Build a new index generation from the database and swap it in; searches keep using the
    old one until the swap. ``progress(kind, n)`` is told the total (kind None) and then each
    batch of records handled. With ``processes`` ≥ 2 the practitioners' index is built in a
    second process while this one builds the organisations' (``flask search rebuild`` does
    this on a machine with several CPUs; a rebuild inside a request never does)."""
    root = root_of(index_dir)
    with write_lock(root, wait) as acquired:
        if not acquired:
            return RebuildReport(busy=True)
        return _rebuild_locked(root, engine, progress, today or date.today(), processes)


def _indexed_data(indexes, kind: str) -> dict[int, dict]:
    with indexes[kind].searcher() as searcher:
        return {int(fields["id"]): fields.get("data") for fields in searcher.all_stored_fields()}


def verify(index_dir: str, engine: sa.Engine, today: Optional[date] = None) -> VerifyReport:
    """Compare every public record's document with what the index holds."""
    root = root_of(index_dir)
    generation = current_generation(root)
    if generation is None:
        raise IndexUnavailable("no index yet")
    indexes = open_indexes(generation)
    today = today or date.today()
    report = VerifyReport()
    with Session(engine) as session:
        names = documents.region_names(session)
        expected = {
            ORGANISATIONS: documents.organisation_documents(
                session, documents.all_organisation_ids(session), today, names),
            PRACTITIONERS: documents.practitioner_documents(
                session, documents.all_practitioner_ids(session), today),
        }
        report.pending = session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox)
                                        .where(SearchOutbox.processed_at.is_(None))) or 0
    for kind in KINDS:
        wanted = {doc_id: doc["data"] for doc_id, doc in expected[kind].items() if doc}
        indexed = _indexed_data(indexes, kind)
        report.missing[kind] = sorted(set(wanted) - set(indexed))
        report.extra[kind] = sorted(set(indexed) - set(wanted))
        report.stale[kind] = sorted(doc_id for doc_id in set(wanted) & set(indexed)
                                    if wanted[doc_id] != indexed[doc_id])
    return report
