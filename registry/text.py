"""Cleaning of text typed by people: Unicode normalisation, trimming, length limits, and the
characters an official name may contain. Shared by every form, the API and the importers."""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any, Optional

from flask_babel import lazy_gettext as _l

# Punctuation that appears in real names of organisations and people.
NAME_PUNCTUATION = set("()（）·・.-—、&＆ '\"“”《》[]【】")
_SPACES = re.compile(r"\s+")
# Full-width punctuation that Chinese writing uses as such (registered names are written
# 某某（烟台）有限公司): kept, while NFKC turns full-width letters, digits and spaces into ASCII.
_KEPT_PUNCTUATION = re.compile("([（），：；！？])")


def _nfkc(text: str) -> str:
    return "".join(part if _KEPT_PUNCTUATION.fullmatch(part) else unicodedata.normalize("NFKC", part)
                   for part in _KEPT_PUNCTUATION.split(text))


class TextProblem(ValueError):
    """Why a value was refused (a translated message)."""


# Every date the registry accepts (decisions, certificates, employment, filters) lies in these
# years; anything else is a typing error, and refusing it keeps huge years out of the parsers.
MIN_YEAR = 1900
MAX_YEAR = 2100
_DATE_PARTS = re.compile(r"[-/.年月日]")


def clean_date(value: Any, *, required: bool = False) -> Optional[date]:
    """A date from a ``date`` or ``YYYY-MM-DD`` text (also 2020/3/1 and 2020年3月1日), with
    its year between MIN_YEAR and MAX_YEAR; TextProblem otherwise. The one date parser of
    forms, the API, the importers and query strings."""
    if isinstance(value, date):
        return check_year(value)
    text = normalise(value)
    if not text:
        if required:
            raise TextProblem(_l("此项为必填项。"))
        return None
    parts = [part for part in _DATE_PARTS.split(text.rstrip("日")) if part]
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts) \
            or len(parts[1]) > 2 or len(parts[2]) > 2:
        raise TextProblem(_l("日期格式应为 YYYY-MM-DD。"))
    if len(parts[0]) != 4 or not MIN_YEAR <= int(parts[0]) <= MAX_YEAR:
        raise _year_problem()  # a year of any length is judged without converting it
    year, month, day = (int(part) for part in parts)
    try:
        return date(year, month, day)
    except ValueError:
        raise TextProblem(_l("没有这一天，请检查月份和日期。")) from None


def check_year(value: date) -> date:
    """``value`` when its year is in the accepted range; TextProblem otherwise."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise _year_problem()
    return value


def _year_problem() -> TextProblem:
    return TextProblem(_l("年份应在 %(low)d 至 %(high)d 之间。", low=MIN_YEAR, high=MAX_YEAR))


def normalise(value: object) -> str:
    """NFKC (full-width letters and digits become ASCII), trimmed, inner spaces collapsed."""
    text = _nfkc("" if value is None else str(value))
    return _SPACES.sub(" ", text).strip()


def normalise_multiline(value: object) -> str:
    """NFKC and trimmed; line breaks kept, other control characters removed."""
    text = _nfkc("" if value is None else str(value)).replace("\r\n", "\n")
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    return text.strip()


def clean_text(value: object, *, max_length: int, required: bool = False,
               multiline: bool = False, min_length: int = 0) -> Optional[str]:
    """A cleaned single- or multi-line text, None when empty and optional."""
    text = normalise_multiline(value) if multiline else normalise(value)
    if not text:
        if required:
            raise TextProblem(_l("此项为必填项。"))
        return None
    if any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in text):
        raise TextProblem(_l("包含无法识别的控制字符。"))
    if len(text) > max_length:
        raise TextProblem(_l("不能超过 %(n)d 个字符（现为 %(m)d 个）。", n=max_length, m=len(text)))
    if len(text) < min_length:
        raise TextProblem(_l("至少需要 %(n)d 个字符。", n=min_length))
    return text


def clean_name(value: object, *, max_length: int, min_length: int = 2,
               required: bool = True) -> Optional[str]:
    """An official name: letters (any script), digits and the punctuation names use.

    Angle brackets, emoji and other symbols are refused: they never belong to a registered
    name, and refusing them keeps markup and look-alike tricks out of public listings.
    """
    text = clean_text(value, max_length=max_length, required=required, min_length=min_length)
    if text is None:
        return None
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] in "LNM" or ch in NAME_PUNCTUATION:
            continue
        raise TextProblem(_l("名称中不能包含“%(ch)s”这样的符号。", ch=ch))
    return text
