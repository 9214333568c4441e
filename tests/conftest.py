"""Fixtures in the style of the Flask tutorial: a function-scoped app with its own
database and search-index folder, a client and a CLI runner.

Without ``DATABASE_URL`` every test gets a fresh SQLite file in its ``tmp_path``. With
``DATABASE_URL`` (CI's second run) the schema is created once in that PostgreSQL database
and every table is emptied after each test, so each test still starts from nothing.

What a worker process would otherwise repeat for every test is made once and reused, with
no change to what a test exercises:

- the schema with its regions (a SQLite file copied per test, or PostgreSQL's tables kept);
- an empty search-index generation, copied into each test's index folder, so that a test's
  first commit syncs the index as in production instead of building a first generation;
- the compiled URL builders of the routes and the compiled templates: every test's app is
  built by the same ``create_app``, and Werkzeug and Jinja would otherwise compile the same
  code again for each (a third of a test's time).

Disk flushes are off for the test databases (SQLite ``synchronous=OFF``, PostgreSQL
``synchronous_commit=off``): they only matter when the machine loses power, which no test
simulates, and waiting for them was a tenth of the suite's time.
"""
from __future__ import annotations

import contextvars
import os
import shutil
from pathlib import Path

import jinja2
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask import has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.routing.rules import Rule

from registry import create_app
from registry.extensions import db, limiter

POSTGRES_URL = os.environ.get("DATABASE_URL")
# A fixed key keeps digests stable within a run; never used outside tests.
TEST_PII_KEY = Fernet.generate_key().decode("ascii")
TEST_HASH_METHOD = "pbkdf2:sha256:1000"


_compile_builder = Rule._compile_builder
_builders: dict = {}


def _cached_builder(rule: Rule, append_unknown: bool = True):
    """Werkzeug's URL builder for ``rule``, compiled once per distinct rule.

    The builder is generated Python code that depends only on the rule's text, its parts
    and its defaults (the rule itself is passed in as an argument when it runs), so two
    apps' copies of a rule can share one. Compiling them is most of ``create_app``'s time.
    """
    defaults = tuple((name, rule._converters[name].to_url(value)
                      if name in rule._converters else repr(value))
                     for name, value in (rule.defaults or {}).items())
    key = (append_unknown, rule.rule, tuple(rule._trace), defaults)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile_builder(rule, append_unknown)
    return builder


Rule._compile_builder = _cached_builder


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept in memory for every app of this process (Jinja compares the
    source's checksum before reusing one, so an edited template is compiled again)."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()


@sa.event.listens_for(sa.engine.Engine, "connect")
def _no_disk_flush(dbapi_connection, connection_record) -> None:
    """SQLite commits without waiting for the disk (see the module docstring)."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()


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
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")

    def run(statement: str) -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(statement))

    if not worker:
        run(f'ALTER DATABASE "{url.database}" SET synchronous_commit = off')
        admin.dispose()
        yield url.render_as_string(hide_password=False)
        return
    name = f"{url.database}_{worker}"
    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    run(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
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


@pytest.fixture(scope="session")
def index_template(tmp_path_factory):
    """An index folder holding one empty generation, in use: what the first sync of an
    empty database leaves behind, made once per worker and copied into each test."""
    from registry.search.storage import new_generation, root_of, swap_in, write_position

    root = root_of(str(tmp_path_factory.mktemp("index-template") / "search_index"))
    generation = new_generation(root)
    write_position(generation, 0)  # an empty log applied: the first change is position 1
    swap_in(root, generation)
    return root


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
    """Empty every table but the reference data (regions), and restart the id sequences a
    test used, so the next test starts as on a new database.

    ``DELETE`` of a few rows, dependants first, takes milliseconds; ``TRUNCATE`` of every
    table makes new files for each and took most of a second per test. ``TRUNCATE`` stays
    as the fallback should the tables ever reference each other in a cycle.
    """
    tables = [table.name for table in db.metadata.sorted_tables if table.name != "regions"]
    used = db.session.execute(sa.text(
        "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences"
        " WHERE last_value IS NOT NULL")).scalars().all()
    try:
        db.session.execute(sa.text("; ".join(f'DELETE FROM "{name}"'
                                             for name in reversed(tables))))
    except sa.exc.IntegrityError:
        db.session.rollback()
        listed = ", ".join(f'"{name}"' for name in tables)
        db.session.execute(sa.text(f"TRUNCATE {listed} RESTART IDENTITY CASCADE"))
    for sequence in used:  # regions have no sequence (their key is the code)
        db.session.execute(sa.text(f"ALTER SEQUENCE {sequence} RESTART"))
    db.session.commit()


class RequestClient(FlaskClient):
    """Flask's test client, each request in an app context of its own, as in production.

    The ``app`` fixture keeps an app context open for the test's own code (so that a test
    reads and writes through ``db.session``); Flask would reuse it for every request, ``g``
    and database session included. Here a request starts from an empty context, so Flask
    pushes a new app context for it, with a new ``g`` and a new database session that is
    removed when the request ends. The test's session then forgets what it had loaded, so
    the test sees what the request committed. The response is read to its end inside the
    request's context (``buffered``), as a server sends it before the context ends.
    """

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():  # not for a redirect followed inside the request's context
            db.session.expire_all()
        return response


class CommandRunner(FlaskCliRunner):
    """Flask's CLI runner, each command in an app context of its own (as ``flask …`` has)."""

    def invoke(self, *args, **kwargs):
        result = contextvars.Context().run(super().invoke, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return result


@pytest.fixture
def app(tmp_path, database_template, index_template):
    """The application, bound to a database holding only the regions, and an empty index."""
    index_dir = tmp_path / "search_index"
    shutil.copytree(index_template, index_dir, symlinks=True)
    if POSTGRES_URL:
        url = database_template
    else:
        shutil.copyfile(database_template, tmp_path / "registry.sqlite3")
        url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    app = create_app(_base_config(url, str(index_dir)))
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    app.test_client_class = RequestClient
    app.test_cli_runner_class = CommandRunner
    with app.app_context():
        yield app
        limiter.reset()  # in-memory counters live on the shared Limiter, not on the app
        db.session.remove()
        if POSTGRES_URL:
            _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def no_index(app):
    """No search index at all (a node before its first sync, or after the folder was lost)."""
    from registry.search.engine import forget_snapshots

    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    shutil.rmtree(index_dir)
    index_dir.mkdir()
    forget_snapshots()
    return index_dir


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
