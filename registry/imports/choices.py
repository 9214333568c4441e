"""Turning what people type in a spreadsheet into vocabulary codes: a label (Chinese or
English, full- or half-width brackets) or the code itself; lists split on 、 , ; or line breaks.

Only the translation from label to code happens here; whether a code is allowed is decided by
the shared validation (``clean_organisation``, ``clean_practitioner`` …), which reports any
item left unrecognised.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from flask_babel import force_locale

from registry.text import normalise

_SEPARATORS = set("、,，;；\n")
_OPENING, _CLOSING = set("(（[【"), set(")）]】")


def choice_key(text: object) -> str:
    """How labels are compared: NFKC, half-width brackets and slashes, no spaces, lower case."""
    key = normalise(text).translate(str.maketrans("（）／", "()/"))
    return re.sub(r"\s", "", key).lower()


class ChoiceLookup:
    """Code by code or by label, in every language the site speaks."""

    def __init__(self, pairs: Iterable[tuple[str, object]],
                 locales: Iterable[str] = ("zh_CN", "en")):
        self._codes: dict[str, str] = {}
        pairs = tuple(pairs)
        for locale in locales:
            with force_locale(locale):
                for code, label in pairs:
                    self._codes.setdefault(choice_key(label), code)
        for code, _label in pairs:
            self._codes[choice_key(code)] = code

    def code(self, text: str) -> Optional[str]:
        """The code ``text`` names, or None."""
        return self._codes.get(choice_key(text))

    def codes(self, text: str) -> list[str]:
        """The codes of a list cell; unrecognised items are kept as typed (for the validator
        to report by name)."""
        return [self.code(item) or item for item in split_list(text)]


def split_list(text: str) -> list[str]:
    """Items separated by 、 , ; (either width) or line breaks, but not inside brackets:
    ``特殊人群（社区矫正、刑满释放、戒毒康复等）`` stays one item."""
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text or "":
        if ch in _OPENING:
            depth += 1
        elif ch in _CLOSING:
            depth = max(depth - 1, 0)
        if ch in _SEPARATORS and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]
