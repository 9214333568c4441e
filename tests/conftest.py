"""Fixtures in the style of the Flask tutorial: a function-scoped app with its own
database and search-index folder, a client and a CLI runner.

Without ``DATABASE_URL`` every test gets a fresh SQLite file in its ``tmp_path``. With
``DATABASE_URL`` (CI's second run) the schema is created once in that PostgreSQL database
and every table is emptied after each test, so each test still starts from nothing.
"""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from registry import create_app
from registry.extensions import db

POSTGRES_URL = os.environ.get("DATABASE_URL")
# A fixed key keeps digests stable within a run; never used outside tests.
TEST_PII_KEY = Fernet.generate_key().decode("ascii")


def sqlalchemy_url(url: str) -> str:
    """``DATABASE_URL`` in the form the app uses (psycopg 3 driver)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@pytest.fixture(scope="session")
def postgres_schema():
    """Create the schema once in the CI PostgreSQL database (None on SQLite)."""
    if not POSTGRES_URL:
        yield None
        return
    url = sqlalchemy_url(POSTGRES_URL)
    app = create_app(_base_config(url, "unused"))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    yield url


def _base_config(database_url: str, index_dir: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "PII_KEY": TEST_PII_KEY,
        "SEARCH_INDEX_DIR": index_dir,
        "WTF_CSRF_ENABLED": False,
    }


def _empty_all_tables() -> None:
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def app(tmp_path, postgres_schema):
    """The application, bound to an empty database and an empty index folder."""
    index_dir = tmp_path / "search_index"
    index_dir.mkdir()
    url = postgres_schema or f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    app = create_app(_base_config(url, str(index_dir)))
    with app.app_context():
        if postgres_schema is None:
            db.create_all()
        yield app
        db.session.remove()
        if postgres_schema is not None:
            _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client for ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for ``app``'s ``flask`` commands."""
    return app.test_cli_runner()


@pytest.fixture
def regions(app):
    """Every administrative division, loaded from the packaged dataset."""
    from registry.regions.services import load_regions

    return load_regions()
