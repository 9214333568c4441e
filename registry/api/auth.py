"""Bearer-token authentication for the API. Sessions (cookies) are never accepted here, so
the API needs no CSRF token and a browser cannot be tricked into writing through it."""
from __future__ import annotations

from functools import wraps

from flask import g, request

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
    """A JSON body that does not parse is a 400 with a JSON error, before any view runs."""
    if not request.path.startswith("/api/") or request.method not in ("POST", "PUT", "PATCH"):
        return None
    if request.mimetype == "application/json" and request.content_length:
        if request.get_json(silent=True) is None:
            return api_error(400, "malformed_json", "请求体不是有效的 JSON。")
    return None
