"""The API's one error shape: ``{"error": {"code", "message", "fields"}}``."""
from __future__ import annotations

from typing import Optional

from flask import jsonify


def api_error(status: int, code: str, message: str, fields: Optional[dict] = None):
    """A JSON error response with ``status``."""
    body = {"error": {"code": code, "message": str(message)}}
    if fields:
        body["error"]["fields"] = {key: str(value) for key, value in fields.items()}
    response = jsonify(body)
    response.status_code = status
    return response
