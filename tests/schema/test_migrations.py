"""The Alembic migrations build exactly the models' schema, on SQLite and on PostgreSQL."""
from __future__ import annotations

import contextlib
import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from registry import create_app
from registry.extensions import db
from tests.conftest import POSTGRES_URL, TEST_PII_KEY, sqlalchemy_url


def _app_for(url: str, tmp_path):
    return create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t",
        "PII_KEY": TEST_PII_KEY, "SEARCH_INDEX_DIR": str(tmp_path),
    })


@contextlib.contextmanager
def empty_postgres_database():
    """A new, uniquely named database on the CI server, dropped afterwards."""
    server = sa.make_url(sqlalchemy_url(POSTGRES_URL))
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"registry_migrations_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _upgraded_differences(url: str, tmp_path) -> list:
    """Upgrade an empty database to head; return autogenerate's differences from the models."""
    app = _app_for(url, tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    return differences


def _shape(url: str, tmp_path) -> dict:
    """Tables with their columns (name, nullability) and named constraints and indexes."""
    app = _app_for(url, tmp_path)
    with app.app_context():
        inspector = sa.inspect(db.engine)
        shape = {}
        for table in inspector.get_table_names():
            if table == "alembic_version":
                continue
            shape[table] = {
                "columns": sorted((c["name"], c["nullable"]) for c in inspector.get_columns(table)),
                # PostgreSQL also lists the index behind each unique constraint.
                "indexes": sorted(i["name"] for i in inspector.get_indexes(table)
                                  if not i.get("duplicates_constraint")),
                "unique": sorted(u["name"] for u in inspector.get_unique_constraints(table)),
                "foreign_keys": sorted(f["name"] for f in inspector.get_foreign_keys(table)),
                "checks": sorted(c["name"] for c in inspector.get_check_constraints(table)),
            }
        db.engine.dispose()
    return shape


def test_sqlite_upgrade_matches_models(tmp_path):
    assert _upgraded_differences(f"sqlite:///{tmp_path / 'm.sqlite3'}", tmp_path) == []


@pytest.mark.skipif(not POSTGRES_URL, reason="needs DATABASE_URL pointing at PostgreSQL")
def test_postgres_upgrade_matches_models(tmp_path):
    with empty_postgres_database() as url:
        assert _upgraded_differences(url, tmp_path) == []


@pytest.mark.skipif(not POSTGRES_URL, reason="needs DATABASE_URL pointing at PostgreSQL")
def test_sqlite_and_postgres_get_the_same_schema(tmp_path):
    sqlite_url = f"sqlite:///{tmp_path / 'same.sqlite3'}"
    _upgraded_differences(sqlite_url, tmp_path)
    with empty_postgres_database() as url:
        _upgraded_differences(url, tmp_path)
        postgres_shape = _shape(url, tmp_path)
    sqlite_shape = _shape(sqlite_url, tmp_path)
    assert len(sqlite_shape) >= 20
    assert sqlite_shape == postgres_shape


def test_schema_has_every_record_of_the_design(tmp_path):
    url = f"sqlite:///{tmp_path / 'tables.sqlite3'}"
    _upgraded_differences(url, tmp_path)
    tables = set(_shape(url, tmp_path))
    assert {
        "regions", "organisations", "change_requests", "practitioners", "qualifications",
        "affiliations", "associations", "users", "api_tokens", "rubrics", "rubric_criteria",
        "evaluations", "evaluation_assessors", "scores", "demonstration_designations",
        "sanction_recommendations", "sanctions", "sanction_appeals", "complaints",
        "audit_events", "search_outbox",
    } <= tables


def test_downgrade_removes_everything(tmp_path):
    url = f"sqlite:///{tmp_path / 'down.sqlite3'}"
    _upgraded_differences(url, tmp_path)
    app = _app_for(url, tmp_path)
    with app.app_context():
        downgrade(revision="base")
        remaining = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert remaining == set()


def test_no_migration_uses_application_code():
    versions = os.path.join(os.path.dirname(__file__), "..", "..", "migrations", "versions")
    for name in os.listdir(versions):
        if name.endswith(".py"):
            with open(os.path.join(versions, name), encoding="utf-8") as handle:
                assert "registry" not in handle.read(), name
