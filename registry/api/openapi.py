"""The OpenAPI 3 document of ``/api/v1``, generated from the view functions and the marshmallow
schemas they name.

Every view function mounted under ``/api/v1`` that declares its operation is in the document:
with the ``operation(...)`` decorator (one line: summary, query/body/answer schemas, token),
or with an OpenAPI section in its docstring (YAML after a ``---`` line, keyed by HTTP method,
as apispec reads it). Another module adds an endpoint by doing either, nothing else. Schemas
are named by class (or class name) and land in ``components.schemas``; ``register_schema``
adds one that nothing names. Path parameters come from the URL rule (``<int:id>`` → ``{id}``,
an integer).

Every operation gets a ``default`` response with the error shape, so any status a client may
see (400, 401, 403, 404, 409, 413, 422, 429) is documented with the body it carries.
"""
from __future__ import annotations

import copy
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_instance
from apispec.yaml_utils import load_operations_from_docstring
from flask import Flask, current_app
from marshmallow import Schema

API_PREFIX = "/api/v1"
OPENAPI_VERSION = "3.0.3"
_CONVERTER = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
_MAX = re.compile(r"max\s*=\s*(\d+)")
_TYPES = {"int": "integer", "float": "number"}
_EXTRA_SCHEMAS: dict[str, type[Schema]] = {}
_METHODS = ("get", "put", "post", "patch", "delete")


def operation(method: str, summary: str, *, answer=None, query=None, body=None,
              status: int = 200, tag: str = "register", token: bool = False,
              description: str | None = None):
    """Declare the OpenAPI operation of a view (put it under the route decorator)."""
    declared: dict = {"summary": summary, "tags": [tag]}
    if description:
        declared["description"] = description
    if query is not None:
        declared["parameters"] = [{"in": "query", "schema": query}]
    if body is not None:
        declared["requestBody"] = {"content": {"application/json": {"schema": body}}}
    if token:
        declared["security"] = [{"bearer": []}]
    declared["responses"] = {status: {"description": summary, "content": {
        "application/json": {"schema": answer}}} if answer is not None
        else {"description": summary}}

    def decorate(view):
        view.__dict__.setdefault("openapi_operations", {})[method.lower()] = declared
        return view
    return decorate


def _operations(view) -> dict:
    """What a view declares: the decorator's operations over its docstring's."""
    operations = load_operations_from_docstring(view.__doc__ or "")
    for method, declared in getattr(view, "openapi_operations", {}).items():
        operations[method] = copy.deepcopy(declared)  # apispec resolves schemas in place
    return operations


def register_schema(name: str, schema: type[Schema]) -> None:
    """Put ``schema`` in ``components.schemas`` even if no docstring names it."""
    _EXTRA_SCHEMAS[name] = schema


def openapi_path(rule: str) -> tuple[str, list[dict]]:
    """A Flask URL rule as an OpenAPI path, with its path parameters."""
    parameters = []

    def replace(match: re.Match) -> str:
        schema = {"type": _TYPES.get(match.group("converter") or "", "string")}
        if schema["type"] == "integer":
            schema["minimum"] = 0  # the int converter matches digits only
            maximum = _MAX.search(match.group("args") or "")
            if maximum:
                schema["maximum"] = int(maximum.group(1))
        parameters.append({"in": "path", "name": match.group("name"), "required": True,
                           "schema": schema})
        return "{" + match.group("name") + "}"

    return _CONVERTER.sub(replace, rule), parameters


def _schema_name(schema) -> str:
    """Components are named after the schema class (partial or excluded variants get a suffix)."""
    instance = resolve_schema_instance(schema)
    name = type(instance).__name__
    if instance.only or instance.exclude or instance.partial:
        name += "Variant"
    return name


def build_spec(app: Flask) -> dict:
    """The document for ``app``: every documented view under ``/api/v1``."""
    spec = APISpec(
        title="心理健康服务机构与人员登记平台 API",
        version="1",
        openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
        info={"description": "Public register of mental-health service organisations and "
                             "practitioners. Anonymous reads; writes with `Authorization: "
                             "Bearer mhr_…`. Errors: `{\"error\": {\"code\", \"message\", "
                             "\"fields\"}}`."},
        servers=[{"url": "/"}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    from registry.api.schemas import ErrorSchema

    spec.components.schema("ErrorSchema", schema=ErrorSchema)
    for name, schema in sorted(_EXTRA_SCHEMAS.items()):
        spec.components.schema(name, schema=schema)
    error = {"description": "an error", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ErrorSchema"}}}}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        declared = _operations(app.view_functions[rule.endpoint])
        operations = {method: operation for method, operation in declared.items()
                      if method in _METHODS and method.upper() in rule.methods}
        if not operations:
            continue
        for method, operation in operations.items():
            operation.setdefault("responses", {}).setdefault("default", error)
            operation.setdefault("operationId", f"{rule.endpoint}.{method}")
        path, parameters = openapi_path(rule.rule)
        spec.path(path=path, operations=operations, parameters=parameters or None)
    return spec.to_dict()


def document() -> dict:
    """The current app's document, built once per app."""
    cached = current_app.extensions.get("openapi_document")
    if cached is None:
        cached = current_app.extensions["openapi_document"] = build_spec(current_app)
    return cached
