"""``GET /healthz``: 200 with the database, 503 without it, ``degraded`` while search is
limited or behind; never a secret, a write, a cookie, a rate limit or a cache."""
from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry import create_app
from registry.database import utcnow
from registry.extensions import db, limiter
from registry.search.models import OutboxOperation, SearchOutbox
from registry.search.storage import current_generation
from tests import factories
from tests.conftest import TEST_PII_KEY, _base_config
from tests.matrix import fingerprint

SECRET = "health-test-secret-key"


def _assert_public(response, *secrets: str) -> None:
    """A JSON answer, not cached, no cookie, none of ``secrets`` nor a traceback in it."""
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Set-Cookie" not in response.headers
    body = response.get_data(as_text=True)
    for secret in (*secrets, TEST_PII_KEY, "Traceback", "sqlalchemy", "psycopg"):
        assert secret not in body


_OTHER_APPS: list = []


def _other_app(tmp_path: Path, database_url: str, **settings):
    config = {**_base_config(database_url, str(tmp_path / "index")), "SECRET_KEY": SECRET,
              **settings}
    other = create_app(config)
    _OTHER_APPS.append(other)
    return other


@pytest.fixture(autouse=True)
def _close_other_apps():
    """Close the connections of the apps a test made (PostgreSQL warns of open ones)."""
    yield
    while _OTHER_APPS:
        with _OTHER_APPS.pop().app_context():
            db.session.remove()
            db.engine.dispose()


def test_healthy_node_reports_database_index_and_version(app, client, regions):
    factories.make_organisation(name="烟台市心海心理咨询中心", region_code="370602")
    db.session.commit()  # the commit's sync builds the index
    generation = current_generation(Path(app.config["SEARCH_INDEX_DIR"]))
    assert generation is not None
    before = fingerprint()

    response = client.get("/healthz")

    assert response.status_code == 200
    _assert_public(response, app.config["SECRET_KEY"], app.config["SQLALCHEMY_DATABASE_URI"])
    body = response.json
    assert (body["status"], body["reasons"]) == ("ok", []), body
    assert body["version"] == "0.1.0"
    assert body["database"]["reachable"] is True
    assert body["database"]["latency_ms"] >= 0
    search = body["search"]
    assert search["mode"] == "full"
    assert search["generation"] == generation.name
    assert search["built_at"].endswith("Z") and search["age_seconds"] >= 0
    assert search["documents"] == {"organisations": 1, "practitioners": 0}
    assert search["pending_changes"] == 0 and search["lag_seconds"] == 0
    assert search["replica_lag"] == 0 and search["applied_position"] == search["log_position"] > 0
    assert fingerprint() == before


def test_pending_outbox_rows_are_the_index_lag(app, client, regions):
    factories.make_organisation(name="烟台市心海心理咨询中心", region_code="370602")
    db.session.commit()
    # Written the way a bulk change or a crashed sync leaves them: not applied yet.
    db.session.execute(sa.insert(SearchOutbox), [
        {"entity_type": "organisation", "entity_id": 1, "operation": OutboxOperation.UPSERT,
         "created_at": utcnow() - timedelta(minutes=10)},
        {"entity_type": "organisation", "entity_id": 1, "operation": OutboxOperation.UPSERT,
         "created_at": utcnow()},
    ])
    db.session.commit()  # no flushed object: the commit applies nothing

    body = client.get("/healthz").json

    assert body["search"]["pending_changes"] == 2
    assert 590 <= body["search"]["lag_seconds"] <= 3600
    assert body["status"] == "degraded" and body["reasons"] == ["search_behind"]
    # The check itself applied nothing (it never writes).
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox)) == 3


def test_missing_index_is_degraded_not_down(app, client, regions):
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    shutil.rmtree(index_dir)

    response = client.get("/healthz")

    assert response.status_code == 200  # the node still serves every page
    _assert_public(response)
    body = response.json
    assert body["status"] == "degraded" and body["reasons"] == ["search_limited"]
    assert body["search"]["mode"] == "limited" and body["search"]["generation"] is None
    assert not index_dir.exists()  # neither created nor rebuilt by the check


def test_damaged_index_is_limited(app, client, regions):
    factories.make_organisation(name="烟台市心海心理咨询中心", region_code="370602")
    db.session.commit()
    generation = current_generation(Path(app.config["SEARCH_INDEX_DIR"]))
    for toc in generation.glob("_*.toc"):
        toc.write_bytes(b"not a table of contents")
    from registry.search.engine import forget_snapshots

    forget_snapshots()

    body = client.get("/healthz").json

    assert body["search"]["mode"] == "limited" and body["status"] == "degraded"
    assert body["search"]["generation"] == generation.name


def test_database_without_the_schema_is_reachable_but_degraded(tmp_path):
    import sqlite3

    path = tmp_path / "empty.sqlite3"
    sqlite3.connect(path).close()  # a database, but flask db upgrade never ran
    response = _other_app(tmp_path, f"sqlite:///{path}").test_client().get("/healthz")
    assert response.status_code == 200
    body = response.json
    assert body["database"]["reachable"] is True
    assert body["search"]["pending_changes"] is None
    assert body["status"] == "degraded" and "search_outbox_unreadable" in body["reasons"]


def test_missing_sqlite_file_is_503_and_not_created(tmp_path):
    path = tmp_path / "gone.sqlite3"
    unreachable = _other_app(tmp_path, f"sqlite:///{path}")

    response = unreachable.test_client().get("/healthz")

    assert response.status_code == 503
    _assert_public(response, SECRET, str(path))
    body = response.json
    assert body["status"] == "unavailable" and body["reasons"] == ["database_unreachable"]
    assert body["database"] == {"reachable": False}
    assert body["search"]["pending_changes"] is None
    assert not path.exists()


def test_a_session_cookie_is_not_looked_up(tmp_path):
    from flask_login import current_user

    unreachable = _other_app(tmp_path, f"sqlite:///{tmp_path / 'gone.sqlite3'}")
    # A hook asking who is logged in, as response policies do (a cache policy, say).
    unreachable.after_request(lambda response: current_user.is_authenticated and response
                              or response)
    client = unreachable.test_client()
    with client.session_transaction() as session:  # a logged-in visitor's cookie
        session["_user_id"] = "1:0"
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["status"] == "unavailable"
    _assert_public(response, SECRET)


def test_unopenable_sqlite_path_is_503(tmp_path):
    response = _other_app(tmp_path, "sqlite:////nonexistent-folder/registry.sqlite3") \
        .test_client().get("/healthz")
    assert response.status_code == 503
    _assert_public(response, SECRET, "nonexistent-folder")


def test_unreachable_postgresql_is_503_without_the_dsn(tmp_path, caplog):
    password = "pg-password-never-shown"
    url = f"postgresql+psycopg://registry:{password}@127.0.0.1:1/registry_health"

    response = _other_app(tmp_path, url).test_client().get("/healthz")

    assert response.status_code == 503
    _assert_public(response, SECRET, password, "127.0.0.1:1", "registry_health")
    assert response.json["database"] == {"reachable": False}
    assert password not in caplog.text
    assert "database did not answer (OperationalError)" in caplog.text


def test_never_rate_limited(tmp_path, app):
    manager = limiter.limit_manager
    saved = list(manager._default_limits)  # the Limiter is shared by every app of the process
    try:
        limited = _other_app(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"],
                             RATELIMIT_DEFAULT="2 per minute")
        client = limited.test_client()
        assert [client.get("/login").status_code for _ in range(3)][-1] == 429  # limits work
        assert {client.get("/healthz").status_code for _ in range(5)} == {200}
    finally:
        manager.set_default_limits(saved)
        limiter.reset()


def test_plain_http_probe_is_answered_where_https_is_forced(tmp_path, app):
    forced = _other_app(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"], FORCE_HTTPS=True)
    client = forced.test_client()
    assert client.get("/").status_code in (301, 302)  # every page moves to https …
    assert client.get("/healthz").status_code == 200  # … but the probe is answered


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_only_get(client, method):
    assert getattr(client, method)("/healthz").status_code == 405
