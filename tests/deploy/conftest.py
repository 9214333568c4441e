"""Fixtures of the deployment tests: gunicorn started as the systemd unit starts it, on a
seeded test database."""
from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from registry.extensions import db
from tests import factories
from tests.conftest import TEST_PII_KEY

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9",
         "X-Forwarded-Host": "registry.example.cn"}


class Gunicorn:
    """gunicorn started as the systemd unit starts it, on a port the kernel chooses."""

    def __init__(self, tmp_path: Path, database_url: str, index_dir: str, **env: str):
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.log_path = tmp_path / "gunicorn.log"
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith(("GUNICORN_", "REGISTRY_", "FLASK_"))}
        environment.update({
            "REGISTRY_ENV": "production", "SECRET_KEY": "gunicorn-test-secret",
            "PII_KEY": TEST_PII_KEY, "DATABASE_URL": database_url,
            "SEARCH_INDEX_DIR": index_dir, "TRUSTED_PROXY_HOPS": "1",
            "REGISTRY_INSTANCE_DIR": str(tmp_path / "instance"),
            "GUNICORN_BIND": "127.0.0.1:0", "GUNICORN_WORKERS": "2",
            **env})
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "wsgi:app"],
            cwd=ROOT, env=environment, stdout=self.log, stderr=subprocess.STDOUT)
        self.port = int(self.wait_for(r"Listening at: http://127\.0\.0\.1:(\d+)").group(1))

    def text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, pattern: str, count: int = 1, seconds: float = 90.0):
        """The ``count``-th match of ``pattern`` in the log, waiting for it."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = list(re.finditer(pattern, self.text()))
            if len(found) >= count:
                return found[count - 1]
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"no {count}× {pattern!r} in the log:\n{self.text()}")

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode


@pytest.fixture
def seeded(app, regions):
    """One active organisation with a verified practitioner, indexed; the app's connections
    closed so that gunicorn's workers have the database to themselves."""
    organisation = factories.make_organisation(name="烟台市心海心理咨询中心", region_code="370602")
    person = factories.make_practitioner(organisation, name="王芳")
    factories.make_qualification(person)
    db.session.commit()  # the commit's sync builds the index
    db.session.remove()
    db.engine.dispose()
    return app
