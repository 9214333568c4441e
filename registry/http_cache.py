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
"""
from __future__ import annotations

import hashlib
from typing import Callable, TypeVar

from flask import Flask, Response, current_app, g, request, session

from registry.public.errors import is_api_request

READ_METHODS = ("GET", "HEAD")
SHARED = "shared_cacheable"  # the attribute marking a view function
F = TypeVar("F", bound=Callable)


def shared_cacheable(view: F) -> F:
    """Mark ``view`` as a public read: its anonymous, successful answers may be kept by
    shared caches (a reverse proxy) and browsers. Put it under the route decorator."""
    setattr(view, SHARED, True)
    return view


def install(app: Flask) -> None:
    """Apply the policy to every response of ``app``. Call before any other after-request
    function is registered: Flask runs them in reverse, so this one sees the final headers
    (the language cookie, the API's CORS headers)."""
    app.after_request(apply_policy)


def apply_policy(response: Response) -> Response:
    """Set ``Cache-Control`` (and ``ETag``, ``Vary``, 304) on ``response``; see the module."""
    if request.endpoint == "static":  # Flask's own conditional file responses
        return response
    api = response.is_json and is_api_request()
    personal = _is_personal(api)
    if request.method in READ_METHODS and response.status_code == 200 \
            and not response.is_streamed:
        if not personal and _marked() and not _writes_cookie(response) \
                and not _carries_csrf_token():
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
    seconds = current_app.config["PUBLIC_CACHE_SECONDS"]
    stale = current_app.config["PUBLIC_CACHE_STALE_SECONDS"]
    policy = "no-cache"  # caching turned off: revalidate every time (304s still spare bodies)
    if seconds:
        policy = f"public, max-age={seconds}"
        policy += f", stale-while-revalidate={stale}" if stale else ""
    response.vary.add("Cookie")  # the language cookie, and a login, change the answer
    return _validate(response, policy)


def _validate(response: Response, policy: str) -> Response:
    """A strong ETag over the body and the register's date; ``If-None-Match`` → 304."""
    from registry.clock import local_today

    response.headers["Cache-Control"] = policy
    digest = hashlib.sha1(response.get_data(), usedforsecurity=False)
    digest.update(local_today().isoformat().encode("ascii"))
    response.set_etag(digest.hexdigest())
    return response.make_conditional(request)


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
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in g
