"""HTTP behaviour shared by every API endpoint: Last-Modified on reads (their ETag, 304 and
Cache-Control come from ``registry.http_cache``, the policy of every response), CORS for
anonymous reads, query-string parsing and the mapping of service errors to statuses.
"""
from __future__ import annotations

from datetime import date
from flask import Blueprint, Response, jsonify, request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError

from registry.api.errors import api_error
from registry.api.messages import translate
from registry.api.schemas import MAX_ID
from registry.auth.policy import PermissionDenied
from registry.disclosure.queries import last_change
from registry.extensions import db
from registry.public.services import PageOutOfRange
from registry.validation import StateConflict, ValidationFailed

READ_METHODS = ("GET", "HEAD")
# Record ids in URLs: digits up to the largest id a 32-bit primary key holds; a larger number is
# a 404 from routing rather than a database overflow.
ID = f"int(max={MAX_ID})"
# What a browser script may send on a cross-origin read, and read back from the answer.
CORS_REQUEST_HEADERS = "Accept, Accept-Language, If-None-Match, If-Modified-Since"
CORS_EXPOSED_HEADERS = "ETag, Last-Modified, Content-Language"


class BadQuery(Exception):
    """The query string did not parse; ``errors`` maps parameters to messages (HTTP 400)."""

    def __init__(self, errors: dict):
        super().__init__(str(errors))
        self.errors = errors


def parse_query(schema: Schema) -> dict:
    """The query string loaded by ``schema``; raises BadQuery (400 with fields)."""
    try:
        return schema.load(request.args)
    except ValidationError as error:
        raise BadQuery(_flatten(error.normalized_messages())) from error


def parse_body(schema: Schema) -> dict:
    """The JSON body loaded by ``schema``: not a JSON object → 400; a field of the wrong
    type, missing or unknown → 422 with fields (as the services' own refusals)."""
    body = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(body, dict):
        raise BadQuery({"body": _("请求体应为 JSON 对象。")})
    try:
        return schema.load(body)
    except ValidationError as error:
        raise ValidationFailed(_flatten(error.normalized_messages())) from error


def _flatten(messages: dict, prefix: str = "") -> dict:
    """marshmallow's nested messages as ``a.0.b: message`` pairs (the services' style)."""
    flat = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = "; ".join(translate(item) for item in value) \
                if isinstance(value, list) else translate(value)
    return flat


def read_response(body, today: date, status: int = 200) -> Response:
    """A JSON read answer carrying ``Last-Modified`` (``registry.http_cache`` adds its ETag
    and answers ``If-None-Match``/``If-Modified-Since`` with 304)."""
    response = jsonify(body)
    response.status_code = status
    response.last_modified = last_change(today)
    return response


def allow_cors(response: Response) -> Response:
    """``Access-Control-Allow-Origin: *`` on anonymous reads and their preflights only: a
    request with credentials, or any write, gets no CORS headers, so a browser page of another
    site can read the public register but never act with someone's token."""
    if "Authorization" in request.headers:
        return response
    if request.method in READ_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
    elif request.method == "OPTIONS" and _is_read_preflight():
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD"
        response.headers["Access-Control-Allow-Headers"] = CORS_REQUEST_HEADERS
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _is_read_preflight() -> bool:
    method = request.headers.get("Access-Control-Request-Method", "")
    wanted = {name.strip().lower() for name in
              request.headers.get("Access-Control-Request-Headers", "").split(",") if name.strip()}
    allowed = {name.strip().lower() for name in CORS_REQUEST_HEADERS.split(",")}
    return method in READ_METHODS and wanted <= allowed


def _validation_failed(error: ValidationFailed):
    db.session.rollback()  # a service may have flushed part of the refused change
    return api_error(422, "validation_failed", _("提交的数据未通过校验。"), error.errors)


def _bad_query(error: BadQuery):
    return api_error(400, "invalid_parameter", _("查询参数有误。"), error.errors)


def _permission_denied(error: PermissionDenied):
    db.session.rollback()
    return api_error(403, "forbidden", error.message)


def _state_conflict(error: StateConflict):
    db.session.rollback()
    return api_error(409, "conflict", error.message)


def _page_out_of_range(error: PageOutOfRange):
    return api_error(404, "not_found", _("没有这一页。"))


def install(bp: Blueprint) -> None:
    """Make ``bp`` an API blueprint: bearer tokens (``g.api_user``), CORS and the
    service-error statuses (conditional reads: ``registry.http_cache``, for every response). Another module's blueprint under ``/api/v1`` calls this
    once (its endpoints reach the OpenAPI document through ``@operation``)."""
    from registry.api.auth import load_token_user

    bp.before_request(load_token_user)
    bp.after_request(allow_cors)
    bp.register_error_handler(ValidationFailed, _validation_failed)
    bp.register_error_handler(BadQuery, _bad_query)
    bp.register_error_handler(PermissionDenied, _permission_denied)
    bp.register_error_handler(StateConflict, _state_conflict)
    bp.register_error_handler(PageOutOfRange, _page_out_of_range)

