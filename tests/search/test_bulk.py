"""The rebuild's bulk writer writes what Whoosh's own writer writes, and Whoosh can go on."""
from __future__ import annotations

import random

import pytest
from whoosh import index

from registry.search import engine
from registry.search.bulk import BLOCK, BulkWriter
from registry.search.storage import open_writer, schema

COLUMNS = ("key", "org", "rank", "total", "name_key")


def corpus(count: int, seed: int = 7) -> list[dict]:
    """Documents shaped like the registry's, with common, rare and unique tokens; some terms
    span several posting blocks."""
    rng = random.Random(seed)
    vocabulary = ["心理", "咨询", "烟台", "心海", "p:xin|hai", "i:xhx"] + [
        f"词{i}" for i in range(300)]
    docs = []
    for number in range(count):
        docs.append({
            "id": str(1000 + number),
            "name": rng.sample(vocabulary, rng.randint(1, 12)) + ["心理"],
            "text": rng.sample(vocabulary, rng.randint(0, 20)),
            "ident": [f"n:机构{number}", f"91370600mac{number:07d}"],
            "f": ["status:active", "region:37", f"region:{3700 + number % 7}"]
            + (["demonstration:1"] if number % 11 == 0 else []),
            "key": 1000 + number, "org": number % 5, "rank": rng.randint(0, 130_000),
            "total": rng.randint(0, 1001), "name_key": rng.randint(0, 27 ** 12),
            "data": {"id": 1000 + number, "name": f"机构{number}", "services": ["individual"]},
        })
    return docs


def build(folder, docs: list[dict], bulk: bool):
    ix = index.create_in(str(folder), schema(), indexname="organisations")
    if bulk:
        writer = BulkWriter(ix)
        for doc in docs:
            writer.add(doc)
        writer.commit()
    else:
        writer = open_writer(ix)
        for doc in docs:
            writer.add_document(**doc)
        writer.commit()
    return index.open_dir(str(folder), indexname="organisations")


def contents(ix) -> dict:
    """Everything the engine and the services read from an index."""
    with ix.searcher() as searcher:
        reader = searcher.reader()
        postings = {}
        for field in ("id", "name", "text", "ident", "f"):
            for term in reader.lexicon(field):
                matcher = reader.postings(field, term)
                postings[(field, term)] = (list(matcher.all_ids()),
                                           reader.doc_frequency(field, term))
        columns = {name: list(reader.column_reader(name)) for name in COLUMNS}
        stored = list(searcher.all_stored_fields())
        numbers = {doc["id"]: searcher.document_number(id=doc["id"]) for doc in stored}
        return {"postings": postings, "columns": columns, "stored": stored,
                "numbers": numbers, "count": searcher.doc_count()}


def test_bulk_segment_reads_back_like_whooshs_own(tmp_path):
    docs = corpus(3 * BLOCK + 17)
    (tmp_path / "bulk").mkdir()
    (tmp_path / "whoosh").mkdir()
    bulk = contents(build(tmp_path / "bulk", docs, bulk=True))
    reference = contents(build(tmp_path / "whoosh", docs, bulk=False))
    assert bulk == reference
    # The common token spans several blocks: the block path was exercised, not only one.
    assert len(bulk["postings"][("name", "心理".encode())][0]) == len(docs) > 3 * BLOCK


def test_engine_reads_bulk_postings_block_by_block(tmp_path):
    docs = corpus(2 * BLOCK + 5)
    ix = build(tmp_path, docs, bulk=True)
    with ix.searcher() as searcher:
        ids = engine._posting_ids(searcher.reader().postings("f", b"status:active"))
    assert ids.tolist() == list(range(len(docs)))


def test_whoosh_updates_and_merges_a_bulk_segment(tmp_path):
    docs = corpus(40)
    ix = build(tmp_path, docs, bulk=True)
    changed = dict(docs[3], name=["新名"], data={"id": 1003, "name": "新名"})
    writer = open_writer(ix)
    writer.delete_by_term("id", "1003")
    writer.add_document(**changed)
    writer.commit()
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 40
        hits = [searcher.stored_fields(n)["id"] for n in
                searcher.reader().postings("name", "新名".encode()).all_ids()]
        assert hits == ["1003"]
    writer = open_writer(ix)
    writer.commit(optimize=True)  # one segment again: the bulk segment merged by Whoosh
    with ix.searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) == 1
        assert searcher.doc_count_all() == 40
        assert searcher.document_number(id="1003") is not None
        assert "新名" in searcher.stored_fields(searcher.document_number(id="1003"))["data"]["name"]


def test_cancel_and_empty_commit_leave_the_index_as_it_was(tmp_path):
    ix = build(tmp_path, corpus(5), bulk=True)
    writer = BulkWriter(ix)
    writer.add(corpus(1, seed=9)[0])
    writer.cancel()
    BulkWriter(ix).commit()  # nothing added: no new segment, the lock is released
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 5
    open_writer(ix).commit()  # the lock is free


def test_a_failed_commit_releases_the_lock(tmp_path, monkeypatch):
    ix = build(tmp_path, corpus(5), bulk=True)
    writer = BulkWriter(ix)
    writer.add(corpus(1, seed=9)[0])

    def broken():
        raise OSError("disk full")

    monkeypatch.setattr(writer, "_write_postings", broken)
    with pytest.raises(OSError):
        writer.commit()
    with ix.searcher() as searcher:
        assert searcher.doc_count() == 5
    open_writer(ix).commit()
