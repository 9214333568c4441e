"""Error pages in the site's style (JSON under ``/api/``); never a traceback to a user."""
from __future__ import annotations

import contextlib

from flask import Flask, current_app, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from registry.api.errors import api_error
from registry.extensions import db
from registry.validation import NotFound

MESSAGES = {
    400: _l("请求有误，请检查后重试。"),
    403: _l("您没有访问此页面的权限。"),
    404: _l("您要找的页面不存在，可能已被移除或地址有误。"),
    405: _l("不支持这种请求方式。"),
    413: _l("提交的内容过大。"),
    429: _l("请求过于频繁，请稍后再试。"),
    500: _l("服务器出现错误，请稍后再试。"),
    503: _l("服务暂时不可用，请稍后再试。"),
}
# Seconds a client is asked to wait when the database cannot be reached (a restart or a
# fail-over takes a few seconds; the pool reconnects by itself, ``pool_pre_ping``).
DATABASE_RETRY_AFTER = 5
GENERIC_MESSAGE = _l("请求未能完成。")
# Pages with their own template; other codes use the generic one.
OWN_TEMPLATES = (403, 404, 500)
# Shown when even the error page cannot be rendered: no translation, no template.
LAST_RESORT = "500 服务器出现错误，请稍后再试。 / Internal server error."
LAST_RESORT_UNAVAILABLE = "503 服务暂时不可用，请稍后再试。 / Service unavailable."


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""
    app.register_error_handler(HTTPException, handle_http_error)
    # A service's "no such record" is a 404 page (JSON under /api/), whichever view raised it.
    app.register_error_handler(NotFound, lambda error: error_response(404))
    app.register_error_handler(InternalServerError, handle_server_error)
    # A connection refused or cut (OperationalError), or one the driver found closed
    # (InterfaceError): the database is restarting or failing over.
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InterfaceError, handle_database_unavailable)


def is_api_request() -> bool:
    """Whether the request is for the REST API, which answers in JSON."""
    return request.path == "/api" or request.path.startswith("/api/")


def error_code(status: int) -> str:
    """A machine-readable code for an HTTP status, as the API spells them (404 → not_found)."""
    return HTTP_STATUS_CODES.get(status, "error").lower().replace(" ", "_").replace("-", "_")


def error_response(code: int, headers: list[tuple[str, str]] | None = None):
    """The page (or JSON document) for HTTP status ``code``."""
    message = str(MESSAGES.get(code, GENERIC_MESSAGE))
    if is_api_request():
        response = api_error(code, error_code(code), message)
    else:
        template = f"errors/{code}.html" if code in OWN_TEMPLATES else "errors/error.html"
        response = make_response(render_template(template, code=code, message=message))
    response.status_code = code
    for name, value in headers or ():
        if name.lower() != "content-type":  # e.g. Allow on 405, Retry-After on 429
            response.headers[name] = value
    return response


def handle_http_error(error: HTTPException):
    """403, 404, 405 … in the site's style."""
    if error.code is None:
        return error
    return error_response(error.code, error.get_headers())


def handle_server_error(error: InternalServerError):
    """Roll back whatever the failed request left in the session, then a plain 500 page.

    Flask has already logged the exception with its traceback; the user sees none of it.
    """
    try:
        db.session.rollback()
    except Exception:  # the database itself may be what failed
        current_app.logger.exception("rollback after a server error failed")
    try:
        return error_response(500)
    except Exception:
        current_app.logger.exception("the error page itself failed")
        return LAST_RESORT, 500, {"Content-Type": "text/plain; charset=utf-8"}


def handle_database_unavailable(error: OperationalError | InterfaceError):
    """The database could not be reached or dropped the connection (a restart, a fail-over,
    a full disk): 503 with ``Retry-After``, in the site's style, instead of a 500.

    One log line names the error class only: the driver's message can carry the host, the
    database and the user name of the connection.
    """
    current_app.logger.error("database unavailable (%s) on %s %s",
                             type(getattr(error, "orig", None) or error).__name__,
                             request.method, request.path)
    with contextlib.suppress(Exception):  # the connection is gone; the pool discards it
        db.session.rollback()
    headers = [("Retry-After", str(DATABASE_RETRY_AFTER))]
    try:
        return error_response(503, headers)
    except Exception:  # the page needs the database too (the signed-in account, say)
        current_app.logger.error("the 503 page itself failed")
        return (LAST_RESORT_UNAVAILABLE, 503,
                {"Content-Type": "text/plain; charset=utf-8", **dict(headers)})
