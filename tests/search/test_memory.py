"""The search engine's memory is bounded by one budget, replaced snapshots close their
searchers, and the caches stay consistent when threads search while the index changes."""
from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

from registry.extensions import db
from registry.search import engine
from registry.search.storage import ORGANISATIONS, PRACTITIONERS
from tests import factories
from tests.search.conftest import find_organisations, find_practitioners, names
from tests.search.test_differential import TOKEN_FIELDS, Segmented, expected


@pytest.fixture(autouse=True)
def default_budget():
    """Every test starts with empty caches and leaves the default budget behind."""
    engine.clear_caches()
    engine.set_cache_budget(engine.DEFAULT_CACHE_BYTES)
    yield
    engine.clear_caches()
    engine.set_cache_budget(engine.DEFAULT_CACHE_BYTES)


def recounted() -> int:
    """The bytes of the cache's entries, added up again."""
    with engine.lock():
        return sum(size for _, size in engine._cache.values())


def assert_within_budget(budget: int) -> None:
    with engine.lock():  # both at one moment, while other threads may be searching
        usage, total = engine.cache_usage(), recounted()
    assert usage["bytes"] == total <= budget, usage


def ids_of(snap, mask: np.ndarray) -> set[str]:
    return {snap.searcher.stored_fields(int(docnum))["id"] for docnum in np.flatnonzero(mask)}


def test_a_tiny_budget_holds_and_results_stay_right(tmp_path):
    index = Segmented(tmp_path)
    index.commit(add=40, update=20, delete=10, merge=False)
    snap = engine.Snapshot(ORGANISATIONS, index.generation)
    budget = 12_000  # a few masks of this index's ~600 documents at a time
    engine.set_cache_budget(budget)
    assert_within_budget(budget)
    try:
        asked = 0
        for repeat in range(2):  # the second pass reads evicted entries again
            for field in TOKEN_FIELDS:
                for token in sorted(index.vocabulary(field)):
                    assert ids_of(snap, snap.term(field, token)) == \
                        expected(index.live, field, token), (field, token)
                    asked += 1
                    assert_within_budget(budget)
            for name in ("rank", "key"):
                values = snap.column(name)
                assert all(values[snap.docnum_of(doc_id)] == doc[name]
                           for doc_id, doc in index.live.items())
                assert_within_budget(budget)
            assert not snap.has_name_bigram("没有")
            assert_within_budget(budget)
        usage = engine.cache_usage()
        assert 0 < usage["entries"] < asked // 10  # entries were evicted, some are kept
    finally:
        snap.close()


def test_a_value_larger_than_the_budget_is_used_but_not_kept(tmp_path):
    index = Segmented(tmp_path)
    index.commit(add=5, delete=3, merge=False)
    snap = engine.Snapshot(ORGANISATIONS, index.generation)
    try:
        engine.set_cache_budget(100)  # smaller than any entry
        assert ids_of(snap, snap.term("f", "status:active")) == \
            expected(index.live, "f", "status:active")
        assert engine.cache_usage()["entries"] == 0 and recounted() == 0
    finally:
        snap.close()


def test_lowering_the_budget_evicts_at_once(tmp_path):
    index = Segmented(tmp_path)
    snap = engine.Snapshot(ORGANISATIONS, index.generation)
    try:
        for token in sorted(index.vocabulary("text")):
            snap.term("text", token)
        before = engine.cache_usage()["bytes"]
        assert before > 5_000
        engine.set_cache_budget(5_000)
        assert_within_budget(5_000)
    finally:
        snap.close()


def test_the_apps_setting_is_the_budget(app):
    for number in range(30):
        organisation = factories.make_organisation(name=f"烟台市预算{number}心理咨询有限公司")
        factories.make_qualification(factories.make_practitioner(organisation,
                                                                 name=f"预算{number:02d}"))
    db.session.commit()
    app.config["SEARCH_CACHE_BYTES"] = 4_000
    assert find_organisations(q="预算").total == 30
    assert find_practitioners(q="预算07").total == 1
    assert engine.cache_usage()["budget"] == 4_000
    assert_within_budget(4_000)
    for number in range(30):  # many distinct terms through the whole service
        assert names(find_organisations(q=f"预算{number}")) == [
            f"烟台市预算{number}心理咨询有限公司"]
        assert_within_budget(4_000)


# --- closing replaced snapshots -------------------------------------------------------------

def _commit_an_organisation(name: str) -> None:
    factories.make_organisation(name=name)
    db.session.commit()


def test_a_replaced_snapshot_closes_its_searcher_after_a_commit(app):
    _commit_an_organisation("烟台市旧照心理咨询有限公司")
    assert find_organisations(q="旧照").total == 1
    old = engine.snapshot(ORGANISATIONS, app.config["SEARCH_INDEX_DIR"])
    searcher, serial, gone = old.searcher, old.serial, weakref.ref(old)
    old.term("name", "旧照")
    assert any(key[:2] == ("snapshot", serial) for key in engine._cache)
    del old
    assert not searcher.is_closed  # still the one in use
    _commit_an_organisation("烟台市新照心理咨询有限公司")
    assert find_organisations(q="新照").total == 1  # a new snapshot replaced the old one
    assert gone() is None and searcher.is_closed
    assert not any(key[:2] == ("snapshot", serial) for key in engine._cache)
    current = engine.snapshot(ORGANISATIONS, app.config["SEARCH_INDEX_DIR"])
    assert current.serial != serial and not current.closed


def test_a_replaced_snapshot_closes_its_searcher_after_a_new_generation(app):
    from registry.search.sync import rebuild

    _commit_an_organisation("烟台市换代心理咨询有限公司")
    find_organisations(q="换代")
    snapshots = [engine.snapshot(kind, app.config["SEARCH_INDEX_DIR"])
                 for kind in (ORGANISATIONS, PRACTITIONERS)]
    searchers = [snap.searcher for snap in snapshots]
    segments = set().union(*(snap.segments() for snap in snapshots))
    del snapshots
    rebuild(app.config["SEARCH_INDEX_DIR"], db.engine)
    assert all(searcher.is_closed for searcher in searchers)
    assert find_organisations(q="换代").total == 1
    # Nothing is kept for the segments of the replaced generation.
    assert not any(key[0] == "segment" and (key[1], key[2]) in segments for key in engine._cache)


def test_a_snapshot_in_use_stays_readable_until_its_search_ends(app):
    _commit_an_organisation("烟台市在用心理咨询有限公司")
    find_organisations(q="在用")
    in_use = engine.snapshot(ORGANISATIONS, app.config["SEARCH_INDEX_DIR"])
    docnum = int(np.flatnonzero(in_use.term("name", "在用"))[0])
    _commit_an_organisation("烟台市后来心理咨询有限公司")
    find_organisations(q="后来")  # replaces it while "another search" still holds it
    assert engine.snapshot(ORGANISATIONS, app.config["SEARCH_INDEX_DIR"]) is not in_use
    assert not in_use.closed
    assert in_use.stored(docnum)["name"] == "烟台市在用心理咨询有限公司"
    searcher = in_use.searcher
    del in_use
    gc.collect()
    assert searcher.is_closed


def test_forgetting_snapshots_closes_them_and_empties_the_caches(app):
    _commit_an_organisation("烟台市忘记心理咨询有限公司")
    find_organisations(q="忘记")
    searcher = engine.snapshot(ORGANISATIONS, app.config["SEARCH_INDEX_DIR"]).searcher
    assert engine.cache_usage()["entries"]
    engine.forget_snapshots()
    assert searcher.is_closed
    assert engine.cache_usage() == {"bytes": 0, "entries": 0, "budget": engine.DEFAULT_CACHE_BYTES,
                                    "snapshots": 0}


# --- threads --------------------------------------------------------------------------------

def test_snapshot_replacement_waits_for_the_lock(tmp_path):
    """Replacing a snapshot changes the shared caches, so it waits for a running search."""
    index = Segmented(tmp_path)
    root = str(tmp_path)
    from registry.search.storage import swap_in

    swap_in(tmp_path, index.generation)
    first = engine.snapshot(ORGANISATIONS, root)
    index.commit(add=2, merge=False)
    replaced = []
    worker = threading.Thread(target=lambda: replaced.append(engine.snapshot(ORGANISATIONS, root)))
    with engine.lock():  # a search is running
        worker.start()
        worker.join(0.5)
        assert worker.is_alive() and not replaced  # waiting for the search to finish
        assert engine.cache_usage()["snapshots"] == 1 and not first.closed
    worker.join(30)
    assert replaced and replaced[0] is not first
    del first
    engine.forget_snapshots()


def test_threads_searching_while_the_index_changes_keep_the_caches_consistent(tmp_path):
    from registry.search.storage import swap_in

    index = Segmented(tmp_path)
    swap_in(tmp_path, index.generation)
    root = str(tmp_path)
    budget = 30_000
    engine.set_cache_budget(budget)
    tokens = [(field, token) for field in TOKEN_FIELDS
              for token in sorted(index.vocabulary(field))][:400]
    errors: list[BaseException] = []
    stop = threading.Event()

    def search(offset: int) -> None:
        try:
            number = offset
            while not stop.is_set():
                snap = engine.snapshot(ORGANISATIONS, root)
                with engine.lock():
                    field, token = tokens[number % len(tokens)]
                    snap.term(field, token)
                    snap.column("rank")
                number += 7
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    workers = [threading.Thread(target=search, args=(offset,)) for offset in range(4)]
    for worker in workers:
        worker.start()
    try:
        for _ in range(6):  # commits of new segments and deletions meanwhile
            index.commit(add=5, update=3, delete=2, merge=False)
            assert_within_budget(budget)
    finally:
        stop.set()
        for worker in workers:
            worker.join(60)
    assert not errors, errors
    assert_within_budget(budget)
    snap = engine.snapshot(ORGANISATIONS, root)
    for field, token in tokens[::5]:
        assert ids_of(snap, snap.term(field, token)) == expected(index.live, field, token)
    del snap
    engine.forget_snapshots()


def test_the_budget_comes_from_the_environment(monkeypatch, tmp_path):
    from registry.config import Config, ConfigError

    given = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "PII_KEY": "y",
             "SEARCH_INDEX_DIR": str(tmp_path)}  # nothing generated into instance/
    monkeypatch.delenv("SEARCH_CACHE_BYTES", raising=False)
    assert Config.from_environment(given)["SEARCH_CACHE_BYTES"] == 256 * 1024 * 1024
    monkeypatch.setenv("SEARCH_CACHE_BYTES", "64000000")
    assert Config.from_environment(given)["SEARCH_CACHE_BYTES"] == 64_000_000
    monkeypatch.setenv("SEARCH_CACHE_BYTES", "64 MB")
    with pytest.raises(ConfigError, match="SEARCH_CACHE_BYTES must be a whole number"):
        Config.from_environment(given)
