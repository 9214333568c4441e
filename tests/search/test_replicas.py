"""Index replicas following the change log: real worker processes, real indexes, one
database. Each replica is an index folder kept by its own ``flask search worker``."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.search.models import SearchOutbox, SearchReplica
from registry.search.storage import current_generation
from registry.search.sync import (
    applied_position,
    apply_log,
    head_position,
    prune,
    sequence,
    verify,
)
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = bool(os.environ.get("DATABASE_URL"))


class Processes:
    """Starts helper processes (tests/search/replica_process.py) and stops them all."""

    def __init__(self, url: str):
        self.url = url
        self.running: list[subprocess.Popen] = []

    def start(self, mode: str, index_dir, *args) -> subprocess.Popen:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        process = subprocess.Popen(
            [sys.executable, "-W", "error", "-m", "tests.search.replica_process", mode,
             self.url, str(index_dir), *map(str, args)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.running.append(process)
        return process

    def finish(self, process: subprocess.Popen, timeout: float = 60) -> tuple[str, str]:
        out, err = process.communicate(timeout=timeout)
        self.running.remove(process)
        return out, err

    def stop(self, process: subprocess.Popen) -> str:
        """SIGTERM; the worker ends by itself, cleanly (exit 0)."""
        process.send_signal(signal.SIGTERM)
        out, err = self.finish(process, timeout=20)
        assert process.returncode == 0 and "stopped" in out, err
        return err

    def close(self) -> None:
        for process in self.running:
            process.kill()
            process.communicate()


@pytest.fixture
def processes(app):
    db.session.close()
    helper = Processes(db.engine.url.render_as_string(hide_password=False))
    yield helper
    helper.close()


def _head() -> int:
    with db.engine.connect() as connection:
        return head_position(connection)


def _unnumbered() -> int:
    with db.engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(SearchOutbox)
                                 .where(SearchOutbox.position.is_(None)))


def wait_until_applied(*folders, timeout: float = 60.0) -> int:
    """Until every change is numbered (a worker does it) and every folder's index has applied
    the log's head; returns the head."""
    deadline = time.monotonic() + timeout
    while True:
        head = _head()
        positions = [applied_position(str(folder)) for folder in folders]
        if all(position is not None and position >= head for position in positions) \
                and not _unnumbered():
            return head
        assert time.monotonic() < deadline, (head, positions)
        time.sleep(0.1)


def assert_identical_to_the_database(app, folder) -> None:
    """``flask search verify`` for that folder: exit 0, nothing missing, extra or stale."""
    from registry import create_app
    from tests.conftest import _base_config

    other = create_app(_base_config(app.config["SQLALCHEMY_DATABASE_URI"], str(folder)))
    with other.app_context():  # (the test's own app context would be used otherwise)
        try:
            result = other.test_cli_runner().invoke(args=["search", "verify"])
            assert result.exit_code == 0 and "index and database agree" in result.output, \
                result.output
        finally:
            db.session.remove()
            db.engine.dispose()


def _organisations_in(folder) -> int:
    from registry.search.storage import open_indexes

    indexes = open_indexes(current_generation(Path(folder)))
    return indexes["organisations"].doc_count()


def _write(prefix: str, count: int) -> None:
    for number in range(count):
        factories.make_organisation(name=f"烟台市{prefix}{number}号心理咨询有限公司")
        db.session.commit()
    db.session.close()


def test_two_replicas_follow_writes_from_two_processes_stop_catch_up_and_rebuild(
        app, tmp_path, processes):
    first, second = tmp_path / "replica-a", tmp_path / "replica-b"
    factories.make_organisation(name="烟台市起点心理咨询有限公司")
    db.session.commit()
    db.session.close()
    workers = {"a": processes.start("worker", first, "replica-a"),
               "b": processes.start("worker", second, "replica-b")}
    writers = [processes.start("writer", first, prefix, 4) for prefix in ("甲", "乙")]
    for writer in writers:
        out, err = processes.finish(writer)
        assert writer.returncode == 0 and "committed" in out, err
    head = wait_until_applied(first, second)
    for folder in (first, second):
        assert _organisations_in(folder) == 9
        assert_identical_to_the_database(app, folder)
    reported = dict(db.session.execute(sa.select(SearchReplica.name, SearchReplica.position)).all())
    assert reported == {"replica-a": head, "replica-b": head}
    db.session.close()

    # B stops for a while; A goes on; B restarted catches up. (From here on this process
    # writes, as a web process in production: nothing applied after the commit.)
    app.config["SEARCH_APPLY_AFTER_COMMIT"] = False
    processes.stop(workers["b"])
    _write("丙", 3)
    wait_until_applied(first)
    assert applied_position(str(second)) == head  # stopped: nothing applied meanwhile
    workers["b"] = processes.start("worker", second, "replica-b")
    wait_until_applied(first, second)
    assert _organisations_in(second) == 12
    assert_identical_to_the_database(app, second)

    # B restarted from an empty folder rebuilds, and follows again.
    err = processes.stop(workers["b"])
    for entry in second.iterdir():
        subprocess.run(["rm", "-rf", str(entry)], check=True)
    workers["b"] = processes.start("worker", second, "replica-b")
    _write("丁", 2)
    wait_until_applied(first, second)
    assert _organisations_in(second) == 14
    for folder in (first, second):
        assert_identical_to_the_database(app, folder)
    for name, worker in workers.items():
        err = processes.stop(worker)
    assert "the index was missing; rebuilt" in err
    assert "Traceback" not in err


@pytest.mark.skipif(not POSTGRES, reason="LISTEN/NOTIFY and reconnection: PostgreSQL")
def test_a_worker_survives_losing_its_database_connections(app, tmp_path, processes):
    folder = tmp_path / "replica"
    worker = processes.start("worker", folder, "replica")
    wait_until_applied(folder)
    with db.engine.begin() as connection:  # what a database restart does to a client
        killed = connection.scalar(sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    assert killed >= 1
    factories.make_organisation(name="烟台市重连心理咨询有限公司")
    app.config["SEARCH_APPLY_AFTER_COMMIT"] = False
    db.session.commit()
    db.session.close()
    wait_until_applied(folder)
    assert_identical_to_the_database(app, folder)
    err = processes.stop(worker)
    assert err.count("the database is unavailable") <= 1 and "Traceback" not in err


def test_a_worker_killed_between_applying_and_recording_its_position(app, tmp_path,
                                                                     processes):
    folder = tmp_path / "replica"
    factories.make_organisation(name="烟台市先前心理咨询有限公司")
    db.session.commit()
    apply_log(str(folder), db.engine)  # the replica exists, at the log's head
    before = applied_position(str(folder))
    app.config["SEARCH_APPLY_AFTER_COMMIT"] = False
    organisation = factories.make_organisation(name="烟台市断点心理咨询有限公司")
    db.session.commit()
    db.session.close()
    killed = processes.start("killed-worker", folder, "replica")
    processes.finish(killed)
    assert killed.returncode == -signal.SIGKILL
    # The index holds the change, its position does not say so.
    assert applied_position(str(folder)) == before < _head()
    assert _organisations_in(folder) == 2
    organisation.name = "烟台市续上心理咨询有限公司"  # changed again meanwhile
    db.session.commit()
    db.session.close()
    worker = processes.start("worker", folder, "replica")
    wait_until_applied(folder)
    processes.stop(worker)
    assert_identical_to_the_database(app, folder)  # applying twice did no harm


def _organisation_fields(name: str, serial: int) -> dict:
    from registry.database import utcnow
    from registry.orgs.models import OrganisationStatus

    return dict(name=name, uscc=factories.valid_uscc("370602", serial=serial),
                org_type="social_counselling", legal_representative="张明",
                address="山东省烟台市芝罘区南大街 88 号", region_code="370602",
                status=OrganisationStatus.ACTIVE, approved_at=utcnow())


@pytest.mark.skipif(not POSTGRES, reason="concurrent writers: PostgreSQL")
def test_a_change_committed_after_a_later_one_reaches_every_replica(app, tmp_path):
    from sqlalchemy.orm import Session

    from registry.orgs.models import Organisation

    replicas = [str(tmp_path / "replica-a"), str(tmp_path / "replica-b")]
    factories.make_organisation(name="烟台市底座心理咨询有限公司")
    db.session.commit()
    for folder in replicas:
        apply_log(folder, db.engine)
    app.config["SEARCH_APPLY_AFTER_COMMIT"] = False
    first = Session(db.engine)
    second = Session(db.engine)
    try:
        # A writes first: its log row gets the smaller id …
        first.add(Organisation(**_organisation_fields("烟台市先写心理咨询有限公司", 1)))
        first.flush()
        first_id = first.scalar(sa.select(sa.func.max(SearchOutbox.id)))
        # … B writes later and commits first.
        second.add(Organisation(**_organisation_fields("烟台市后写心理咨询有限公司", 2)))
        second.commit()
        second_id = second.scalar(sa.select(sa.func.max(SearchOutbox.id)))
        assert first_id < second_id
        for folder in replicas:  # B's change is applied while A's is not committed yet
            apply_log(folder, db.engine)
            assert applied_position(folder) == _head()
        first.commit()
        for folder in replicas:
            report = apply_log(folder, db.engine)
            assert report.applied == 1
        positions = dict(db.session.execute(sa.select(SearchOutbox.id, SearchOutbox.position)
                                            .where(SearchOutbox.id.in_([first_id, second_id])))
                         .all())
        assert positions[first_id] > positions[second_id]  # numbered in commit order
    finally:
        first.close()
        second.close()
    db.session.close()
    for folder in replicas:
        assert verify(folder, db.engine).consistent
        assert_identical_to_the_database(app, folder)


def test_a_batch_is_numbered_in_the_order_its_rows_were_written(app):
    from registry.search.models import OutboxOperation

    app.config["SEARCH_APPLY_AFTER_COMMIT"] = False
    rows = [{"entity_type": "organisation", "entity_id": number,
             "operation": OutboxOperation.UPSERT, "position": None} for number in range(1, 6)]
    db.session.execute(sa.insert(SearchOutbox), rows)
    db.session.commit()
    # Rewriting the oldest rows moves them elsewhere in the table (PostgreSQL writes a new
    # row version): numbering in physical order would put them last.
    db.session.execute(sa.update(SearchOutbox).where(SearchOutbox.entity_id <= 2)
                       .values(position=None, entity_type="organisation"))
    db.session.commit()
    sequence(db.engine)
    numbered = db.session.execute(sa.select(SearchOutbox.id, SearchOutbox.position)
                                  .order_by(SearchOutbox.id)).all()
    positions = [position for _id, position in numbered]
    assert None not in positions and positions == sorted(positions)


def test_pruning_keeps_what_a_known_replica_needs_and_a_forgotten_one_rebuilds(app, tmp_path):
    from datetime import timedelta

    from registry.database import utcnow

    folder = str(tmp_path / "replica")
    factories.make_organisation(name="烟台市甲一心理咨询有限公司")
    db.session.commit()
    apply_log(folder, db.engine, replica="replica")
    applied = applied_position(folder)
    app.config["SEARCH_APPLY_AFTER_COMMIT"] = False
    for number in range(3):
        factories.make_organisation(name=f"烟台市乙{number}心理咨询有限公司")
        db.session.commit()
    db.session.execute(sa.update(SearchOutbox).values(created_at=utcnow() - timedelta(days=30)))
    db.session.commit()
    sequence(db.engine)  # as a worker does (PostgreSQL; SQLite numbered them at commit)
    assert prune(db.engine, retention_seconds=24 * 3600) == 1  # only what the replica applied
    remaining = sorted(db.session.scalars(sa.select(SearchOutbox.position)))
    assert len(remaining) == 3 and remaining[0] > applied
    db.session.close()
    assert apply_log(folder, db.engine, replica="replica").applied == 3  # nothing lost

    # Silent for longer than the retention: forgotten, its rows pruned; back, it rebuilds.
    factories.make_organisation(name="烟台市丙一心理咨询有限公司")
    db.session.commit()
    db.session.execute(sa.update(SearchOutbox).values(created_at=utcnow() - timedelta(days=30)))
    db.session.execute(sa.update(SearchReplica).values(updated_at=utcnow() - timedelta(days=30)))
    factories.make_organisation(name="烟台市丙二心理咨询有限公司")
    db.session.commit()
    sequence(db.engine)
    assert prune(db.engine, retention_seconds=24 * 3600) >= 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchReplica)) == 0
    db.session.close()
    report = apply_log(folder, db.engine, replica="replica")
    assert report.rebuilt == "behind the retention" and report.position == _head()
    assert verify(folder, db.engine).consistent
    assert db.session.scalar(sa.select(SearchReplica.position)) == _head()


def test_a_web_request_in_production_never_writes_the_index(app, tmp_path, monkeypatch):
    """Production configuration: a commit and a search open no index writer, take no write
    lock and change no file of the index; the search answers from the newest generation."""
    from registry import create_app
    from registry.search import storage
    from registry.search import sync as sync_module
    from tests.conftest import TEST_PII_KEY

    factories.make_organisation(name="烟台市已建心理咨询有限公司")
    db.session.commit()
    folder = Path(app.config["SEARCH_INDEX_DIR"])

    def files():
        return sorted((str(path.relative_to(folder)), path.stat().st_mtime_ns)
                      for path in folder.rglob("*"))

    before = files()
    monkeypatch.setenv("REGISTRY_ENV", "production")
    production = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                             "SEARCH_INDEX_DIR": str(folder), "SECRET_KEY": "k" * 32,
                             "PII_KEY": TEST_PII_KEY, "TESTING": True,
                             "WTF_CSRF_ENABLED": False})
    assert production.config["SEARCH_APPLY_AFTER_COMMIT"] is False

    def refused(*args, **kwargs):
        raise AssertionError("a web process wrote to the index")

    for target, name in ((storage, "open_writer"), (storage, "write_lock"),
                         (storage, "new_generation"), (sync_module, "open_writer"),
                         (sync_module, "write_lock"), (sync_module, "apply_log")):
        monkeypatch.setattr(target, name, refused)
    from whoosh.index import FileIndex

    monkeypatch.setattr(FileIndex, "writer", refused)
    from registry.search import engine as search_engine

    with production.app_context():
        search_engine.forget_snapshots()
        factories.make_organisation(name="烟台市新来心理咨询有限公司")
        db.session.commit()  # would apply the log in the test harness; not in production
        client = production.test_client()
        page = client.get("/search?q=已建", base_url="https://localhost")
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "检索功能暂时受限" not in text
        assert "烟台市<mark>已建</mark>心理咨询有限公司" in text
        page = client.get("/search?q=新来", base_url="https://localhost")
        assert "烟台市<mark>新来</mark>" not in page.get_data(as_text=True)  # not applied
        db.session.remove()
        db.engine.dispose()
    assert files() == before


def test_a_rebuild_that_waited_for_the_lock_looks_again(app):
    """``only_if_unready``: whoever held the lock meanwhile may have rebuilt the index; the
    waiting rebuild then leaves it alone instead of rebuilding once more."""
    from registry.search.storage import root_of, write_lock
    from registry.search.sync import rebuild

    folder = app.config["SEARCH_INDEX_DIR"]
    factories.make_organisation(name="烟台市排队心理咨询有限公司")
    db.session.commit()  # the harness built the index
    generation = current_generation(Path(folder))
    assert rebuild(folder, db.engine, only_if_unready=True).skipped
    assert current_generation(Path(folder)) == generation
    with write_lock(root_of(folder)):
        assert rebuild(folder, db.engine, wait=0.1, only_if_unready=True).busy
    report = rebuild(folder, db.engine)  # asked for explicitly: always rebuilds
    assert not report.skipped and current_generation(Path(folder)) != generation
