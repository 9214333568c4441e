"""Bearer-token authentication for the API. Sessions (cookies) are never accepted here, so
the API needs no CSRF token and a browser cannot be tricked into writing through it."""
from __future__ import annotations

import re
from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _

from registry.api.errors import api_error
from registry.auth.services import user_for_token


def load_token_user() -> None:
    """Resolve ``Authorization: Bearer …`` into ``g.api_user`` (None when absent)."""
    g.api_user = None
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return api_error(401, "invalid_token", "Authorization 头应为 Bearer 令牌。")
    user = user_for_token(raw.strip())
    if user is None:
        return api_error(401, "invalid_token", "令牌无效或已撤销。")
    g.api_user = user
    return None


def token_required(view):
    """The view needs a valid bearer token."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("api_user") is None:
            return api_error(401, "token_required", "此接口需要 Bearer 令牌。")
        return view(*args, **kwargs)
    return wrapper


def refuse_malformed_json():
    """A JSON body that is too large, nested too deeply or does not parse is a 400 with a JSON
    error, before any view runs (and before the parser could exhaust the stack)."""
    if not request.path.startswith("/api/") or request.method not in ("POST", "PUT", "PATCH"):
        return None
    if request.mimetype != "application/json":
        return None
    data = request.get_data(cache=True)  # bounded by MAX_CONTENT_LENGTH (413 beyond)
    if not data:
        return None
    limit = current_app.config["JSON_MAX_BYTES"]
    if len(data) > limit:
        return api_error(400, "body_too_large",
                         _("请求体不能超过 %(kb)d KB。", kb=limit // 1024))
    depth = current_app.config["JSON_MAX_DEPTH"]
    if json_depth(data) > depth:
        return api_error(400, "body_too_deep", _("JSON 嵌套不能超过 %(depth)d 层。", depth=depth))
    if request.get_json(silent=True) is None:
        return api_error(400, "malformed_json", _("请求体不是有效的 JSON。"))
    return None


# String literals (escapes included) and the brackets that open or close a level.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in ``data``, counted without parsing it
    (brackets inside strings do not count; malformed input is left to the parser)."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.findall(_JSON_STRING.sub(b'""', data)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest
