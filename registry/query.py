"""Numbers in URLs of web pages: record ids in paths and numbers in query strings (page,
ids, a cycle). One parser for every view, so a number that is not one, or one beyond what the
database can hold, is a missing page (404) everywhere and never reaches a query.

API query strings are loaded by marshmallow schemas with the same bounds (``MAX_ID``).
"""
from __future__ import annotations

import re
from typing import Optional

from flask import abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the largest id a 32-bit primary key holds
# Listing pages beyond this are not worth paging to (filters narrow a list instead).
MAX_PAGE = 100_000
_DIGITS = re.compile(r"[0-9]{1,12}")


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` in every route: at most ``MAX_ID`` unless a route sets its own ``max``,
    so ``/organisations/99999999999999999999`` is a 404 from routing, not a database error."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_ID if max is None else max, signed=signed)


def parse_int(raw: object, *, low: int = 1, high: int = MAX_ID) -> Optional[int]:
    """``raw`` (a form field, a query parameter, a cell) as a whole number between ``low`` and
    ``high``, or None: ASCII digits only (``"²"`` or ``"١"`` are not numbers here) and never
    more than 12 of them, so no text converts into a number the database cannot hold (nor
    into one of thousands of digits)."""
    text = str(raw if raw is not None else "").strip()
    if not _DIGITS.fullmatch(text) or not low <= int(text) <= high:
        return None
    return int(text)


def int_arg(name: str, default: Optional[int] = None, *, low: int = 1,
            high: int = MAX_ID) -> Optional[int]:
    """``?name=`` as a number between ``low`` and ``high``; ``default`` when absent or empty;
    anything else is a missing page (404)."""
    return int_value(request.args.get(name), default, low=low, high=high)


def int_value(raw: Optional[str], default: Optional[int] = None, *, low: int = 1,
              high: int = MAX_ID) -> Optional[int]:
    """``raw`` (typed into a URL or a hidden field) as a number between ``low`` and ``high``;
    ``default`` when absent or empty; anything else is a missing page (404)."""
    if raw is None or not raw.strip():
        return default
    number = parse_int(raw, low=low, high=high)
    if number is None:
        abort(404)
    return number


def page_arg(name: str = "page") -> int:
    """``?page=`` (1 when absent), at most ``MAX_PAGE``; anything else is a missing page."""
    return int_arg(name, 1, high=MAX_PAGE)
