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
  (``up_to_date()``; ``Searcher.refresh()`` is broken in Whoosh 2.7.5 and never used); a
  replaced snapshot's searcher is closed once no search uses it.

Memory is bounded: every cached posting set, live mask, column, name vocabulary and combined
term mask of a snapshot lives in one least-recently-used cache counted against one budget per
process (``SEARCH_CACHE_BYTES``; evicted entries are read again from the index when next
needed). Outside it are only a snapshot's fixed state (its live and empty masks, one byte per
document each) and the arrays of the queries running at the moment. All of it is changed under
one lock (``lock()``), which searches hold too. What the engine needs of Whoosh's internals is
in ``registry.search.whoosh_compat``.
"""
from __future__ import annotations

import itertools
import sys
import threading
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Optional

import numpy as np
from flask import current_app, has_app_context

from registry.search.storage import IndexUnavailable, current_generation, open_indexes
from registry.search.whoosh_compat import (
    TermNotFound,
    deleted_docs,
    numeric_values,
    packed_pairs,
    posting_ids,
    segments,
)

__all__ = ["DEFAULT_CACHE_BYTES", "Snapshot", "cache_usage", "clear_caches", "forget_snapshots",
           "lock", "numeric_values", "packed_pairs", "set_cache_budget", "snapshot", "top"]

DEFAULT_CACHE_BYTES = 256 * 1024 * 1024  # the budget when no app says (SEARCH_CACHE_BYTES)
ENTRY_BYTES = 256  # what an entry costs besides its array: key tuple, dictionary slot, header
DENSE = 32  # a term in more than 1/32 of a segment's documents is cached as a mask, else ids

# Everything below is shared by the threads of a process and changed only under ``_lock``.
_lock = threading.RLock()
# One least-recently-used cache of everything derived from the index, within one budget:
# ("segment", kind, segment id, …) → posting sets, live masks, columns and name bigrams of an
# immutable segment (valid as long as the segment exists, in any snapshot); ("snapshot",
# serial, …) → a snapshot's combined term masks and columns (dropped with the snapshot).
# Values: (the read-only array or set, the bytes it is counted for).
_cache: "OrderedDict[tuple, tuple[object, int]]" = OrderedDict()
_cached_bytes = [0]
_budget = [DEFAULT_CACHE_BYTES]
_snapshots: dict[tuple[str, str], "Snapshot"] = {}
_serials = itertools.count(1)
_posting_ids = posting_ids  # (the name the bulk writer's tests read postings with)


def _cached(key: tuple):
    """The cached value of ``key`` (now the most recently used), or None."""
    with _lock:
        entry = _cache.get(key)
        if entry is None:
            return None
        _cache.move_to_end(key)
        return entry[0]


def _remember(key: tuple, value, size: Optional[int] = None):
    """Cache ``value`` (an array, made read-only; or a set of ``size`` bytes) and return it.

    The least recently used entries go until the cache fits its budget; a value larger than
    the whole budget is returned without being kept."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False  # shared between queries: nobody may change it in place
        size = value.nbytes
    size = int(size) + ENTRY_BYTES
    with _lock:
        previous = _cache.pop(key, None)  # another thread read the same thing meanwhile
        if previous is not None:
            _cached_bytes[0] -= previous[1]
        if size <= _budget[0]:
            _cache[key] = (value, size)
            _cached_bytes[0] += size
            _evict()
    return value


def _evict() -> None:
    while _cached_bytes[0] > _budget[0] and _cache:
        _, (_, size) = _cache.popitem(last=False)
        _cached_bytes[0] -= size


def _drop(keep) -> None:
    """Forget every entry whose key ``keep(key)`` rejects."""
    with _lock:
        for key in [key for key in _cache if not keep(key)]:
            _cached_bytes[0] -= _cache.pop(key)[1]


def set_cache_budget(nbytes: int) -> None:
    """Bound this process's caches to ``nbytes`` (evicting at once if they hold more)."""
    with _lock:
        _budget[0] = max(0, int(nbytes))
        _evict()


def cache_usage() -> dict:
    """What the caches hold now: counted bytes, entries, the budget, open snapshots."""
    with _lock:
        return {"bytes": _cached_bytes[0], "entries": len(_cache), "budget": _budget[0],
                "snapshots": len(_snapshots)}


def clear_caches() -> None:
    """Forget every open snapshot and everything cached (the benchmark's cold start)."""
    with _lock:
        _snapshots.clear()
        _cache.clear()
        _cached_bytes[0] = 0


def _set_size(values: frozenset) -> int:
    return sys.getsizeof(values) + sum(sys.getsizeof(value) for value in values)


def _close(searcher) -> None:
    searcher.close()


class Snapshot:
    """One open searcher over one index, with masks and columns of its documents.

    Its searcher (and the index files it holds open) is closed when the snapshot is no longer
    used: once ``snapshot()`` has replaced it and the last search holding it has finished (at
    once when none does), or when the process exits."""

    def __init__(self, kind: str, generation: Path):
        self.kind = kind
        self.generation = generation
        self.serial = next(_serials)
        self.searcher = open_indexes(generation)[kind].searcher()
        self._closer = weakref.finalize(self, _close, self.searcher)
        reader = self.searcher.reader()
        self.leaves = segments(reader)
        self.size = reader.doc_count_all()
        self.empty = np.zeros(self.size, dtype=bool)
        self.empty.flags.writeable = False
        self.has_deletions = False
        self.regions: dict = {}  # region facet rows by parent code, for this snapshot's life
        self.live = self._combine([self._live(leaf, segid, count)
                                   for leaf, _, segid, count in self.leaves])

    @property
    def closed(self) -> bool:
        """Whether the searcher has been closed (the snapshot can no longer be read)."""
        return not self._closer.alive

    def close(self) -> None:
        """Close the searcher now (nobody may use this snapshot afterwards)."""
        self._closer()

    def fresh(self) -> bool:
        """Whether no commit or swap happened since this snapshot was opened."""
        return current_generation(self.generation.parent) == self.generation \
            and self.searcher.up_to_date()

    def segments(self) -> set[tuple[str, str]]:
        """(kind, segment id) of each segment this snapshot reads."""
        return {(self.kind, segid) for _, _, segid, _ in self.leaves}

    def _combine(self, parts: list[np.ndarray]) -> np.ndarray:
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return self.empty
        combined = np.concatenate(parts)
        combined.flags.writeable = False
        return combined

    def _live(self, leaf, segid: str, count: int) -> np.ndarray:
        deleted = deleted_docs(leaf)
        if deleted:
            self.has_deletions = True
        if not deleted:
            mask = np.ones(count, dtype=bool)
            mask.flags.writeable = False
            return mask
        key = ("segment", self.kind, segid, "#live", len(deleted), count)
        mask = _cached(key)
        if mask is None:
            mask = np.ones(count, dtype=bool)
            mask[np.asarray(deleted, dtype=np.int64)] = False
            _remember(key, mask)
        return mask

    def _leaf_term(self, leaf, segid: str, count: int, field: str, token: str) -> np.ndarray:
        """The segment's documents with ``token``: a mask if common, else their numbers."""
        key = ("segment", self.kind, segid, field, token)
        found = _cached(key)
        if found is not None:
            return found
        try:
            ids = posting_ids(leaf.postings(field, token))
        except TermNotFound:
            ids = np.zeros(0, dtype=np.int64)
        if len(ids) * DENSE > count:
            found = np.zeros(count, dtype=bool)
            found[ids] = True
        else:
            found = ids.astype(np.int32)
        return _remember(key, found)

    def term(self, field: str, token: str) -> np.ndarray:
        """Live documents containing ``token`` in ``field`` (read-only; cached by snapshot)."""
        if len(self.leaves) == 1 and not self.has_deletions:
            leaf, _, segid, count = self.leaves[0]
            found = self._leaf_term(leaf, segid, count, field, token)
            if found.dtype == bool:  # the segment's own mask is the answer: no second copy
                return found
        key = ("snapshot", self.serial, field, token)
        mask = _cached(key)
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
        return _remember(key, mask)

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
            key = ("segment", self.kind, segid, "#bigrams")
            vocabulary = _cached(key)
            if vocabulary is None:
                vocabulary = frozenset(
                    text for text in (term.decode("utf-8") for term in leaf.lexicon("name"))
                    if len(text) == 2 and not text.isascii())
                _remember(key, vocabulary, _set_size(vocabulary))
            if bigram in vocabulary:
                return True
        return False

    def _per_segment(self, tag: str, name: str, read):
        """(base, ``read(column reader, document count)``) of each segment, cached per segment."""
        for leaf, base, segid, count in self.leaves:
            key = ("segment", self.kind, segid, tag, name)
            found = _cached(key)
            if found is None:
                found = _remember(key, read(leaf.column_reader(name, translate=False), count))
            yield base, found

    def column(self, name: str) -> np.ndarray:
        """A sortable numeric column for every document (cached per segment and snapshot)."""
        if len(self.leaves) == 1:  # the segment's own column
            return next(self._per_segment("#column", name, numeric_values))[1]
        key = ("snapshot", self.serial, "#column", name)
        values = _cached(key)
        if values is not None:
            return values
        parts = [values for _, values in self._per_segment("#column", name, numeric_values)]
        if not parts:
            return np.zeros(0, dtype=np.int64)
        return _remember(key, np.concatenate(parts))

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


def _budget_of_app() -> None:
    """Take the budget from the app's ``SEARCH_CACHE_BYTES`` when there is an app."""
    if has_app_context():
        budget = current_app.config.get("SEARCH_CACHE_BYTES")
        if budget is not None and budget != _budget[0]:
            set_cache_budget(budget)


def _retire(key: tuple[str, str]) -> None:
    """Stop handing out snapshot ``key`` and forget what was cached for it alone (its
    searcher closes when the last search using it lets it go)."""
    old = _snapshots.pop(key, None)
    if old is not None:
        serial = old.serial
        _drop(lambda entry: not (entry[0] == "snapshot" and entry[1] == serial))


def _drop_unused_segments() -> None:
    """Forget what was cached for segments no open snapshot reads any more (merged away, or
    of a replaced generation)."""
    used = set().union(*(snap.segments() for snap in _snapshots.values()))
    _drop(lambda entry: entry[0] != "segment" or (entry[1], entry[2]) in used)


def snapshot(kind: str, index_dir: str) -> Snapshot:
    """This process's snapshot of index ``kind``, reopened when the index changed.

    Raises ``IndexUnavailable`` when there is no readable index."""
    _budget_of_app()
    root = Path(index_dir)  # a read: a missing folder is no index, not one to create
    key = (kind, str(root))
    with _lock:
        current = _snapshots.get(key)
        if current is not None and current.fresh():
            return current
        generation = current_generation(root)
        if generation is None:
            _retire(key)
            _drop_unused_segments()
            raise IndexUnavailable("no index yet")
        try:
            fresh = Snapshot(kind, generation)
        except IndexUnavailable:
            raise
        except Exception as error:  # a damaged segment file
            raise IndexUnavailable(str(error)) from error
        finally:
            if current is not None:
                _retire(key)
        _snapshots[key] = fresh
        _drop_unused_segments()
        return fresh


def forget_snapshots() -> None:
    """Drop every open snapshot (after a rebuild in this process, and between tests)."""
    with _lock:
        for key in list(_snapshots):
            _retire(key)
        _drop_unused_segments()


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
