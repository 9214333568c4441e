"""``deploy/registry.env.example`` names only settings that exist, and with its placeholders
filled in it makes a production application that trusts one proxy."""
from __future__ import annotations

import re
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "registry.env.example"
REQUIRED = {"REGISTRY_ENV", "DATABASE_URL", "SECRET_KEY", "PII_KEY", "RATELIMIT_STORAGE_URI",
            "TRUSTED_PROXY_HOPS", "SEARCH_INDEX_DIR"}


def _entries(text: str, commented: bool) -> dict[str, str]:
    pattern = r"^#?([A-Z][A-Z0-9_]+)=(.*)$" if commented else r"^([A-Z][A-Z0-9_]+)=(.*)$"
    return {name: value.split("#")[0].strip().strip('"')
            for name, value in re.findall(pattern, text, re.M)}


def test_every_variable_is_read_by_the_code():
    text = EXAMPLE.read_text(encoding="utf-8")
    names = set(_entries(text, commented=True))
    assert REQUIRED <= set(_entries(text, commented=False))
    sources = "".join(path.read_text(encoding="utf-8") for path in
                      [ROOT / "deploy" / "gunicorn.conf.py", *(ROOT / "registry").rglob("*.py")])
    unread = {name for name in names if f'"{name}"' not in sources}
    assert unread == set()


def test_filled_in_it_is_a_production_app_behind_one_proxy(monkeypatch, tmp_path):
    from registry import create_app

    values = _entries(EXAMPLE.read_text(encoding="utf-8"), commented=False)
    assert values["REGISTRY_ENV"] == "production"
    values.update(SECRET_KEY="x" * 64, PII_KEY=Fernet.generate_key().decode(),
                  DATABASE_URL=f"sqlite:///{tmp_path / 'registry.sqlite3'}",
                  SEARCH_INDEX_DIR=str(tmp_path / "index"))
    for name, value in values.items():
        assert "CHANGE-ME" not in value, name
        monkeypatch.setenv(name, value)
    app = create_app()
    assert app.config["ENV_NAME"] == "production"
    assert app.config["TRUSTED_PROXY_HOPS"] == 1
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SEARCH_INDEX_DIR"] == str(tmp_path / "index")
