"""The engine's whole-block reads of postings and columns give what Whoosh's readers give,
for segments written by the bulk writer and by Whoosh's own writer."""
from __future__ import annotations

from array import array

import numpy as np
import pytest
from whoosh import columns as whoosh_columns

from registry.search import engine
from registry.search.bulk import BLOCK
from tests.search.test_bulk import COLUMNS, build, corpus


def documents(count: int) -> list[dict]:
    docs = corpus(count)
    for number, doc in enumerate(docs):
        if number % 3 == 0:  # other organisations for some; none for the rest
            doc["orgs"] = array("I", range(number, number + 1 + number % 4)).tobytes()
        if number >= count - 4:  # trailing documents with default values (not stored)
            doc.update(org=0, total=0)
    return docs


def slow_pairs(reader) -> list[tuple[int, int]]:
    return [(docnum, int(value)) for docnum, packed in enumerate(reader) if packed
            for value in np.frombuffer(packed, dtype=np.uint32)]


@pytest.fixture(params=["bulk", "whoosh"])
def leaf(request, tmp_path):
    ix = build(tmp_path, documents(2 * BLOCK + 9), bulk=request.param == "bulk")
    with ix.searcher() as searcher:
        reader = searcher.reader()
        assert reader.is_atomic()  # one segment, read as the engine reads each of its leaves
        yield reader


def test_numeric_columns_read_in_one_piece(leaf):
    count = leaf.doc_count_all()
    for name in COLUMNS:
        fast = engine.numeric_values(leaf.column_reader(name, translate=False), count)
        assert fast.tolist() == list(leaf.column_reader(name)), name
    assert engine.numeric_values(leaf.column_reader("org", translate=False), count)[-4:].tolist() \
        == [0, 0, 0, 0]


def test_packed_pairs_read_in_one_piece(leaf):
    count = leaf.doc_count_all()
    owners, values = engine.packed_pairs(leaf.column_reader("orgs", translate=False), count)
    assert list(zip(owners.tolist(), values.tolist())) == slow_pairs(leaf.column_reader("orgs"))
    assert len(owners) > count // 3  # documents with several values are among them


def test_posting_blocks_decoded_like_whoosh(leaf):
    checked = 0
    for field in ("name", "text", "ident", "f"):
        for term in leaf.lexicon(field):
            ids = engine._posting_ids(leaf.postings(field, term))
            assert ids.tolist() == list(leaf.postings(field, term).all_ids()), (field, term)
            checked += len(ids) > BLOCK
    assert checked  # terms spanning several blocks were among them


@pytest.mark.parametrize("bulk", [True, False])
def test_a_segment_without_the_column_gives_defaults(tmp_path, bulk):
    docs = [{k: v for k, v in doc.items() if k not in ("org", "orgs")} for doc in corpus(5)]
    ix = build(tmp_path, docs, bulk=bulk)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        org, orgs = (reader.column_reader(name, translate=False) for name in ("org", "orgs"))
        assert isinstance(org, whoosh_columns.EmptyColumnReader)  # the fallback is exercised
        assert isinstance(orgs, whoosh_columns.EmptyColumnReader)
        assert engine.numeric_values(org, 5).tolist() == [0] * 5
        owners, values = engine.packed_pairs(orgs, 5)
        assert owners.size == values.size == 0
