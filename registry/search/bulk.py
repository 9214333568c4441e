"""A fast writer for whole index rebuilds: one Whoosh segment written in one pass.

Whoosh's ``add_document`` sends every posting through its posting pool (a tuple per posting,
sorted in temporary runs, merged, then added one by one to the codec): about 10–20 µs of pure
Python per posting, and an organisation's document has about 110 postings (measured: this
writer rebuilds about 4 times faster at 10,000 organisations). A rebuild does not need any of
that: documents arrive in order, each token set is already built, and nothing is scored. This
writer collects, per field and token, the document numbers in memory, then writes the segment
with the same codec (``SetCodec``), a whole posting block at a time.

The segment it writes is an ordinary Whoosh segment (same files, same table of contents):
Whoosh opens, searches, updates and merges it like any other, and the engine reads it the
same way. It uses Whoosh's ``SegmentWriter`` for the lock, the new segment, the per-document
writer (stored fields and columns) and the table of contents, and replaces only the posting
path. That relies on internals of whoosh-reloaded 2.7.5 (the version pinned in setup.cfg);
``tests/search/test_bulk.py`` checks that what it writes reads back exactly like what
``add_document`` writes.
"""
from __future__ import annotations

from array import array
from collections import defaultdict

from whoosh import index
from whoosh.codec.whoosh3 import W3PostingsWriter
from whoosh.writing import SegmentWriter

from registry.search.storage import SetCodec

BLOCK = 128  # postings per block, as Whoosh's codec writes them (W3Codec's blocklimit)


def _numbers() -> array:
    return array("I")


class _BlockPostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer fed a whole sorted list of document numbers at once."""

    def add_ids(self, ids: array) -> None:
        for start in range(0, len(ids), BLOCK):
            if self._ids:
                self._write_block()
            chunk = ids[start:start + BLOCK]
            self._ids = chunk
            # Weights stay empty: the codec writes "all weights are 1" for an empty list
            # (existence postings have no weight), and the total is counted here instead.
            self._maxweight = 1.0
            self._terminfo._weight += len(chunk)


class BulkWriter:
    """Adds documents of one index into one new segment; ``commit`` writes it.

    ``add(doc)`` takes the same dictionaries as ``IndexWriter.add_document`` (token fields as
    lists of tokens). Only for indexes whose token fields have existence postings
    (``TokenSet`` and ``ID``): that is all of them (``registry.search.storage.schema``)."""

    def __init__(self, ix: index.Index):
        self._codec = SetCodec()
        self._writer = SegmentWriter(ix, codec=self._codec)
        self._schema = self._writer.schema
        self._indexed = [name for name in self._schema.names() if self._schema[name].indexed]
        self._stored = [name for name in self._schema.names() if self._schema[name].stored]
        self._columns = [(name, self._schema[name].column_type) for name in self._schema.names()
                         if self._schema[name].column_type is not None]
        # Document numbers as arrays, not lists: arrays are invisible to the cyclic garbage
        # collector, which otherwise rescans millions of lists ever more often as they grow.
        self._postings: dict[str, defaultdict] = {name: defaultdict(_numbers)
                                                  for name in self._indexed}
        self._docnum = 0
        self.count = 0

    def add(self, doc: dict) -> None:
        """Add one document (its number is the count of documents added before it)."""
        docnum = self._docnum
        perdoc = self._writer.perdocwriter
        perdoc.start_doc(docnum)
        for name in self._indexed:
            value = doc.get(name)
            if value is None:
                continue
            postings = self._postings[name]
            for token in ((value,) if isinstance(value, str) else set(value)):
                postings[token].append(docnum)
        for name in self._stored:
            value = doc.get(name)
            if value is not None:
                perdoc.add_field(name, self._schema[name], value, 0)
        for name, column in self._columns:
            value = doc.get(name)
            if value is not None:
                perdoc.add_column_value(name, column, self._schema[name].to_column_value(value))
        perdoc.finish_doc()
        self._docnum += 1
        self.count += 1

    def _write_postings(self) -> None:
        fieldwriter = self._writer.fieldwriter
        for name in sorted(self._postings):
            terms = self._postings[name]
            if not terms:
                continue
            fieldobj = self._schema[name]
            fieldwriter.start_field(name, fieldobj)
            postwriter = _BlockPostingsWriter(fieldwriter._postfile, BLOCK, compression=0)
            fieldwriter._postwriter = postwriter
            for btext, token in sorted((fieldobj.to_bytes(token), token) for token in terms):
                fieldwriter.start_term(btext)
                postwriter.add_ids(terms[token])
                fieldwriter.finish_term()
            fieldwriter.finish_field()
            terms.clear()

    def commit(self) -> None:
        """Write the segment and a table of contents naming it (then the index shows it)."""
        writer = self._writer
        if not self.count:
            writer.cancel()
            return
        try:
            writer.perdocwriter.close()
            self._write_postings()
            writer.fieldwriter.close()
            writer._added = True
            writer.docnum = self._docnum
            writer._close_segment()
            writer._assemble_segment()
            writer._commit_toc(list(writer.segments) + [writer.get_segment()])
        except BaseException:
            self.cancel()
            raise
        writer._finish()

    def cancel(self) -> None:
        """Give up: nothing reaches the index."""
        writer = self._writer
        if not writer.is_closed:
            try:
                writer._close_segment()
            finally:
                writer._finish()
