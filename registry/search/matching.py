"""What a typed query matches: words, pinyin, identifiers and vocabulary labels, as masks.

A query is split into words (CJK runs and ASCII runs, after normalisation); every word must
match (AND). A CJK word matches when all its bigrams (rjieba pieces, bigrammed) occur in the
name or the other text, or when it is part of a vocabulary label (类型, 服务, 人群, 资质, 专长)
the document carries. An ASCII word matches as itself, as full pinyin of the name
(``xinhai``, ``xin hai``) or as its initials (``xhxl``). The whole query also matches an
identifier (USCC, certificate number) or the exact name: those rank first.
"""
from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field

import numpy as np
import rjieba
from markupsafe import Markup

from registry import vocabulary
from registry.search.analysis import (
    is_cjk,
    normalise,
    pinyin_query_tokens,
    query_pieces,
    split_pinyin,
    words,
)
from registry.search.documents import label_source

ORGANISATION_LABELS = (("type", vocabulary.ORGANISATION_TYPES), ("service", vocabulary.SERVICES),
                       ("population", vocabulary.POPULATIONS), ("modality", vocabulary.MODALITIES))
PRACTITIONER_LABELS = (("qualification", vocabulary.QUALIFICATION_KINDS),
                       ("specialty", vocabulary.SPECIALTIES))
EXACT_TIER = 1000
NAME_TIER = 100


@functools.cache
def _labels(groups: tuple) -> tuple[tuple[str, str], ...]:
    """(normalised label, filter term) of every vocabulary term in ``groups``."""
    return tuple((normalise(label_source(term)), f"{prefix}:{term.code}")
                 for prefix, terms in groups for term in terms)


@dataclass
class Match:
    """The documents a query text matches, and how well."""

    mask: np.ndarray            # every word matched (or an identifier / the exact name)
    exact: np.ndarray           # the exact name or an identifier matched
    tier: np.ndarray            # EXACT_TIER for exact, + NAME_TIER × share of words in the name
    words: list[str] = field(default_factory=list)
    highlight: list[str] = field(default_factory=list)

    @property
    def has_text(self) -> bool:
        return bool(self.words)


def query_words(text: str) -> list[str]:
    """The words of a normalised query; an all-letters query that is pinyin when its spaces
    are removed (``xin hai``) becomes one word."""
    found = words(text)
    if len(found) > 1 and all(word.isascii() and word.isalpha() for word in found):
        joined = "".join(found)
        syllables = split_pinyin(joined)
        if syllables and len(syllables) >= 2:
            return [joined]
    return found


def _cjk_word(snap, word: str, labels) -> tuple[np.ndarray, np.ndarray]:
    pieces = query_pieces(word)
    anywhere = snap.all_of(("name", "text"), pieces)
    in_name = snap.all_of(("name",), pieces)
    if len(word) >= 2:  # every piece in the label: 二级咨询师 → 心理咨询师（国家职业资格二级）
        terms = [term for label, term in labels
                 if word in label or all(piece in label for piece in pieces)]
        if terms:
            anywhere = anywhere | snap.any_of("f", terms)
    return anywhere, in_name


def _ascii_word(snap, word: str) -> tuple[np.ndarray, np.ndarray]:
    in_name = snap.term("name", word)
    if word.isalpha() and len(word) >= 2:
        full, initials = pinyin_query_tokens(word)
        syllables = split_pinyin(word)
        if full:
            in_name = in_name | snap.all_of(("name",), full)
        if initials and not (syllables and len(syllables) >= 2):
            in_name = in_name | snap.all_of(("name",), initials)
    anywhere = in_name | snap.term("text", word) | snap.term("ident", word)
    return anywhere, in_name


def word_match(snap, word: str, labels=()) -> tuple[np.ndarray, np.ndarray]:
    """(documents matching ``word`` anywhere, documents matching it in the name)."""
    if is_cjk(word):
        return _cjk_word(snap, word, _labels(labels))
    return _ascii_word(snap, word)


def match(snap, text: str, labels, related=None) -> Match:
    """Match the query ``text`` against snapshot ``snap``; an empty text matches everything.

    ``related(word)``, when given, returns more documents matching a word (practitioners
    through their organisation's name)."""
    normalised = normalise(text)
    found = query_words(normalised)
    if not found:
        live = snap.live
        return Match(live, snap.empty, np.zeros(snap.size, dtype=np.int64))
    mask = None
    in_name_count = np.zeros(snap.size, dtype=np.int64)
    for word in found:
        anywhere, in_name = word_match(snap, word, labels)
        if related is not None:
            anywhere = anywhere | related(word)
        mask = anywhere if mask is None else mask & anywhere
        in_name_count += in_name
    compact = normalised.replace(" ", "")
    exact = snap.term("ident", "n:" + normalised) | snap.term("ident", compact)
    tier = exact * EXACT_TIER + (in_name_count * NAME_TIER) // len(found)
    return Match(mask | exact, exact, tier, found, highlight_terms(found))


def highlight_terms(found: list[str]) -> list[str]:
    """Substrings to mark in results: CJK words and their rjieba pieces, longest first."""
    terms: set[str] = set()
    for word in found:
        if is_cjk(word):
            terms.add(word)
            terms.update(piece for piece in rjieba.cut(word) if len(piece) >= 2)
        elif len(word) >= 2:
            terms.add(word)
    return sorted(terms, key=len, reverse=True)


def highlight(text: str | None, terms: list[str], width: int | None = None) -> Markup:
    """``text`` escaped, with every occurrence of ``terms`` in ``<mark>``; cut to about
    ``width`` characters around the first mark when given."""
    text = text or ""
    normalised = normalise(text)
    if len(normalised) != len(text):  # NFKC changed the length: match the text as written
        normalised = text.lower()
    spans = [(m.start(), m.end()) for m in _pattern(tuple(terms)).finditer(normalised)] \
        if terms else []
    start, end = 0, len(text)
    if width is not None and len(text) > width:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - width // 4, len(text) - width))
        end = start + width
    pieces, position = ["…" if start > 0 else ""], start
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, position), min(span_end, end)
        if span_start >= span_end:
            continue
        pieces += [html.escape(text[position:span_start], quote=False), "<mark>",
                   html.escape(text[span_start:span_end], quote=False), "</mark>"]
        position = span_end
    pieces.append(html.escape(text[position:end], quote=False))
    pieces.append("…" if end < len(text) else "")
    return Markup("".join(pieces))


@functools.lru_cache(maxsize=1024)
def _pattern(terms: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(re.escape(term) for term in terms))
