"""Another module adds its endpoints to the OpenAPI document with one line per view."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify

from registry.api import http
from registry.api import schemas as s
from registry.api.openapi import build_spec, operation


def test_a_blueprint_of_another_module_joins_the_document(app, client, regions):
    extra = Blueprint("extra", __name__, url_prefix="/api/v1/extra")
    http.install(extra)

    @extra.get("/regions")
    @operation("get", "Regions again", answer=s.RegionListSchema, query=s.RegionQuerySchema,
               tag="extra")
    def regions_again():
        """Declared with the decorator."""
        return http.read_response({"items": [], "total": 0}, date.today())

    @extra.get("/<int(max=99):number>")
    def by_docstring(number: int):
        """Declared in the docstring.
        ---
        get:
          summary: A number
          responses:
            200:
              content:
                application/json:
                  schema: CoverageSchema
        """
        return jsonify({})

    app.register_blueprint(extra)
    spec = build_spec(app)
    listed = spec["paths"]["/api/v1/extra/regions"]["get"]
    assert listed["summary"] == "Regions again"
    assert {p["name"] for p in listed["parameters"]} == {"parent"}
    assert "default" in listed["responses"]  # the error shape, added for every operation
    numbered = spec["paths"]["/api/v1/extra/{number}"]
    assert numbered["parameters"][0]["schema"] == {"type": "integer", "minimum": 0, "maximum": 99}
    assert numbered["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CoverageSchema"}
    response = client.get("/api/v1/extra/regions", headers={"Origin": "https://example.org"})
    assert response.headers["ETag"] and response.headers["Access-Control-Allow-Origin"] == "*"
