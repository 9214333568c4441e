"""Where the index lives: generations on disk, the schemas, opening, swapping and locking.

``SEARCH_INDEX_DIR`` holds generation folders (``gen-…``), each with two Whoosh indexes
(``organisations`` and ``practitioners``), and a symbolic link ``current`` naming the one in
use. A rebuild writes a new generation and replaces the link atomically (``os.replace``),
so searches keep working on the old one meanwhile. Every write to the index happens under
one exclusive file lock (``write.lock``), so exactly one process writes at a time; the
others skip or wait briefly and never see Whoosh's ``LockError``.
"""
from __future__ import annotations

import errno
import fcntl
import gc
import os
import shutil
import time
import uuid
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from whoosh import columns, fields, formats, index
from whoosh.analysis import Tokenizer

from registry.search.whoosh_compat import SetCodec, field_signature

ORGANISATIONS = "organisations"
PRACTITIONERS = "practitioners"
KINDS = (ORGANISATIONS, PRACTITIONERS)
CURRENT = "current"
LOCK_FILE = "write.lock"
# In each generation folder: the last change-log position whose change the generation holds.
POSITION_FILE = "applied-position"


class IndexUnavailable(RuntimeError):
    """The index is missing or cannot be read (it has to be rebuilt)."""


class PretokenizedOnly(Tokenizer):
    """Token fields receive lists made by ``registry.search.analysis``, never raw text."""

    def __call__(self, value, **kwargs):
        raise TypeError("token fields take a list of tokens")


class TokenSet(fields.FieldType):
    """A field holding only which documents contain each token (no frequencies, positions or
    lengths): the engine needs document sets, not BM25, and existence postings are the
    cheapest to write."""

    def __init__(self):
        self.format = formats.Existence()
        self.analyzer = PretokenizedOnly()
        self.scorable = False
        self.stored = False
        self.unique = False
        self.vector = None
        self.spelling = False


def open_writer(ix: index.Index, **options):
    """A writer of ``ix`` with the codec above (commits and merges go through it)."""
    return ix.writer(codec=SetCodec(), **options)


def schema() -> fields.Schema:
    """The schema of both indexes (organisations and practitioners use the same fields)."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        name=TokenSet(),    # name bigrams, characters and pinyin tokens
        text=TokenSet(),    # other text: address, description, organisation names, …
        ident=TokenSet(),   # USCC, certificate numbers, "n:" + the exact normalised name
        f=TokenSet(),       # filter terms: "status:active", "region:3706", "type:…", …
        # Per-document numbers kept as columns only (not indexed: no postings to write).
        key=fields.COLUMN(columns.NumericColumn("q", default=0)),     # the record's id
        org=fields.COLUMN(columns.NumericColumn("q", default=0)),     # a practitioner's organisation
        rank=fields.COLUMN(columns.NumericColumn("q", default=0)),    # static rank
        total=fields.COLUMN(columns.NumericColumn("q", default=0)),   # 10 × total + 1; 0: none
        name_key=fields.COLUMN(columns.NumericColumn("q", default=0)),  # pinyin order
        # A practitioner's other current organisations (``org`` holds the first): their ids
        # as packed unsigned 32-bit integers; empty for almost everyone.
        orgs=fields.COLUMN(columns.VarBytesColumn()),
        data=fields.STORED(),
    )


FIELDS = frozenset(schema().names())


def schema_differences(found: fields.Schema) -> list[str]:
    """The fields of ``found`` (an index's schema) missing, added or of another type than in
    ``schema()``: the name, the class, the postings format, the column and its type code, or
    whether it is stored or unique."""
    expected = {name: field_signature(field) for name, field in schema().items()}
    present = {name: field_signature(field) for name, field in found.items()}
    return sorted(name for name in expected.keys() | present.keys()
                  if expected.get(name) != present.get(name))


def root_of(index_dir: str) -> Path:
    """The configured index folder, created when missing."""
    root = Path(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    return root


def current_generation(root: Path) -> Optional[Path]:
    """The generation folder in use, or None when there is none yet."""
    link = root / CURRENT
    try:
        target = os.readlink(link)
    except OSError:
        return None
    path = root / target
    return path if path.is_dir() else None


def open_indexes(generation: Path) -> dict[str, index.Index]:
    """Both indexes of a generation; raises IndexUnavailable when one cannot be opened or was
    written with other fields than this version's (then it is rebuilt like a missing one)."""
    try:
        indexes = {kind: index.open_dir(str(generation), indexname=kind) for kind in KINDS}
    except Exception as error:  # Whoosh raises several unrelated types for damaged files
        # Whoosh leaves the damaged table-of-contents file open; close it now, quietly,
        # rather than at some later garbage collection (a ResourceWarning there).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            error.__traceback__ = None
            gc.collect()
        raise IndexUnavailable(str(error)) from None
    for kind, ix in indexes.items():
        differences = schema_differences(ix.schema)
        if differences:  # written by an older version: rebuild it
            raise IndexUnavailable(f"the {kind} index has an outdated schema "
                                   f"(fields {', '.join(differences)})")
    return indexes


def read_position(generation: Path) -> Optional[int]:
    """The last log position ``generation`` has applied; None when it records none (an index
    written by an older version, or damaged: it is rebuilt)."""
    try:
        text = (generation / POSITION_FILE).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def write_position(generation: Path, position: int) -> None:
    """Record that ``generation`` holds every change up to ``position``. Written after the
    index commit that applied them, atomically (a new file renamed over the old one), so the
    recorded position is never ahead of the index: a crash in between leaves the previous
    position, and those changes are applied again (harmless: documents are rebuilt from the
    database each time)."""
    temporary = generation / f".{POSITION_FILE}-{uuid.uuid4().hex[:8]}"
    with open(temporary, "w", encoding="ascii") as handle:
        handle.write(f"{int(position)}\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, generation / POSITION_FILE)


def new_generation(root: Path) -> Path:
    """An empty generation folder with both indexes created (not yet in use)."""
    path = root / f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    try:
        for kind in KINDS:
            index.create_in(str(path), schema(), indexname=kind)
    except BaseException:  # a full disk, say: leave no half-made generation behind
        shutil.rmtree(path, ignore_errors=True)
        raise
    return path


def swap_in(root: Path, generation: Path) -> None:
    """Make ``generation`` current atomically, then drop generations older than the previous."""
    previous = current_generation(root)
    temporary = root / f".{CURRENT}-{uuid.uuid4().hex[:8]}"
    os.symlink(generation.name, temporary)
    os.replace(temporary, root / CURRENT)
    keep = {generation.name, previous.name if previous else None}
    for entry in root.iterdir():
        if entry.name.startswith("gen-") and entry.name not in keep and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def write_lock(root: Path, wait: float = 0.0) -> Iterator[bool]:
    """Hold the index's one write lock; yields False when another process keeps it for longer
    than ``wait`` seconds (the caller leaves its work for the next sync)."""
    handle = open(root / LOCK_FILE, "a+")
    deadline = time.monotonic() + wait
    acquired = False
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                acquired = True
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                    break
                time.sleep(0.02)
        yield acquired
    finally:
        if acquired:
            fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
