"""The engine's answers compared with plain Whoosh queries and with a brute-force reference, on
indexes of several segments with deletions (a bulk-written segment, Whoosh's own segments,
updates and deletions across them), before and after Whoosh merges them; and, through the
whole service, with the database after several commits."""
from __future__ import annotations

import random
from array import array

import numpy as np
from whoosh.query import And, Or, Term

from registry.extensions import db
from registry.orgs.models import Organisation, OrganisationStatus
from registry.search import engine
from registry.search.bulk import BLOCK, BulkWriter
from registry.search.storage import (
    ORGANISATIONS,
    new_generation,
    open_indexes,
    open_writer,
    root_of,
)
from tests import factories
from tests.search.conftest import find_organisations
from tests.search.test_bulk import COLUMNS, corpus

TOKEN_FIELDS = ("name", "text", "ident", "f")
MISSING = "不存在的词"


def _renumbered(docs: list[dict], first: int) -> list[dict]:
    """``docs`` with ids, keys and identifiers from ``first`` on (no clash with others)."""
    for number, doc in enumerate(docs):
        doc.update(id=str(first + number), key=first + number,
                   ident=[f"n:机构{first + number}", f"91370600mac{first + number:07d}"],
                   data={"id": first + number, "name": f"机构{first + number}"})
        if number % 4 == 0:
            doc["orgs"] = array("I", [first + number, 7]).tobytes()
    return docs


class Segmented:
    """An organisations index written in several segments with deletions, and the live
    documents it should hold (by id)."""

    def __init__(self, folder):
        self.generation = new_generation(root_of(str(folder)))
        self.ix = open_indexes(self.generation)[ORGANISATIONS]
        self.rng = random.Random(5)
        self.live: dict[str, dict] = {}
        self.next_id = 5000
        bulk = _renumbered(corpus(3 * BLOCK + 41, seed=3), 1000)  # as a rebuild writes it
        writer = BulkWriter(self.ix)
        for doc in bulk:
            writer.add(doc)
            self.live[doc["id"]] = doc
        writer.commit()

    def fresh_docs(self, count: int) -> list[dict]:
        docs = _renumbered(corpus(count, seed=self.next_id), self.next_id)
        self.next_id += count
        return docs

    def commit(self, add: int = 0, update: int = 0, delete: int = 0, **options) -> None:
        """One Whoosh commit: new documents, updates of existing ones (their old version is
        deleted in whichever segment holds it), deletions."""
        writer = open_writer(self.ix)
        # Only documents of earlier commits: a writer's deletions do not see its own additions.
        chosen = self.rng.sample(sorted(self.live), update + delete)
        for doc in self.fresh_docs(add):
            writer.add_document(**doc)
            self.live[doc["id"]] = doc
        for doc_id in chosen[:update]:
            doc = dict(self.live[doc_id], name=self.rng.sample(["心海", "新名", "烟台", "词7"], 2),
                       rank=self.rng.randint(0, 99), f=["status:active", "region:3799"])
            writer.update_document(**doc)
            self.live[doc_id] = doc
        for doc_id in chosen[update:]:
            writer.delete_by_term("id", doc_id)
            del self.live[doc_id]
        writer.commit(**options)

    def vocabulary(self, field: str) -> set[str]:
        found = {MISSING}
        for doc in self.live.values():
            found.update(doc[field])
        found.update(["心海", "新名", "region:3799", "status:active"])
        return found


def expected(live: dict, field: str, token: str) -> set[str]:
    return {doc_id for doc_id, doc in live.items() if token in doc[field]}


def check(index: Segmented, multi_segment: bool) -> None:
    """Every term, some combinations, the live set and the columns: engine = Whoosh = reference."""
    snap = engine.Snapshot(ORGANISATIONS, index.generation)
    try:
        searcher = snap.searcher
        if multi_segment:  # what this test is about: several segments, deletions among them
            assert len(snap.leaves) >= 3 and snap.has_deletions
        stored_id = {}
        for docnum in range(snap.size):
            if searcher.reader().is_deleted(docnum):
                continue
            stored_id[docnum] = searcher.stored_fields(docnum)["id"]

        def ids(mask: np.ndarray) -> set[str]:
            return {stored_id[int(docnum)] for docnum in np.flatnonzero(mask)}

        def whoosh(query) -> set[str]:
            return {stored_id[docnum] for docnum in searcher.docs_for_query(query)}

        assert ids(snap.live) == set(index.live) == set(stored_id.values())
        for field in TOKEN_FIELDS:
            for token in sorted(index.vocabulary(field)):
                want = expected(index.live, field, token)
                assert ids(snap.term(field, token)) == want, (field, token)
                assert whoosh(Term(field, token)) == want, (field, token)
        rng = random.Random(9)
        words = sorted(index.vocabulary("name") | index.vocabulary("text"))
        for _ in range(60):
            pair = rng.sample(words, 2)
            both = Or([Term("name", pair[0]), Term("text", pair[0])]) if rng.random() < 0.5 \
                else Term("name", pair[0])
            fields = ("name", "text") if isinstance(both, Or) else ("name",)
            query = And([Or([Term(field, word) for field in fields]) for word in pair])
            assert ids(snap.all_of(fields, pair)) == whoosh(query), pair
            assert ids(snap.any_of("name", pair)) == whoosh(Or([Term("name", w) for w in pair]))
        for name in COLUMNS:
            values = snap.column(name)
            assert len(values) == snap.size
            for docnum, doc_id in stored_id.items():
                assert values[docnum] == index.live[doc_id][name], (name, doc_id)
        owners, others = snap.pairs("orgs")
        found = {(stored_id[int(o)], int(v)) for o, v in zip(owners, others) if int(o) in stored_id}
        assert found == {(doc_id, int(value)) for doc_id, doc in index.live.items() if "orgs" in doc
                         for value in np.frombuffer(doc["orgs"], dtype=np.uint32)}
        for doc_id in rng.sample(sorted(index.live), 40):
            assert snap.docnum_of(doc_id) == searcher.document_number(id=doc_id)
            assert stored_id[snap.docnum_of(doc_id)] == doc_id
        assert snap.docnum_of("no such id") is None
    finally:
        snap.close()


def test_several_segments_with_deletions_then_merged(tmp_path):
    index = Segmented(tmp_path)
    index.commit(add=60, update=25, merge=False)  # deletes in the bulk segment
    index.commit(add=50, update=10, delete=30, merge=False)  # in both older segments too
    index.commit(delete=5, merge=False)  # a commit of deletions only
    check(index, multi_segment=True)
    for _ in range(4):  # small segments that Whoosh's policy merges (into one with deletions)
        index.commit(add=3, update=2, delete=1)
    check(index, multi_segment=True)
    index.commit(optimize=True)  # everything merged into one segment, deletions dropped
    snap = engine.Snapshot(ORGANISATIONS, index.generation)
    assert len(snap.leaves) == 1 and not snap.has_deletions
    snap.close()
    check(index, multi_segment=False)


def test_a_bulk_segment_with_deletions_only(tmp_path):
    index = Segmented(tmp_path)
    index.commit(delete=40, merge=False)
    snap = engine.Snapshot(ORGANISATIONS, index.generation)
    assert len(snap.leaves) == 1 and snap.has_deletions  # the live mask of one segment
    snap.close()
    check(index, multi_segment=False)


# --- through the service, against the database ---------------------------------------------

WORDS = ("甪直", "甪里", "罘山", "罘海", "芝甪")


def _segments(app) -> tuple[int, bool]:
    snap = engine.snapshot(ORGANISATIONS, app.config["SEARCH_INDEX_DIR"])
    return len(snap.leaves), snap.has_deletions


def _database_answer(word: str) -> set[int]:
    """Brute force: active organisations with the word in their name."""
    return {org.id for org in db.session.scalars(
        db.select(Organisation).where(Organisation.status == OrganisationStatus.ACTIVE))
        if word in org.name}


def _search_answer(word: str) -> set[int]:
    found, page = set(), 1
    while True:
        result = find_organisations(q=word, per_page="100", page=str(page))
        found.update(hit.data["id"] for hit in result.items)
        if page * 100 >= result.total:
            assert len(found) == result.total
            return found
        page += 1


def test_search_equals_the_database_after_many_commits(app):
    rng = random.Random(4)
    organisations = []
    for round_ in range(6):  # every commit is synced into the index: a segment each
        for _ in range(5):
            organisations.append(factories.make_organisation(
                name=f"烟台市{rng.choice(WORDS)}{rng.choice(WORDS)}心理咨询有限公司{len(organisations)}"))
        db.session.commit()
        find_organisations(q="心理")  # a search in between: snapshots replaced as in production
        for organisation in rng.sample(organisations, 3):
            organisation.name = f"烟台市{rng.choice(WORDS)}心理服务中心{organisation.id}"
        rng.choice(organisations).status = OrganisationStatus.EXITED
        db.session.commit()
    leaves, deletions = _segments(app)
    assert leaves >= 2 and deletions  # the index really is segmented, with deletions
    for word in WORDS + ("心理", "服务中心", "甪"):
        assert _search_answer(word) == _database_answer(word), word
