"""Who may keep a copy of an answer, and for how long: one policy for every response.

Anonymous reads of public pages and of the API (views marked ``@shared_cacheable``) are
``Cache-Control: public`` for ``PUBLIC_CACHE_SECONDS`` (and may be served stale for
``PUBLIC_CACHE_STALE_SECONDS`` while a proxy revalidates), with a strong ``ETag`` over the
body and the register's date, and ``If-None-Match`` answered 304. The ETag hashes what was
sent, so any change to a record changes the validator of every page showing it the moment it
is committed, and a status that changes at local midnight without any write (a suspension
ending: ``registry.sanctions.status``) changes it too; the short max-age bounds how long a
proxy serves a copy it has not revalidated.

Nothing else is shared: a logged-in visitor's pages (Flask-Login session) and reads with a
bearer token are ``private, no-store`` (token reads ``private, no-cache``: still ETag and
304, for the client's own cache); so is any answer that writes a cookie (a flash message
read, a language chosen, a session re-stamped) or carries a CSRF token, and every other
dynamic answer (forms, redirects, error pages) is ``no-store`` unless its view said otherwise.
The language comes from ``?lang=`` or the ``lang`` cookie (``registry.select_locale``; no
``Accept-Language`` negotiation), so shared answers carry ``Vary: Cookie``.

Pages drawn from the records alone (``@versioned_page``: an organisation's or practitioner's
page, a region, the notice) are also kept by each worker, rendered, for an anonymous visitor:
the key is the absolute URL, the language and the register's version (``register_version``:
the newest search change-log row, its newest position and the newest audit event, which
every change of a public record moves, and the local date), and the kept page's ETag is reused, so a
repeat view or a revalidation (304) costs one query and no rendering. A kept page is reused
for at most ``PAGE_CACHE_SECONDS``, which bounds what the version cannot see (a reference
table loaded by a command, a write that bypasses the ORM); ``PAGE_CACHE_BYTES`` bounds the
memory.
"""
from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Callable, NamedTuple, Optional, TypeVar

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, make_response, request, session

from registry.public.errors import is_api_request

READ_METHODS = ("GET", "HEAD")
SHARED = "shared_cacheable"  # the attribute marking a view function
F = TypeVar("F", bound=Callable)


def shared_cacheable(view: F) -> F:
    """Mark ``view`` as a public read: its anonymous, successful answers may be kept by
    shared caches (a reverse proxy) and browsers. Put it under the route decorator."""
    setattr(view, SHARED, True)
    return view


class _Kept(NamedTuple):
    body: bytes
    content_type: str
    etag: str
    stored: float  # time.monotonic()


class PageCache:
    """One app's rendered pages (per worker process), least recently used out first."""

    def __init__(self) -> None:
        self._pages: OrderedDict[tuple, _Kept] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple, seconds: int) -> Optional[_Kept]:
        """The page kept under ``key`` if it is at most ``seconds`` old."""
        with self._lock:
            kept = self._pages.get(key)
            if kept is None:
                return None
            if time.monotonic() - kept.stored > seconds:
                self._forget(key)
                return None
            self._pages.move_to_end(key)
            return kept

    def put(self, key: tuple, kept: _Kept, budget: int) -> None:
        """Keep ``kept``, dropping the least recently used pages beyond ``budget`` bytes."""
        if len(kept.body) > budget:
            return
        with self._lock:
            if key in self._pages:
                self._forget(key)
            self._pages[key] = kept
            self._bytes += len(kept.body)
            while self._bytes > budget:
                self._forget(next(iter(self._pages)))

    def clear(self) -> None:
        """Drop every kept page."""
        with self._lock:
            self._pages.clear()
            self._bytes = 0

    @property
    def size(self) -> tuple[int, int]:
        """(pages, bytes) kept."""
        with self._lock:
            return len(self._pages), self._bytes

    def _forget(self, key: tuple) -> None:
        self._bytes -= len(self._pages.pop(key).body)


VERSION_ETAG = "versioned_etag"  # g: the ETag a versioned page's answer carries


def register_version() -> tuple:
    """What changes whenever a public record does: the newest search change-log row and
    audit event, and the local date (statuses that end at midnight). One query a request."""
    from registry.audit.models import AuditEvent
    from registry.clock import local_today
    from registry.extensions import db
    from registry.search.models import SearchOutbox

    if "register_version" not in g:
        # The log's newest id moves when a change commits; its newest position when the
        # change is numbered in commit order (a change committed after a later id was
        # already visible moves only the position).
        row = db.session.execute(sa.select(
            sa.select(sa.func.max(SearchOutbox.id)).scalar_subquery(),
            sa.select(sa.func.max(SearchOutbox.position)).scalar_subquery(),
            sa.select(sa.func.max(AuditEvent.id)).scalar_subquery())).one()
        g.register_version = (*(value or 0 for value in row), local_today().isoformat())
    return g.register_version


def versioned_page(view: F) -> F:
    """Mark ``view`` as a public page drawn from the records alone (see the module): its
    anonymous answers are kept rendered per worker and validated by the register's version.
    It is ``@shared_cacheable`` too. Put it under the route decorator."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        seconds = current_app.config["PAGE_CACHE_SECONDS"]
        if not seconds or not _anonymous_read():
            return view(*args, **kwargs)
        from registry.public.layout import language_code

        key = (current_app.extensions["page_build"], request.url, language_code(),
               register_version())
        pages: PageCache = current_app.extensions["page_cache"]
        kept = pages.get(key, seconds)
        if kept is not None:
            g.setdefault(VERSION_ETAG, kept.etag)
            if kept.etag in request.if_none_match:  # the client's copy is current
                response = Response(status=304)
                response.set_etag(kept.etag)
                return response
            return Response(kept.body, content_type=kept.content_type)
        response = make_response(view(*args, **kwargs))
        if response.status_code == 200 and not response.is_streamed \
                and "Set-Cookie" not in response.headers:
            body = response.get_data()
            etag = _body_etag(body)
            g.setdefault(VERSION_ETAG, etag)
            pages.put(key, _Kept(body, response.content_type, etag, time.monotonic()),
                      current_app.config["PAGE_CACHE_BYTES"])
        return response

    setattr(wrapper, SHARED, True)
    return wrapper  # type: ignore[return-value]


def _build_of(app: Flask) -> str:
    """What a deployment changes in rendered pages: the templates and message catalogues
    (names, sizes, modification times), so a versioned page's ETag changes with the code."""
    digest = hashlib.sha1(usedforsecurity=False)
    for folder in (Path(app.root_path) / (app.template_folder or "templates"),
                   Path(app.root_path) / "translations"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def _anonymous_read() -> bool:
    """A read whose answer is the same for every anonymous visitor: no token, no login, no
    message waiting in the session (a flash is shown once, to that visitor)."""
    if request.method not in READ_METHODS or "Authorization" in request.headers:
        return False
    if "_flashes" in session:
        return False
    from flask_login import current_user

    return not current_user.is_authenticated


def install(app: Flask) -> None:
    """Apply the policy to every response of ``app``. Call before any other after-request
    function is registered: Flask runs them in reverse, so this one sees the final headers
    (the language cookie, the API's CORS headers)."""
    app.extensions["page_cache"] = PageCache()
    app.extensions["page_build"] = _build_of(app)
    app.after_request(apply_policy)


def apply_policy(response: Response) -> Response:
    """Set ``Cache-Control`` (and ``ETag``, ``Vary``, 304) on ``response``; see the module."""
    if request.endpoint == "static":  # Flask's own conditional file responses
        return response
    api = response.is_json and is_api_request()
    personal = _is_personal(api)
    shareable = not personal and _marked() and not _writes_cookie(response) \
        and not _carries_csrf_token()
    if response.status_code == 304 and g.get(VERSION_ETAG) is not None:  # versioned_page
        if shareable:
            _share_policy(response)
        else:  # a cookie set on the way: the visitor's own copy is still the current one
            response.headers["Cache-Control"] = "private, no-cache"
        return response
    if request.method in READ_METHODS and response.status_code == 200 \
            and not response.is_streamed:
        if shareable:
            return _share(response)
        if api and response.is_json:  # conditional reads for every API client
            _validate(response, "private, no-cache" if personal else "no-store")
            return response
    if personal or _writes_cookie(response) or _carries_csrf_token():
        response.headers["Cache-Control"] = "private, no-store"
    elif "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def _share(response: Response) -> Response:
    return _validate(response, _share_policy(response))


def _share_policy(response: Response) -> str:
    """The shared answers' ``Cache-Control`` (set on ``response``, with ``Vary``)."""
    seconds = current_app.config["PUBLIC_CACHE_SECONDS"]
    stale = current_app.config["PUBLIC_CACHE_STALE_SECONDS"]
    policy = "no-cache"  # caching turned off: revalidate every time (304s still spare bodies)
    if seconds:
        policy = f"public, max-age={seconds}"
        policy += f", stale-while-revalidate={stale}" if stale else ""
    response.headers["Cache-Control"] = policy
    response.vary.add("Cookie")  # the language cookie, and a login, change the answer
    return policy


def _validate(response: Response, policy: str) -> Response:
    """A strong ETag over the body and the register's date (a kept page's was made when it was
    rendered); ``If-None-Match`` → 304."""
    response.headers["Cache-Control"] = policy
    response.set_etag(g.get(VERSION_ETAG) or _body_etag(response.get_data()))
    return response.make_conditional(request)


def _body_etag(body: bytes) -> str:
    """A hash of what is sent and of the register's date (a status may end at midnight)."""
    from registry.clock import local_today

    digest = hashlib.sha1(body, usedforsecurity=False)
    digest.update(local_today().isoformat().encode("ascii"))
    return digest.hexdigest()


def _is_personal(api: bool) -> bool:
    """Whether the answer may depend on who asks: a bearer token, or a logged-in session."""
    if "Authorization" in request.headers or g.get("api_user") is not None:
        return True
    if api:  # the API's answers never depend on the cookie session
        return False
    from flask_login import current_user

    return bool(current_user.is_authenticated)


def _marked() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, SHARED, False))


def _writes_cookie(response: Response) -> bool:
    """A cookie set by a view or a hook, or the session about to be saved (after this)."""
    return "Set-Cookie" in response.headers or bool(getattr(session, "modified", False))


def _carries_csrf_token() -> bool:
    """Whether the page holds a CSRF token (Flask-WTF keeps the request's token in ``g``)."""
    return current_app.config["WTF_CSRF_FIELD_NAME"] in g
