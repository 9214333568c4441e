"""Characters no record can hold, refused at the door of every request.

PostgreSQL's text columns cannot store NUL (U+0000), and a lone UTF-16 surrogate
(U+D800–U+DFFF, which JSON's ``"\\ud800"`` escape can carry) cannot be encoded at all: either
would fail deep in a query, after validation, as a server error. No person types them, so
rather than teach every field and service about them, a request whose query string, form or
JSON body holds one is answered 400 before any view runs, naming the fields (in JSON under
``/api/``, on the error page otherwise). Other control characters are refused by the text
cleaners (``registry.text``) beside their field, like any other typing error.
"""
from __future__ import annotations

import re
from typing import Iterator

from flask import current_app, make_response, render_template, request
from flask_babel import gettext as _

from registry.api.errors import api_error

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_MAX_NAMES = 10  # fields named in the answer


def _json_strings(value, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            yield name, str(key)
            yield from _json_strings(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_strings(item, f"{path}.{index}" if path else str(index))


def _inputs() -> Iterator[tuple[str, str]]:
    for name, value in request.args.items(multi=True):
        yield name, name
        yield name, value
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype == "application/json":
            yield from _json_strings(request.get_json(silent=True), "")
        elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") \
                and (request.content_length or 0) <= (current_app.config["MAX_CONTENT_LENGTH"] or 0):
            # A larger body is left unread here: a view that accepts more (the imports) sets
            # its own limit before the form is parsed; every other view answers 413.
            for name, value in request.form.items(multi=True):
                yield name, name
                yield name, value
            for name, upload in request.files.items(multi=True):
                yield name, upload.filename or ""


def refuse_unstorable_characters():
    """A 400 naming the fields that hold NUL or a lone surrogate; None when there is none."""
    names: list[str] = []
    for name, value in _inputs():
        if _UNSTORABLE.search(value):
            shown = _UNSTORABLE.sub("\ufffd", name)
            if shown not in names:
                names.append(shown)
    if not names:
        return None
    listed = "、".join(names[:_MAX_NAMES])
    message = _("提交的内容包含无法保存的字符（如空字符），请删除后重试：%(fields)s", fields=listed)
    if request.path.startswith("/api/"):
        return api_error(400, "invalid_characters", message,
                         {name: _("包含无法保存的字符。") for name in names[:_MAX_NAMES]})
    response = make_response(render_template("errors/error.html", code=400, message=message))
    response.status_code = 400
    return response
