"""The human-readable API page (``/api/docs``), rendered on the server from the OpenAPI
document: no script, nothing from a CDN."""
from __future__ import annotations

from flask import Blueprint, render_template

from registry.api.openapi import document
from registry.http_cache import shared_cacheable

bp = Blueprint("api_docs", __name__)
_METHODS = ("get", "post", "put", "patch", "delete")


def type_of(schema: dict) -> str:
    """A short description of a JSON schema: ``string (date)``, ``array of X``, ``X``."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return "array of " + type_of(schema.get("items", {}))
    text = schema.get("type", "any")
    if "format" in schema:
        text += f" ({schema['format']})"
    if "enum" in schema:
        text += ": " + " | ".join(str(value) for value in schema["enum"])
    if schema.get("nullable"):
        text += ", nullable"
    return text


def operations(spec: dict) -> list[dict]:
    """Every operation of ``spec`` in path order, with its method and path."""
    return [{"method": method.upper(), "path": path, "anchor": operation["operationId"],
             **operation}
            for path, item in spec.get("paths", {}).items()
            for method, operation in item.items() if method in _METHODS]


@bp.get("/api/docs")
@shared_cacheable
def api_docs():
    """The API's endpoints, parameters and response schemas."""
    spec = document()
    return render_template("api/docs.html", spec=spec, operations=operations(spec),
                           schemas=spec["components"]["schemas"], type_of=type_of)
