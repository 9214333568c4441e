"""Helpers for the search tests: every test searches a real Whoosh index in its tmp_path."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from registry.search import engine
from registry.search.query import parse_organisation_query, parse_practitioner_query
from registry.search.services import search_organisations, search_practitioners


@pytest.fixture(autouse=True)
def fresh_search_state(app):
    """No snapshot carried over from another test's index."""
    engine.forget_snapshots()
    yield
    engine.forget_snapshots()


def find_organisations(**args):
    """Search organisations with URL-style parameters."""
    return search_organisations(parse_organisation_query(MultiDict(args)))


def find_practitioners(**args):
    """Search practitioners with URL-style parameters."""
    return search_practitioners(parse_practitioner_query(MultiDict(args)))


def names(result) -> list[str]:
    """The names on a result page, in order."""
    return [hit.data["name"] for hit in result.items]
