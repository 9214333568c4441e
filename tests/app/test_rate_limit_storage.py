"""Redis (the shared rate-limit counters) unreachable: limited routes keep answering and keep
their limits, counted in the worker's memory, instead of failing."""
from __future__ import annotations

from registry import create_app
from registry.extensions import db, limiter
from tests.conftest import _base_config

LOOKUP = "/api/v1/certificates/verify?number=XL2026000000&name=王某"


def test_limits_apply_from_memory_while_redis_is_unreachable(tmp_path, app, caplog):
    config = {**_base_config(app.config["SQLALCHEMY_DATABASE_URI"], str(tmp_path / "index")),
              "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
              "CERTIFICATE_LOOKUP_LIMIT": "3 per minute"}
    other = create_app(config)
    try:
        client = other.test_client()
        statuses = [client.get(LOOKUP).status_code for _ in range(5)]
    finally:
        limiter.init_app(app)  # the Limiter is shared by every app: give the fixture's back
        with other.app_context():  # close its connections (PostgreSQL warns of open ones)
            db.session.remove()
            db.engine.dispose()
    assert statuses == [200, 200, 200, 429, 429]
    assert "falling back to in-memory storage" in caplog.text
