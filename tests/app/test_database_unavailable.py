"""A database that cannot be reached (restarting, failing over) answers 503 with Retry-After
in the site's style, never a 500 page or the connection's details."""
from __future__ import annotations

import pytest

from registry import create_app
from tests.conftest import _base_config

PASSWORD = "pg-password-never-shown"
UNREACHABLE = f"postgresql+psycopg://registry:{PASSWORD}@127.0.0.1:1/registry_down"


@pytest.fixture
def down(tmp_path):
    return create_app(_base_config(UNREACHABLE, str(tmp_path / "index"))).test_client()


def _assert_nothing_leaks(response, caplog) -> None:
    body = response.get_data(as_text=True)
    for secret in (PASSWORD, "127.0.0.1:1", "registry_down", "Traceback", "psycopg"):
        assert secret not in body
        assert PASSWORD not in caplog.text
    assert "database unavailable (OperationalError)" in caplog.text


@pytest.mark.parametrize("path", ["/organisations/1", "/search?q=心理", "/regions/370600"])
def test_a_page_is_503_in_the_site_style(down, caplog, path):
    response = down.get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.mimetype == "text/html"
    assert "服务暂时不可用，请稍后再试。" in response.get_data(as_text=True)
    _assert_nothing_leaks(response, caplog)


def test_the_api_answers_json(down, caplog):
    response = down.get("/api/v1/organisations/1")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.json["error"]["code"] == "service_unavailable"
    _assert_nothing_leaks(response, caplog)


def test_english_on_request(down, caplog):
    response = down.get("/organisations/1?lang=en")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.get_data(as_text=True)
