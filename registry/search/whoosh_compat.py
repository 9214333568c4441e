"""Every use of Whoosh's internals, in one place, for the one Whoosh version they were written for.

The query engine (``engine.py``), the bulk writer (``bulk.py``) and the index storage
(``storage.py``) use Whoosh's public API — schemas, indexes, writers, searchers — directly.
What they need beyond it lives here and nowhere else:

- reading a posting list a block at a time (``W3LeafMatcher``'s block state and its
  ``_read_data`` / ``_next_block``), and a segment's identity and deleted documents;
- reading a whole numeric or variable-bytes column of a segment in one piece (the column
  readers' file, offsets, lengths, type code and default);
- writing postings a block at a time (``W3PostingsWriter``'s block state) and assembling a
  segment from ``SegmentWriter``'s parts (its per-document and field writers, and the steps of
  its ``commit``: closing, assembling and naming the segment in a new table of contents);
- the codec without length statistics (``W3Codec.length_stats``);
- what a field's type is made of (its column's type code and default), for the schema check.

These were written against whoosh-reloaded 2.7.5, which is no longer maintained; another
version may lay out any of them differently and return wrong results without failing. So this
module checks the installed version when it is imported — before anything of the search
package can be used — and refuses to start on another one (``UnsupportedWhoosh``). Moving to
another version means re-checking every function here (``tests/search/test_engine_reads.py``,
``test_bulk.py`` and ``test_differential.py`` compare them with Whoosh's own readers and
writers) and then changing ``SUPPORTED``.
"""
from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "whoosh-reloaded"
SUPPORTED = "2.7.5"


class UnsupportedWhoosh(RuntimeError):
    """The installed Whoosh is not the version whose internals this module relies on."""


def check_version(found: str | None) -> None:
    """Raise ``UnsupportedWhoosh`` unless ``found`` is the supported version."""
    if found != SUPPORTED:
        raise UnsupportedWhoosh(
            f"the search engine needs {DISTRIBUTION} {SUPPORTED} exactly (it reads Whoosh's "
            f"internal posting and column formats), but "
            + (f"{DISTRIBUTION} {found} is installed" if found else f"{DISTRIBUTION} is not installed")
            + f"; install the pinned version: pip install '{DISTRIBUTION}=={SUPPORTED}'")


def installed_version() -> str | None:
    """The version of the installed whoosh-reloaded distribution (None: not installed)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


check_version(installed_version())

import whoosh  # noqa: E402  (only once the distribution's version is known to be right)

check_version(whoosh.versionstring())  # the package imported is that distribution's

from whoosh import columns as _columns  # noqa: E402
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3PostingsWriter  # noqa: E402
from whoosh.reading import TermNotFound  # noqa: E402
from whoosh.writing import SegmentWriter  # noqa: E402

import numpy as np  # noqa: E402

__all__ = ["BLOCK", "BlockPostingsWriter", "SegmentBuilder", "SetCodec", "TermNotFound",
           "UnsupportedWhoosh", "deleted_docs", "field_signature", "numeric_values",
           "packed_pairs", "posting_ids", "segments"]

BLOCK = 128  # postings per block, as Whoosh's codec writes them (W3Codec's blocklimit)


# --- codec ----------------------------------------------------------------------------------

class SetCodec(W3Codec):
    """Whoosh's codec without per-posting length statistics. Nothing here is scored by field
    length, and looking lengths up costs a file-existence check per posting when a field has
    none (most of the time of a rebuild). Every writer of these indexes uses it."""

    length_stats = False

    def __init__(self):
        # No zlib per posting block: they are small sets of ids. (Inlining more than one
        # posting in the term table would save more, but is broken in Whoosh 2.7.5.)
        super().__init__(compression=0)


# --- reading --------------------------------------------------------------------------------

def segments(reader) -> list[tuple[object, int, str, int]]:
    """(leaf reader, first document number, segment id, document count) of each segment a
    reader reads; the id is unique per segment written. An index without segments (nothing
    was ever added) has none."""
    found = []
    for leaf, base in reader.leaf_readers():
        segment = leaf.segment() if hasattr(leaf, "segment") else None
        if segment is not None:
            found.append((leaf, base, segment.segment_id(), leaf.doc_count_all()))
    return found


def deleted_docs(leaf) -> list[int]:
    """The deleted document numbers of a leaf reader's segment, in order."""
    return sorted(leaf.segment().deleted_docs() or ()) if leaf.has_deletions() else []


def posting_ids(matcher) -> np.ndarray:
    """All document numbers of a posting list, a block at a time where the format allows.

    A segment with deletions wraps its matchers to skip deleted documents; the wrapper is
    peeled off because the engine applies deletions itself (its live mask)."""
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


def numeric_values(reader, count: int) -> np.ndarray:
    """Every document's value of one segment's numeric column, read in one piece.

    Whoosh's NumericColumn stores fixed-width big-endian values for the documents up to the
    last one with a non-default value (gaps filled with the default); the rest are the default.
    Going through the reader one document at a time cost ~1 s for a 360,000-document segment:
    a process's first search paid it. Any other reader (a segment without the column) is read
    the slow way."""
    if not isinstance(reader, _columns.NumericColumn.Reader):
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
    if not isinstance(reader, _columns.VarBytesColumn.Reader):
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


# --- writing --------------------------------------------------------------------------------

class BlockPostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer fed a whole sorted list of document numbers at once."""

    def add_ids(self, ids) -> None:
        for start in range(0, len(ids), BLOCK):
            if self._ids:
                self._write_block()
            chunk = ids[start:start + BLOCK]
            self._ids = chunk
            # Weights stay empty: the codec writes "all weights are 1" for an empty list
            # (existence postings have no weight), and the total is counted here instead.
            self._maxweight = 1.0
            self._terminfo._weight += len(chunk)


class SegmentBuilder:
    """One new segment of an index, written with Whoosh's ``SegmentWriter`` (its lock, its
    new segment, its per-document writer for stored fields and columns, its table of
    contents) but with postings given a whole term at a time instead of through its pool."""

    def __init__(self, ix, codec):
        self._writer = SegmentWriter(ix, codec=codec)
        self.schema = self._writer.schema
        # The codec's per-document writer: start_doc, add_field, add_column_value, finish_doc.
        self.perdoc = self._writer.perdocwriter

    def write_field(self, name: str, fieldobj, terms) -> None:
        """Write one field's postings: ``terms`` yields (term bytes, sorted document
        numbers) in term order."""
        fieldwriter = self._writer.fieldwriter
        fieldwriter.start_field(name, fieldobj)
        postwriter = BlockPostingsWriter(fieldwriter._postfile, BLOCK, compression=0)
        fieldwriter._postwriter = postwriter
        for btext, ids in terms:
            fieldwriter.start_term(btext)
            postwriter.add_ids(ids)
            fieldwriter.finish_term()
        fieldwriter.finish_field()

    def finish_documents(self) -> None:
        """Close the per-document files (before the postings are written)."""
        self._writer.perdocwriter.close()

    def commit(self, doccount: int) -> None:
        """Write the segment of ``doccount`` documents and a table of contents naming it
        after the index's other segments (then the index shows it), and release the lock."""
        writer = self._writer
        try:
            writer.fieldwriter.close()
            writer._added = True
            writer.docnum = doccount
            writer._close_segment()
            writer._assemble_segment()
            writer._commit_toc(list(writer.segments) + [writer.get_segment()])
        except BaseException:
            self.cancel()
            raise
        writer._finish()

    def cancel(self) -> None:
        """Give up: nothing reaches the index; the lock is released."""
        writer = self._writer
        if not writer.is_closed:
            try:
                writer._close_segment()
            finally:
                writer._finish()

    def cancel_empty(self) -> None:
        """Give up before anything was written."""
        self._writer.cancel()


# --- schema ---------------------------------------------------------------------------------

def field_signature(field) -> tuple:
    """What a field's type is made of, comparable between a schema read from an index and
    the schema this version writes: the field's class, its postings format and analyzer
    classes, whether it is indexed, stored, unique, scorable, and its column's class with
    the column's parameters (type code, default)."""
    column = getattr(field, "column_type", None)
    fmt = getattr(field, "format", None)
    return (
        f"{type(field).__module__}.{type(field).__qualname__}",
        type(fmt).__qualname__ if fmt is not None else None,
        type(getattr(field, "analyzer", None)).__qualname__,
        bool(getattr(field, "indexed", False)), bool(getattr(field, "stored", False)),
        bool(getattr(field, "unique", False)), bool(getattr(field, "scorable", False)),
        None if column is None else (type(column).__qualname__,
                                     tuple(sorted((key, repr(value))
                                                  for key, value in vars(column).items()))),
    )
