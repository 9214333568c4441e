"""Every state-changing route, web form and API alike, fed hostile values by a user who may
use it: oversized text, NUL and other control characters, bidi overrides, huge numbers and
years, nested structures, markup, spreadsheet formula prefixes and bytes that are not UTF-8.

For each entry of the permission matrix (``tests/<domain>/matrix_routes.py``, which covers
every state-changing endpoint of the URL map) and each value of the corpus, every field of
the entry's valid request is replaced by the value and the request is sent as the first
permitted actor. The answer must never be a 5xx; a refusal (4xx) must leave every table as it
was; a refused web form (400) names the field it refused beside it, and a refused API body
(400/422) names it in ``error.fields`` or says what was wrong with the body.
"""
from __future__ import annotations

import io
import re
from urllib.parse import quote_from_bytes

import pytest
from werkzeug.datastructures import FileStorage

from registry.auth import services as auth_services
from registry.extensions import db
from tests.conftest import PASSWORD
from tests.matrix import ACTORS, build_world, discover_routes, fingerprint

ROUTES = discover_routes()

# Text values: each replaces every field of a valid request at once.
TEXT_CORPUS = {
    "oversized": "长" * 60_000,
    "nul": "名称\x00字段",
    "controls": "a\x07\x1b[31mb\x7f",
    "bidi": "\u202e\u2066txt.exe\u2069",
    "huge_number": "9" * 40,
    "negative": "-99999999999999999999",
    "huge_year": "99999999999999999999-01-01",
    "nested": "[[[[{{{{" * 50,
    "markup": '<script>alert(1)</script><img src=x onerror="alert(2)">',
    "formula": '=HYPERLINK("http://evil.example/?x","点击")',
    "blank": "   ",
}
# JSON-only values: other types where the API expects text, numbers or lists.
JSON_CORPUS = {
    "huge_int": 10**40,
    "float": 1e308,
    "deep_list": [[[[[[[[[[["x"]]]]]]]]]]],
    "object": {"$gt": "", "__proto__": {"admin": True}},
    "null": None,
    "bool": True,
}


def _actor(route) -> str:
    """The permitted actor the fuzzing uses: the first of the matrix's order."""
    return next(actor for actor in ACTORS if actor in route.allowed)


def _replace(value, bad):
    """``value`` (a field of a valid request) with ``bad`` in place of what it held."""
    if isinstance(value, list):
        return [bad for _item in value] or [bad]
    if isinstance(value, dict):
        return {key: _replace(item, bad) for key, item in value.items()}
    if isinstance(value, FileStorage):
        return value
    return bad


def _prepare(client, route):
    world = build_world()
    if route.prepare is not None:
        world.records.update(route.prepare(world))
        db.session.commit()
    actor = _actor(route)
    headers = {}
    if actor != "anonymous" and route.json:
        _token, raw = auth_services.create_token(world.accounts[actor], "fuzz")
        headers = {"Authorization": f"Bearer {raw}"}
    elif actor != "anonymous":
        login = client.post("/login", data={"email": world.accounts[actor].email,
                                            "password": PASSWORD})
        assert login.status_code == 302
    return world, headers


def _send(client, route, url, headers, body):
    if route.json and not isinstance(body, (bytes, dict)):
        return client.open(url, method=route.method, headers=headers, json=body)
    if route.json and isinstance(body, dict):
        return client.open(url, method=route.method, headers=headers, json=body)
    return client.open(url, method=route.method, headers=headers, data=body)


def _names_a_field(response, fields) -> bool:
    if response.is_json:
        error = (response.json or {}).get("error", {})
        return bool(error.get("fields")) or error.get("code") in {
            "malformed_json", "body_too_deep", "body_too_large", "invalid_request",
            "invalid_characters",
            "invalid_file", "unsupported_media_type"}
    page = response.get_data(as_text=True)
    return any(f'id="{re.escape(name)}-error"' in page or f'{name}-error' in page
               for name in fields) or 'class="field-error' in page or "error-summary" in page \
        or "import-problems" in page \
        or ("error-page" in page and any(name in page for name in fields))


def _check(route, response, before, ignored, fields, label):
    body = response.get_data(as_text=True)
    response.close()
    assert response.status_code < 500, f"{route.id} [{label}]: {response.status_code} {body[:300]}"
    if 400 <= response.status_code < 500:
        db.session.rollback()
        assert fingerprint(ignored) == before, f"{route.id} [{label}] refused but wrote"
        if response.status_code in (400, 422) and fields:
            assert _names_a_field(response, fields), f"{route.id} [{label}] names no field"
    return fingerprint(ignored)


@pytest.mark.parametrize("route", ROUTES, ids=[route.id for route in ROUTES])
def test_hostile_values_never_break_a_state_changing_route(client, regions, route):
    world, headers = _prepare(client, route)
    url = route.url(world)  # once: a request may delete the record the URL names
    ignored = {"api_tokens"} if route.json else set()
    valid = route.data(world)
    if isinstance(valid, bytes):  # an import's raw body: garbage files instead
        corpus = {"not_a_sheet": b"\xff\xfe\x00garbage" * 1000, "empty": b"",
                  "formula_csv": "名称\n=cmd|' /C calc'!A0\n".encode()}
        before = fingerprint(ignored)
        for label, bad in corpus.items():
            response = client.open(url, method=route.method, headers=headers, data=bad)
            before = _check(route, response, before, ignored, [], label)
        return
    fields = list(valid) if isinstance(valid, dict) else []
    corpus = dict(TEXT_CORPUS, **(JSON_CORPUS if route.json else {}))
    before = fingerprint(ignored)
    for label, bad in corpus.items():
        if isinstance(valid, dict):
            body = {name: _replace(value, bad) for name, value in valid.items()}
            if any(isinstance(v, FileStorage) for v in valid.values()):
                body = {name: (FileStorage(io.BytesIO(value.stream.getvalue()), value.filename)
                               if isinstance(value, FileStorage) else body[name])
                        for name, value in valid.items()}
        else:
            body = bad
        response = _send(client, route, url, headers, body)
        before = _check(route, response, before, ignored, fields, label)
    if not route.json and fields:
        # Bytes that are not UTF-8 in every field of an urlencoded form.
        raw = "&".join(f"{quote_from_bytes(name.encode())}=%FF%FE%C3%28"
                       for name in fields).encode()
        response = client.open(url, method=route.method, headers=headers, data=raw,
                               content_type="application/x-www-form-urlencoded")
        _check(route, response, before, ignored, fields, "not_utf8")
