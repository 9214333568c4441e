"""What the site layout needs on every page: enumeration labels and language links."""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote, urlencode

from babel import Locale
from flask import current_app, request
from flask_babel import get_locale

from registry.public.labels import label


def language_url(locale: str) -> str:
    """The current page in ``locale``: same path and query, with ``lang`` replaced."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    args.append(("lang", locale))
    return quote(request.script_root + request.path) + "?" + urlencode(args)


@lru_cache(maxsize=16)
def parsed_locale(code: str) -> Locale:
    """``Locale.parse(code)``, remembered: parsing reads Babel's locale files (about a
    millisecond), and every page asks."""
    return Locale.parse(code)


def language_code() -> str:
    """The configured code (``zh_CN`` or ``en``) of the locale this request is served in.

    ``str(get_locale())`` would say ``zh_Hans_CN``, which matches no configured code.
    """
    selected = get_locale()
    for code in current_app.config["LANGUAGES"]:
        if parsed_locale(code) == selected:
            return code
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def html_lang(code: str) -> str:
    """A BCP 47 tag for the ``lang`` attribute (zh_CN → zh-CN)."""
    return code.replace("_", "-")


def layout_helpers() -> dict:
    """Template globals for every page, public or not (a context processor)."""
    return {
        "label": label,
        "language_url": language_url,
        "language_code": language_code(),
        "html_lang": html_lang,
    }
