"""Applying the change log to an index, rebuilding it, and checking it against the database.

The log (``search_outbox``, see ``registry.search.models``) is read by position. Each index
generation records the last position it applied (``storage.read_position``), so any number
of index replicas — one index folder each, on one host or many — follow the same log with
nothing shared but the database. ``apply_log`` is the one way changes reach an index: the
search worker (``flask search worker``) calls it in a loop, ``flask search sync`` once, and
the test harness after every commit.

Every function here takes the index folder and a SQLAlchemy engine (plain values) and uses
its own database session.

**Why no committed change is skipped.** A replica reads "rows after my position", so a row
must never become visible with a position below one a replica may already have read. A
sequence value taken at insert does not guarantee that on PostgreSQL: transaction A takes
id 10, B takes 11 and commits first, a replica reads 11 and moves past 10 for good. Of the
usual remedies (a visibility horizon from ``pg_snapshot_xmin``, re-reading a window behind
the position, a commit-ordered counter) this uses the last: writers insert rows with a NULL
position, and ``sequence`` numbers rows *already committed*, one numbering transaction at a
time (an advisory transaction lock), from a sequence. Positions then become visible in
order: whoever sees position p sees every smaller one, because the transaction that numbered
it started after every earlier numbering had committed. Unlike the horizon it is not held
back by an unrelated long transaction, and unlike a window it needs no guess of how late a
commit can be. The cost is one UPDATE per change, done by the worker, not by the request.
SQLite serialises writers (one transaction holds the write lock from its first write to its
commit), so there a writing transaction numbers its own rows before it commits
(``number_own_rows``): no other transaction can number or commit in between.
"""
from __future__ import annotations

import logging
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
from registry.search.models import POSITION_SEQUENCE, SearchOutbox, SearchReplica
from registry.search.storage import (
    KINDS,
    ORGANISATIONS,
    PRACTITIONERS,
    IndexUnavailable,
    current_generation,
    new_generation,
    open_indexes,
    open_writer,
    read_position,
    root_of,
    swap_in,
    write_lock,
    write_position,
)

log = logging.getLogger(__name__)
ORGANISATION = "organisation"
PRACTITIONER = "practitioner"
LOG_BATCH = 2000
NOTIFY_CHANNEL = "search_outbox"
# The advisory lock that makes numbering one transaction at a time (an arbitrary constant).
SEQUENCE_LOCK = 0x5EA4C4_0001
PRUNE_LOCK = 0x5EA4C4_0002  # pruning against replicas checking whether they are behind
RETENTION_SECONDS = 7 * 24 * 3600


@dataclass
class SyncReport:
    """What one ``apply_log`` did."""

    applied: int = 0
    busy: bool = False
    rebuilt: Optional[str] = None  # why the index was rebuilt (missing, unreadable, …)
    position: Optional[int] = None  # the index's position afterwards


@dataclass
class RebuildReport:
    """What one rebuild did, and how fast."""

    organisations: int = 0
    practitioners: int = 0
    seconds: float = 0.0
    busy: bool = False
    skipped: bool = False  # only_if_unready, and the index was readable after all
    position: Optional[int] = None

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
    pending: int = 0  # log rows after the index's position (or not numbered yet)

    @property
    def consistent(self) -> bool:
        return not any(self.missing.values()) and not any(self.extra.values()) \
            and not any(self.stale.values())


def index_ready(index_dir: str) -> bool:
    """Whether a readable index exists."""
    return _readable_position(Path(index_dir)) is not None


def _readable_position(root: Path) -> Optional[int]:
    """The current generation's position, or None when it is missing, damaged, of another
    schema or records no position (then it is rebuilt)."""
    generation = current_generation(root)
    if generation is None:
        return None
    try:
        open_indexes(generation)
    except IndexUnavailable:
        return None
    return read_position(generation)


def applied_position(index_dir: str) -> Optional[int]:
    """The position the index in use has applied (None: no index or none recorded); reads
    one small file, never opens the index."""
    try:
        generation = current_generation(Path(index_dir))
    except OSError:
        return None
    return read_position(generation) if generation is not None else None


def number_own_rows(connection: sa.Connection) -> int:
    """SQLite: give this transaction's unnumbered rows the next positions. Called right after
    inserting them, so the transaction holds SQLite's write lock (taken at its first write,
    kept until it ends): no other transaction numbers or commits rows in between, and the
    positions follow the commit order. One statement, so that even when it is the first write
    (``sequence`` on rows written by other means), its reads happen under the lock. The
    newest row is never pruned, so ``max(position)`` never goes back."""
    return connection.execute(sa.text(
        "UPDATE search_outbox SET position = id + 1"
        " - (SELECT min(id) FROM search_outbox WHERE position IS NULL)"
        " + (SELECT coalesce(max(position), 0) FROM search_outbox)"
        " WHERE position IS NULL")).rowcount


def sequence(engine: sa.Engine) -> int:
    """Give committed log rows that have none a position (see the module's docstring);
    returns how many. PostgreSQL: one numbering transaction at a time, from a sequence;
    SQLite: rows a writer numbered itself need nothing, rows written by other means are
    numbered here."""
    with engine.begin() as connection:
        if connection.dialect.name != "postgresql":
            if connection.scalar(sa.select(SearchOutbox.id)
                                 .where(SearchOutbox.position.is_(None)).limit(1)) is None:
                return 0
            return number_own_rows(connection)
        # Held until this transaction commits: the next numbering, on any host, starts after
        # this one is visible, and its statement's snapshot (taken after the lock) sees it.
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(SEQUENCE_LOCK)))
        # Positions are drawn over the rows sorted by id (an UPDATE alone would draw them in
        # the table's physical order), so a batch keeps the order in which rows were written.
        unnumbered = (sa.select(SearchOutbox.id).where(SearchOutbox.position.is_(None))
                      .order_by(SearchOutbox.id).limit(50_000).subquery())
        numbered = (sa.select(unnumbered.c.id,
                              POSITION_SEQUENCE.next_value().label("position"))
                    .select_from(unnumbered).subquery())
        result = connection.execute(
            sa.update(SearchOutbox).where(SearchOutbox.id == numbered.c.id)
            .values(position=numbered.c.position))
        return result.rowcount


def head_position(connection) -> int:
    """The largest position in the log (0 when empty)."""
    return connection.scalar(sa.select(sa.func.coalesce(sa.func.max(SearchOutbox.position),
                                                        0))) or 0


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


def _lock(connection, key: int) -> None:
    """PostgreSQL: an advisory lock held until the transaction ends (SQLite serialises
    writing transactions anyway)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def _behind(engine: sa.Engine, replica: Optional[str], position: int) -> bool:
    """Whether log rows after ``position`` may have been pruned (the replica was silent for
    longer than the retention, and forgotten): ``prune`` removes a prefix of the log, so
    nothing is missing while the oldest row left is at most ``position`` + 1. (A number
    never used — a numbering transaction rolled back — can make this say yes wrongly; that
    costs a needless rebuild, never a skipped change.) With ``replica``, it is first
    recorded at ``position``, under the lock ``prune`` takes: a prune either ran before
    (and the oldest row shows it) or sees this replica and keeps its rows."""
    with engine.begin() as connection:
        _lock(connection, PRUNE_LOCK)
        if replica and connection.scalar(sa.select(SearchReplica.position)
                                         .where(SearchReplica.name == replica)) is None:
            _record(connection, replica, position)  # (a known one is at most here already)
        oldest = connection.scalar(sa.select(sa.func.min(SearchOutbox.position)))
    return oldest is not None and oldest > position + 1


def _record(connection, replica: str, position: int) -> None:
    values = {"position": int(position), "updated_at": utcnow()}
    updated = connection.execute(sa.update(SearchReplica)
                                 .where(SearchReplica.name == replica).values(**values))
    if not updated.rowcount:
        connection.execute(sa.insert(SearchReplica).values(name=replica, **values))


def report_position(engine: sa.Engine, replica: str, position: int) -> None:
    """Record in ``search_replicas`` that ``replica`` has applied the log up to ``position``
    (one process writes one replica: the index folder's write lock is held meanwhile)."""
    with engine.begin() as connection:
        _record(connection, replica, position)


def prune(engine: sa.Engine, retention_seconds: float = RETENTION_SECONDS) -> int:
    """Delete the log rows older than the retention that every known replica has applied;
    returns how many. Always a prefix of the log (up to the first row that must stay), so a
    replica can tell from the oldest row left whether it missed any (``_behind``). A replica
    silent for longer than the retention is forgotten first (a host taken away must not keep
    the log forever); when it comes back it finds itself behind, and rebuilds. The newest
    row is always kept (on SQLite the next positions continue from it)."""
    cutoff = utcnow() - timedelta(seconds=retention_seconds)
    with engine.begin() as connection:
        _lock(connection, PRUNE_LOCK)
        connection.execute(sa.delete(SearchReplica).where(SearchReplica.updated_at < cutoff))
        limits = [connection.scalar(sa.select(sa.func.min(SearchReplica.position)))]
        if connection.dialect.name != "postgresql":  # (a sequence does not go back)
            limits.append(head_position(connection) - 1)
        young = connection.scalar(sa.select(sa.func.min(SearchOutbox.position))
                                  .where(SearchOutbox.created_at >= cutoff))
        if young is not None:
            limits.append(young - 1)
        last = min((limit for limit in limits if limit is not None), default=None)
        # No replica, every row older than the retention (PostgreSQL): all numbered rows go.
        pruned = SearchOutbox.position.is_not(None) if last is None else SearchOutbox.position <= last
        return connection.execute(sa.delete(SearchOutbox).where(pruned)).rowcount


def apply_log(index_dir: str, engine: sa.Engine, wait: float = 0.0,
              replica: Optional[str] = None, today: Optional[date] = None,
              stop: Optional[Callable[[], bool]] = None, heartbeat: bool = True) -> SyncReport:
    """Apply the log rows after the index's position, in position order, recording the
    position after each batch. Returns at once (``busy``) when another process holds the
    index's write lock for longer than ``wait`` seconds.

    Rebuilds instead when the index is missing, unreadable, of another schema or records no
    position, and — with ``replica`` (a name in ``search_replicas``; the worker and ``flask
    search sync`` give one) — when the log has forgotten the replica (behind the retention);
    the replica's position is reported afterwards (when something changed, or with
    ``heartbeat``: the worker says so now and then, so that an idle database is not written to
    at every poll). ``stop()`` true abandons a rebuild (the worker's SIGTERM)."""
    root = root_of(index_dir)
    today = today or date.today()
    with write_lock(root, wait) as acquired:
        if not acquired:
            return SyncReport(busy=True)
        sequence(engine)
        report = SyncReport()
        position = _readable_position(root)
        if position is None or _behind(engine, replica, position):
            if current_generation(root) is None:
                report.rebuilt = "missing"
            elif position is None:
                report.rebuilt = "unreadable"
            else:
                report.rebuilt = "behind the retention"
            if replica:  # from now on the rows this rebuild does not hold are kept for it
                with engine.connect() as connection:
                    report_position(engine, replica, head_position(connection))
            rebuilt = _rebuild_locked(root, engine, _stopper(stop), today)
            position = rebuilt.position
        else:
            generation = current_generation(root)
            indexes = open_indexes(generation)
            with Session(engine) as session:
                while True:
                    rows = session.execute(
                        sa.select(SearchOutbox.position, SearchOutbox.entity_type,
                                  SearchOutbox.entity_id)
                        .where(SearchOutbox.position > position)
                        .order_by(SearchOutbox.position).limit(LOG_BATCH)).all()
                    if not rows:
                        break
                    _apply(session, indexes, rows, today)
                    session.rollback()  # end the read transaction (nothing was written)
                    # After the index commit: a crash in between applies them again, which is
                    # harmless (documents are rebuilt from the database each time).
                    position = rows[-1].position
                    write_position(generation, position)
                    report.applied += len(rows)
        if replica and (heartbeat or report.applied or report.rebuilt):
            report_position(engine, replica, position)
        report.position = position
        return report


class Stopped(Exception):
    """A rebuild abandoned because the worker is stopping."""


def _stopper(stop: Optional[Callable[[], bool]]) -> Optional[Callable]:
    if stop is None:
        return None

    def progress(kind, count):
        if stop():
            raise Stopped("stopping")

    return progress


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
    sequence(engine)
    generation = new_generation(root)
    indexes = open_indexes(generation)
    try:
        with Session(engine) as session:
            # Read before any document: every row up to here committed before this point, so
            # the documents read next hold its change (later ones may be in too, and are
            # applied again afterwards, harmlessly).
            position = head_position(session)
            organisation_ids = documents.all_organisation_ids(session)
            practitioner_ids = documents.all_practitioner_ids(session)
            if progress:
                progress(None, len(organisation_ids) + len(practitioner_ids))
            report = RebuildReport(position=position)
            _build_both(session, engine, generation, indexes, report, organisation_ids,
                        practitioner_ids, today, progress, processes)
            write_position(generation, position)
            swap_in(root, generation)
            forget_snapshots()
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)  # never swapped in: nobody reads it
        raise
    report.seconds = time.perf_counter() - started
    return report


def rebuild(index_dir: str, engine: sa.Engine, progress: Optional[Callable] = None,
            wait: float = 600.0, today: Optional[date] = None,
            processes: int = 1, only_if_unready: bool = False) -> RebuildReport:
    """Build a new index generation from the database and swap it in; searches keep using the
    old one until the swap. ``progress(kind, n)`` is told the total (kind None) and then each
    batch of records handled. With ``processes`` ≥ 2 the practitioners' index is built in a
    second process while this one builds the organisations' (``flask search rebuild`` does
    this on a machine with several CPUs). With ``only_if_unready`` the index is looked at
    again once the lock is held, and left alone (``skipped``) when it is readable: whoever
    held the lock meanwhile may have just rebuilt it."""
    root = root_of(index_dir)
    with write_lock(root, wait) as acquired:
        if not acquired:
            return RebuildReport(busy=True)
        if only_if_unready and _readable_position(root) is not None:
            return RebuildReport(skipped=True)
        return _rebuild_locked(root, engine, progress, today or date.today(), processes)


def pending_count(connection, position: Optional[int]) -> int:
    """Log rows an index at ``position`` has not applied (unnumbered ones included)."""
    waiting = SearchOutbox.position.is_(None)
    if position is not None:
        waiting = sa.or_(waiting, SearchOutbox.position > position)
    return connection.scalar(sa.select(sa.func.count()).select_from(SearchOutbox)
                             .where(waiting)) or 0


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
        report.pending = pending_count(session, read_position(generation))
    for kind in KINDS:
        wanted = {doc_id: doc["data"] for doc_id, doc in expected[kind].items() if doc}
        indexed = _indexed_data(indexes, kind)
        report.missing[kind] = sorted(set(wanted) - set(indexed))
        report.extra[kind] = sorted(set(indexed) - set(wanted))
        report.stale[kind] = sorted(doc_id for doc_id in set(wanted) & set(indexed)
                                    if wanted[doc_id] != indexed[doc_id])
    return report
