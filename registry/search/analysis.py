"""Chinese text analysis for the index and for queries, chosen by measurement.

``shared/notes/search-evaluation.md`` measured four analysers on 8 probe queries: word
segmenters (jieba, rjieba) found 5/8, character bigrams + unigrams 6/8, and a bigram index
queried with rjieba-segmented, then bigrammed, queries 8/8. So documents are indexed as
character bigrams (plus unigrams for names and addresses, so that one character such as 海
matches), and a query word is first cut by ``rjieba`` and each piece bigrammed: 二级咨询师 →
二级 + 咨询师 → {二级, 咨询, 询师}, which all occur in 国家二级心理咨询师 although the bigram 级咨
does not. Everything is normalised the same way on both sides: NFKC (full-width letters and
digits), traditional → simplified (OpenCC ``t2s``), lower case.

Names also get pinyin tokens: consecutive syllable pairs (``xin|hai``) for full pinyin typed
with or without spaces, the first syllable alone (a surname such as ``wang``), and initial-letter bigrams and trigrams (``xhx``) for initials.
"""
from __future__ import annotations

import functools
import re
import unicodedata

import opencc
import rjieba
from pypinyin import lazy_pinyin
from pypinyin.seg.mmseg import seg as _phrase_segmenter

# A CJK ideograph run, or a run of ASCII letters/digits; everything else separates words.
_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SPACES = re.compile(r"\s+")


@functools.cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalise(text: str | None) -> str:
    """NFKC, traditional → simplified, lower case, single spaces, trimmed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _converter().convert(text).lower()
    return _SPACES.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """The CJK runs and ASCII alphanumeric runs of normalised ``text``."""
    return _WORD.findall(text)


def is_cjk(word: str) -> bool:
    """Whether ``word`` is made of ideographs."""
    return bool(_CJK.match(word))


def bigrams(run: str) -> list[str]:
    """Character bigrams of a CJK run; a single character stays itself."""
    if len(run) < 2:
        return [run] if run else []
    return [run[i:i + 2] for i in range(len(run) - 1)]


def text_tokens(text: str | None, unigrams: bool = False, limit: int | None = None) -> set[str]:
    """Index tokens of a text: bigrams of each CJK run (and its characters with ``unigrams``),
    each ASCII run whole. ``limit`` caps the characters analysed (long descriptions)."""
    normalised = normalise(text)
    if limit is not None:
        normalised = normalised[:limit]
    tokens: set[str] = set()
    for word in words(normalised):
        if is_cjk(word):
            tokens.update(bigrams(word))
            if unigrams:
                tokens.update(word)
        else:
            tokens.add(word)
    return tokens


def _merge_single_characters(pieces: list[str]) -> list[str]:
    """rjieba splits words it does not know (心海) into characters; rejoin such runs, so that
    心海 asks for the bigram 心海 rather than for 心 and 海 anywhere."""
    merged: list[str] = []
    in_run = False
    for piece in pieces:
        if len(piece) == 1 and in_run:
            merged[-1] += piece
        else:
            merged.append(piece)
        in_run = len(piece) == 1 or (in_run and len(piece) == 1)
    return merged


def query_pieces(word: str) -> list[str]:
    """Token lists a query word must all match: rjieba pieces, each bigrammed (see above)."""
    if not is_cjk(word):
        return [word]
    tokens: list[str] = []
    for piece in _merge_single_characters(rjieba.cut(word)):
        for token in bigrams(piece):
            if token not in tokens:
                tokens.append(token)
    return tokens


# --- pinyin -------------------------------------------------------------------------------

@functools.lru_cache(maxsize=100_000)
def _phrase_syllables(phrase: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(phrase))


def run_syllables(run: str) -> list[str]:
    """Pinyin syllables of a CJK run, as ``lazy_pinyin(run)`` gives them.

    pypinyin cuts a run into dictionary phrases (its maximum-matching segmenter) and reads
    each phrase; the reading of a phrase does not depend on its neighbours, so phrases are
    cached here. Names share most of their phrases (心理, 咨询, 有限公司, city names and
    common given names), which makes a rebuild's pinyin several times cheaper."""
    syllables: list[str] = []
    for phrase in _phrase_segmenter.cut(run):
        syllables.extend(_phrase_syllables(phrase))
    return syllables


def name_syllables(name: str | None) -> list[list[str]]:
    """Pinyin syllables of each CJK run of a name (normalised here)."""
    return [run_syllables(word) for word in words(normalise(name)) if is_cjk(word)]


def pinyin_tokens(runs: list[list[str]]) -> set[str]:
    """Pinyin index tokens of a name's syllable runs: the first syllable, syllable pairs,
    initials trigrams, and initials bigrams for short runs (person names: ``wx``)."""
    tokens: set[str] = set()
    for syllables in runs:
        if not syllables:
            continue
        tokens.add("p:" + syllables[0])
        tokens.update(f"p:{a}|{b}" for a, b in zip(syllables, syllables[1:]))
        initials = "".join(s[0] for s in syllables if s)
        if len(initials) <= 4:
            tokens.update("i:" + initials[i:i + 2] for i in range(len(initials) - 1))
        tokens.update("i:" + initials[i:i + 3] for i in range(len(initials) - 2))
    return tokens


def _toneless(reading: str) -> str:
    decomposed = unicodedata.normalize("NFKD", reading).replace("u\u0308", "v")  # ǚ → v
    return decomposed.encode("ascii", "ignore").decode().lower()


@functools.cache
def _readings() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(character, toneless readings) of every common ideograph pypinyin knows."""
    from pypinyin.pinyin_dict import pinyin_dict

    return tuple((chr(code), tuple({_toneless(r) for r in readings.split(",")}))
                 for code, readings in pinyin_dict.items() if 0x4E00 <= code <= 0x9FFF)


@functools.cache
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (ü written v, as lazy_pinyin does)."""
    return frozenset(sound for _, sounds in _readings() for sound in sounds if sound.isalpha())


@functools.cache
def homophones() -> dict[str, tuple[str, ...]]:
    """Characters by toneless syllable: what a pinyin input method offers for ``hai``."""
    by_sound: dict[str, list[str]] = {}
    for char, sounds in _readings():
        for sound in sounds:
            by_sound.setdefault(sound, []).append(char)
    return {sound: tuple(chars) for sound, chars in by_sound.items()}


def split_pinyin(letters: str) -> list[str] | None:
    """Split ``xinhai`` into ``[xin, hai]`` (fewest syllables), or None if it is not pinyin."""
    if not letters.isalpha() or len(letters) > 60:
        return None
    syllables = _syllables()
    best: list[list[str] | None] = [None] * (len(letters) + 1)
    best[0] = []
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - 6), end):
            if best[start] is not None and letters[start:end] in syllables:
                candidate = best[start] + [letters[start:end]]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best[len(letters)]


def pinyin_query_tokens(letters: str) -> tuple[list[str] | None, list[str] | None]:
    """(full-pinyin tokens, initials tokens) a lower-case ASCII query word could mean."""
    full = None
    syllables = split_pinyin(letters)
    if syllables and len(syllables) == 1 and len(letters) >= 2:
        full = ["p:" + syllables[0]]
    elif syllables:
        full = [f"p:{a}|{b}" for a, b in zip(syllables, syllables[1:])]
    initials = None
    if letters.isalpha() and 2 <= len(letters) <= 12:
        if len(letters) == 2:  # indexed for short names only (people)
            initials = ["i:" + letters]
        else:
            initials = ["i:" + letters[i:i + 3] for i in range(len(letters) - 2)]
    return full, initials


def pinyin_sort_key(name: str | None, runs: list[list[str]] | None = None) -> str:
    """A key that orders names by pinyin (names sort by reading, not code point)."""
    if runs is not None:
        return " ".join(" ".join(run) for run in runs)
    normalised = normalise(name)
    return " ".join(lazy_pinyin(normalised, errors=lambda chars: list(chars)))
