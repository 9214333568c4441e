"""Reading a page as its reader would: the visible text, the error shown beside a field, the
value a form field kept. One set of helpers for every test module that looks at HTML."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser


class _TextExtractor(HTMLParser):
    """Collects the text a reader sees (no tags)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def visible_text_of(markup: str) -> str:
    """The text of ``markup`` with whitespace collapsed, as a reader would take it in."""
    parser = _TextExtractor()
    parser.feed(markup)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def visible_text(response) -> str:
    """The page's visible text (see ``visible_text_of``)."""
    return visible_text_of(response.get_data(as_text=True))


def text_of(response) -> str:
    """The page's markup with character references decoded (``&lt;`` reads ``<``)."""
    return html.unescape(response.get_data(as_text=True))


def error_beside(page: str, field_id: str) -> str:
    """The error text shown beside the field with ``field_id`` ('' when none): the element
    whose id is ``<field>-error``, which the field names in ``aria-describedby``."""
    found = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def input_value(page: str, field_id: str) -> str | None:
    """The value the input with ``field_id`` carries (None when it has none)."""
    tag = re.search(rf'<input[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    assert tag, f"no input {field_id}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else None


def textarea_value(page: str, field_id: str) -> str:
    """The text in the textarea with ``field_id``."""
    found = re.search(rf'<textarea[^>]*\bid="{re.escape(field_id)}"[^>]*>\r?\n?([^<]*)</textarea>',
                      page)
    assert found, f"no textarea {field_id}"
    return html.unescape(found.group(1))


def is_checked(page: str, value: str) -> bool:
    """Whether the checkbox or radio button with ``value`` is ticked."""
    value = re.escape(value)
    pattern = rf'<input[^>]*\bchecked[^>]*value="{value}"|<input[^>]*value="{value}"[^>]*\bchecked'
    return bool(re.search(pattern, page))
