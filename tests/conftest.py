"""Fixtures in the style of the Flask tutorial: a function-scoped app with its own
database and search-index folder, a client and a CLI runner.

Without ``DATABASE_URL`` every test gets a fresh SQLite file in its ``tmp_path``. With
``DATABASE_URL`` (CI's second run) the schema is created once in that PostgreSQL database
and every table is emptied after each test, so each test still starts from nothing.
"""
from __future__ import annotations

import os
import shutil

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from registry import create_app
from registry.extensions import db, limiter

POSTGRES_URL = os.environ.get("DATABASE_URL")
# A fixed key keeps digests stable within a run; never used outside tests.
TEST_PII_KEY = Fernet.generate_key().decode("ascii")
TEST_HASH_METHOD = "pbkdf2:sha256:1000"


def sqlalchemy_url(url: str) -> str:
    """``DATABASE_URL`` in the form the app uses (psycopg 3 driver)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@pytest.fixture(scope="session")
def postgres_database():
    """The PostgreSQL database of this test process: ``DATABASE_URL`` itself, or, when
    pytest-xdist runs several worker processes (``make test`` does), a database of each
    worker's own beside it (``<name>_gw0``, …), created empty and dropped at the end."""
    url = sa.make_url(sqlalchemy_url(POSTGRES_URL))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        yield url.render_as_string(hide_password=False)
        return
    name = f"{url.database}_{worker}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")

    def run(statement: str) -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(statement))

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def database_template(request, tmp_path_factory):
    """The schema with every region loaded, made once per run (per worker process).

    SQLite: a file that each test copies (a copy takes milliseconds; building the schema and
    loading 3,427 regions takes a good part of a second). PostgreSQL: the process's database
    (see ``postgres_database``), whose ``regions`` table is kept between tests while every
    other table is emptied.
    """
    from registry.regions.services import load_regions

    if POSTGRES_URL:
        url, path = request.getfixturevalue("postgres_database"), None
    else:
        path = tmp_path_factory.mktemp("template") / "registry.sqlite3"
        url = f"sqlite:///{path}"
    app = create_app(_base_config(url, "unused"))
    with app.app_context():
        if POSTGRES_URL:
            db.drop_all()
        db.create_all()
        load_regions()
        db.engine.dispose()
    return url if POSTGRES_URL else path


def _base_config(database_url: str, index_dir: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "PII_KEY": TEST_PII_KEY,
        "SEARCH_INDEX_DIR": index_dir,
        "WTF_CSRF_ENABLED": False,
        # A cheap hash keeps hundreds of logins fast; production uses scrypt (tested apart).
        "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
    }


def _empty_all_tables() -> None:
    """Empty every table but the reference data (regions)."""
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables
                       if table.name != "regions")
    db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


def _forget_previous_user() -> None:
    """Each request starts with an empty ``g``, as in production.

    The fixture keeps one app context open for the whole test (so tests can use
    ``db.session``), and Flask reuses it for every request, ``g`` included. Without this, a
    second client would act as the first one's user (Flask-Login caches the user in ``g``)
    and a request could not switch language (Flask-Babel caches the locale there).
    """
    from flask import g

    g.__dict__.clear()


@pytest.fixture
def app(tmp_path, database_template):
    """The application, bound to a database holding only the regions, and an empty index."""
    index_dir = tmp_path / "search_index"
    index_dir.mkdir()
    if POSTGRES_URL:
        url = database_template
    else:
        shutil.copyfile(database_template, tmp_path / "registry.sqlite3")
        url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    app = create_app(_base_config(url, str(index_dir)))
    app.before_request(_forget_previous_user)
    with app.app_context():
        yield app
        limiter.reset()  # in-memory counters live on the shared Limiter, not on the app
        db.session.remove()
        if POSTGRES_URL:
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
    """Names the dependency: every test database already holds all the regions."""
    return app


@pytest.fixture
def no_regions(app):
    """An empty ``regions`` table for the test; the regions are back afterwards."""
    from registry.regions.models import Region, RegionLevel
    from registry.regions.services import load_regions

    for level in (RegionLevel.COUNTY, RegionLevel.CITY, RegionLevel.PROVINCE):  # children first
        db.session.execute(sa.delete(Region).where(Region.level == level))
    db.session.commit()
    yield
    db.session.rollback()
    load_regions()


PASSWORD = "correct horse battery"


class AuthActions:
    """Log a test client in and out, as in the Flask tutorial."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = PASSWORD):
        """POST the login form."""
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        """POST the logout form."""
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    """Login/logout helper for ``client``."""
    return AuthActions(client)
