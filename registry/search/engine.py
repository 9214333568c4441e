"""The query engine over the Whoosh index: document sets as numpy masks, cached per segment.

Whoosh scores every posting of every matching term in pure Python, which costs 190–490 ms a
query at national scale because common words (心理咨询) match ~40 % of the documents. This
engine reads the index's postings itself and never scores them one by one:

- a term's postings become a boolean mask over the documents (the block reader decodes whole
  posting blocks at a time); masks of terms common enough to matter are cached per *segment*
  (Whoosh segments are immutable, so a small update only adds a small new segment and leaves
  the big segment's cache valid), with deletions applied from a per-segment live mask;
- a query is then a handful of vectorised AND/OR operations; filters are terms too;
- ranking is precomputed and static (``rank``: demonstration unit, grade, evaluation total)
  plus a match tier (exact name or identifier, words found in the name), combined into one
  integer key so that only the requested page is sorted (``argpartition``);
- searchers are opened once per process and reopened only when the index changed
  (``up_to_date()``; ``Searcher.refresh()`` is broken in Whoosh 2.7.5 and never used).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Optional

import numpy as np
from whoosh import columns as whoosh_columns
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import TermNotFound

from registry.search.storage import current_generation, open_indexes

CACHE_BYTES = 256 * 1024 * 1024  # per-segment posting cache of a process
SNAPSHOT_TERMS = 4096  # combined masks kept by one snapshot (one index generation)
DENSE = 32  # a term in more than 1/32 of a segment's documents is cached as a mask, else ids

_lock = threading.RLock()
_mask_cache: "OrderedDict[tuple, np.ndarray]" = OrderedDict()
_column_cache: "OrderedDict[tuple, np.ndarray]" = OrderedDict()
_cached_bytes = [0]
_lexicons: dict[tuple, frozenset] = {}
_snapshots: dict[tuple[str, str], "Snapshot"] = {}


def _remember(cache: OrderedDict, key: tuple, value: np.ndarray) -> None:
    value.flags.writeable = False  # shared between queries: nobody may change it in place
    cache[key] = value
    _cached_bytes[0] += value.nbytes
    while _cached_bytes[0] > CACHE_BYTES and len(cache) > 1:
        _, dropped = cache.popitem(last=False)
        _cached_bytes[0] -= dropped.nbytes


def clear_caches() -> None:
    """Forget every cached posting set and column (the benchmark's cold start)."""
    _mask_cache.clear()
    _column_cache.clear()
    _lexicons.clear()
    _cached_bytes[0] = 0
    _snapshots.clear()


def _posting_ids(matcher) -> np.ndarray:
    """All document numbers of a posting list, a block at a time where the format allows.

    A segment with deletions wraps its matchers to skip deleted documents; the wrapper is
    peeled off because deletions are applied by the snapshot's live mask."""
    while not isinstance(matcher, W3LeafMatcher) and getattr(matcher, "child", None) is not None:
        matcher = matcher.child
    if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:  # (byte ids: vectors)
        chunks = []
        while not matcher._atend:  # block-level access: ~40x faster than id() per posting
            if matcher._data is None:
                matcher._read_data()
            # A block stores its ids as differences (Whoosh's _read_ids adds them up in Python:
            # half of a process's first search was spent there).
            chunks.append(np.cumsum(np.asarray(matcher._data[0], dtype=np.int64)))
            matcher._next_block()
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    return np.fromiter(matcher.all_ids(), dtype=np.int64)


class Snapshot:
    """One open searcher over one index, with masks and columns of its documents."""

    def __init__(self, kind: str, generation: Path):
        self.kind = kind
        self.generation = generation
        self.searcher = open_indexes(generation)[kind].searcher()
        reader = self.searcher.reader()
        self.leaves = [(leaf, base, leaf.segment().segment_id(), leaf.doc_count_all())
                       for leaf, base in reader.leaf_readers()]
        self.size = reader.doc_count_all()
        self.empty = np.zeros(self.size, dtype=bool)
        self.empty.flags.writeable = False
        self.has_deletions = False
        self._terms: dict[tuple[str, str], np.ndarray] = {}
        self.regions: dict = {}  # region facet rows by parent code, for this snapshot's life
        self.live = self._combine([self._live(leaf, segid, count)
                                   for leaf, _, segid, count in self.leaves])
        self._columns: dict[str, np.ndarray] = {}

    def fresh(self) -> bool:
        """Whether no commit or swap happened since this snapshot was opened."""
        return current_generation(self.generation.parent) == self.generation \
            and self.searcher.up_to_date()

    def _combine(self, parts: list[np.ndarray]) -> np.ndarray:
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return self.empty
        combined = np.concatenate(parts)
        combined.flags.writeable = False
        return combined

    def _live(self, leaf, segid: str, count: int) -> np.ndarray:
        deleted = sorted(leaf.segment().deleted_docs() or ()) if leaf.has_deletions() else []
        if deleted:
            self.has_deletions = True
        key = (self.kind, segid, "#live", len(deleted), count)
        mask = _mask_cache.get(key)
        if mask is None:
            mask = np.ones(count, dtype=bool)
            if deleted:
                mask[np.asarray(deleted, dtype=np.int64)] = False
            _remember(_mask_cache, key, mask)
        return mask

    def _leaf_term(self, leaf, segid: str, count: int, field: str, token: str) -> np.ndarray:
        """The segment's documents with ``token``: a mask if common, else their numbers."""
        key = (self.kind, segid, field, token)
        found = _mask_cache.get(key)
        if found is not None:
            _mask_cache.move_to_end(key)
            return found
        try:
            ids = _posting_ids(leaf.postings(field, token))
        except TermNotFound:
            ids = np.zeros(0, dtype=np.int64)
        if len(ids) * DENSE > count:
            found = np.zeros(count, dtype=bool)
            found[ids] = True
        else:
            found = ids.astype(np.int32)
        _remember(_mask_cache, key, found)
        return found

    def term(self, field: str, token: str) -> np.ndarray:
        """Live documents containing ``token`` in ``field`` (read-only; cached by snapshot)."""
        key = (field, token)
        mask = self._terms.get(key)
        if mask is not None:
            return mask
        mask = np.zeros(self.size, dtype=bool)
        for leaf, base, segid, count in self.leaves:
            found = self._leaf_term(leaf, segid, count, field, token)
            if found.dtype == bool:
                mask[base:base + count] = found
            elif len(found):
                mask[found + base] = True
        if self.has_deletions:
            mask &= self.live
        mask.flags.writeable = False
        if len(self._terms) >= SNAPSHOT_TERMS:
            self._terms.pop(next(iter(self._terms)))
        self._terms[key] = mask
        return mask

    def any_of(self, field: str, tokens) -> np.ndarray:
        """Documents containing at least one of ``tokens``."""
        result = self.empty
        for token in tokens:
            result = result | self.term(field, token)
        return result

    def all_of(self, field_sets: list[tuple[str, ...]], tokens: list[str]) -> np.ndarray:
        """Documents where every token occurs in one of the fields of ``field_sets``."""
        result = None
        for token in tokens:
            found = self.empty
            for field in field_sets:
                found = found | self.term(field, token)
            result = found if result is None else result & found
            if not result.any():
                break
        return self.empty if result is None else result

    def has_name_bigram(self, bigram: str) -> bool:
        """Whether any document's name holds the two-character ``bigram`` (did-you-mean).

        The name field's CJK bigrams of each segment are read once into a set and kept with
        the segment's other cached data."""
        for leaf, _, segid, _ in self.leaves:
            key = (self.kind, segid, "#bigrams")
            vocabulary = _lexicons.get(key)
            if vocabulary is None:
                vocabulary = frozenset(
                    text for text in (term.decode("utf-8") for term in leaf.lexicon("name"))
                    if len(text) == 2 and not text.isascii())
                _lexicons[key] = vocabulary
                while len(_lexicons) > 64:
                    _lexicons.pop(next(iter(_lexicons)))
            if bigram in vocabulary:
                return True
        return False

    def _per_segment(self, tag: str, name: str, read):
        """(base, ``read(column reader, document count)``) of each segment, cached per segment."""
        for leaf, base, segid, count in self.leaves:
            key = (self.kind, segid, tag, name)
            found = _column_cache.get(key)
            if found is None:
                found = read(leaf.column_reader(name, translate=False), count)
                _remember(_column_cache, key, found)
            yield base, found

    def column(self, name: str) -> np.ndarray:
        """A sortable numeric column for every document (cached per segment)."""
        if name not in self._columns:
            parts = [values for _, values in self._per_segment("#column", name, numeric_values)]
            self._columns[name] = np.concatenate(parts) if len(parts) > 1 else (
                parts[0] if parts else np.zeros(0, dtype=np.int64))
        return self._columns[name]

    def pairs(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, values) of a column of packed uint32 lists, one pair per value:
        ``orgs`` gives each practitioner's other organisations. Cached per segment."""
        documents, values = [], []
        for base, found in self._per_segment("#pairs", name, packed_pairs):
            documents.append(found[0] + base)
            values.append(found[1])
        if not documents:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(documents), np.concatenate(values)

    def stored(self, docnum: int) -> dict:
        """The stored display data of a document."""
        return self.searcher.stored_fields(int(docnum)).get("data") or {}

    def docnum_of(self, doc_id: str) -> Optional[int]:
        """The document number of the document with ``id``, if indexed."""
        return self.searcher.document_number(id=doc_id)


def numeric_values(reader, count: int) -> np.ndarray:
    """Every document's value of one segment's numeric column, read in one piece.

    Whoosh's NumericColumn stores fixed-width big-endian values for the documents up to the
    last one with a non-default value (gaps filled with the default); the rest are the default.
    Going through the reader one document at a time cost ~1 s for a 360,000-document segment:
    a process's first search paid it. Any other reader (a segment without the column) is read
    the slow way."""
    if not isinstance(reader, whoosh_columns.NumericColumn.Reader):
        return np.fromiter(reader, dtype=np.int64, count=count)
    values = np.full(count, reader._default, dtype=np.int64)
    stored = min(reader._count, count)
    if stored:
        raw = reader._dbfile.get(reader._basepos, stored * reader._fixedlen)
        values[:stored] = np.frombuffer(raw, dtype=">" + reader._typecode)
    return values


def packed_pairs(reader, count: int) -> np.ndarray:
    """(document numbers, values) stacked, one column per value, of one segment's column of
    packed native uint32 lists (a VarBytesColumn: the values are stored one after another in
    document order, with an array of their lengths)."""
    if not isinstance(reader, whoosh_columns.VarBytesColumn.Reader):
        owners, items = [], []
        for docnum, packed in enumerate(reader):
            if packed:
                numbers = np.frombuffer(packed, dtype=np.uint32)
                owners.append(np.full(len(numbers), docnum, dtype=np.int64))
                items.append(numbers.astype(np.int64))
        if not owners:
            return np.zeros((2, 0), dtype=np.int64)
        return np.stack([np.concatenate(owners), np.concatenate(items)])
    lengths = np.array(reader._lengths, dtype=np.int64)[:count]
    total = int(lengths.sum())
    if not total:
        return np.zeros((2, 0), dtype=np.int64)
    raw = reader._dbfile.get(reader._basepos, total)
    items = np.frombuffer(raw, dtype=np.uint32).astype(np.int64)
    owners = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths // 4)
    return np.stack([owners, items])


def snapshot(kind: str, index_dir: str) -> Snapshot:
    """This process's snapshot of index ``kind``, reopened when the index changed.

    Raises ``IndexUnavailable`` when there is no readable index."""
    from registry.search.storage import IndexUnavailable, root_of

    root = root_of(index_dir)
    key = (kind, str(root))
    current = _snapshots.get(key)
    if current is not None and current.fresh():
        return current
    generation = current_generation(root)
    if generation is None:
        raise IndexUnavailable("no index yet")
    try:
        fresh = Snapshot(kind, generation)
    except IndexUnavailable:
        raise
    except Exception as error:  # a damaged segment file
        raise IndexUnavailable(str(error)) from error
    _snapshots[key] = fresh
    return fresh


def forget_snapshots() -> None:
    """Drop every open snapshot (after a rebuild in this process, and between tests)."""
    _snapshots.clear()


def top(candidates: np.ndarray, keys: list[np.ndarray], offset: int, limit: int) -> np.ndarray:
    """Document numbers ``offset … offset+limit`` of ``candidates`` ordered by ``keys``
    (each descending, the first most significant), ties by document number.

    Only the documents that can reach the page are sorted: the first key's threshold is found
    with ``argpartition`` (linear time) when there are many candidates."""
    wanted = offset + limit
    if len(candidates) == 0 or wanted <= 0:
        return candidates[:0]
    if len(candidates) > max(4 * wanted, 2000):
        first = keys[0][candidates]
        threshold = -np.partition(-first, wanted - 1)[wanted - 1]
        keep = first >= threshold
        candidates = candidates[keep]
    order = np.lexsort([candidates] + [-key[candidates] for key in reversed(keys)])
    return candidates[order][offset:wanted]


def lock() -> threading.RLock:
    """The lock serialising searches in this process (Whoosh readers share file handles)."""
    return _lock
