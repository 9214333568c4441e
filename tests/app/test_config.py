"""Settings from the environment; production refuses to start without its secrets."""
from __future__ import annotations

import importlib

import pytest

from registry import config as config_module
from registry import create_app
from registry.config import ConfigError


@pytest.fixture
def instance_dir(tmp_path, monkeypatch):
    """Point instance/ at a temporary folder and clear the settings' variables."""
    monkeypatch.setattr(config_module, "INSTANCE_DIR", tmp_path / "instance")
    for name in ("DATABASE_URL", "SECRET_KEY", "PII_KEY", "SEARCH_INDEX_DIR", "REGISTRY_ENV"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "instance"


def test_development_defaults(instance_dir):
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance_dir / 'registry.sqlite3'}"
    assert app.config["SEARCH_INDEX_DIR"].endswith("search_index")
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh_CN"
    # The generated secret is kept, so a restart keeps sessions valid.
    assert (instance_dir / "secret_key").read_text() == app.config["SECRET_KEY"]
    assert create_app().config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert len(app.config["SECRET_KEY"]) == 64
    assert (instance_dir / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_variables_win(instance_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.internal:5432/registry")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("SEARCH_INDEX_DIR", str(tmp_path / "idx"))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.internal:5432/registry"
    assert app.config["SECRET_KEY"] == "s" * 40
    assert app.config["SEARCH_INDEX_DIR"] == str(tmp_path / "idx")
    assert not (instance_dir / "secret_key").exists()


def test_production_requires_a_secret_key(instance_dir, monkeypatch):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    monkeypatch.setenv("PII_KEY", "k")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not instance_dir.joinpath("secret_key").exists()


def test_production_requires_a_pii_key(instance_dir, monkeypatch):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    with pytest.raises(ConfigError, match="PII_KEY"):
        create_app()


def test_wsgi_exposes_app(instance_dir):
    wsgi = importlib.import_module("wsgi")
    assert wsgi.app.name == "registry"


def test_factory_does_not_touch_the_database(instance_dir):
    create_app()
    assert not (instance_dir / "registry.sqlite3").exists()
