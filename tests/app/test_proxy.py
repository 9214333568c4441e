"""Behind a trusted reverse proxy (``TRUSTED_PROXY_HOPS``) each client has its own
per-address limits and absolute URLs are the public https ones; with no trusted proxy a
forged ``X-Forwarded-For`` changes nothing."""
from __future__ import annotations

import pytest

from registry import trust_proxies
from registry.config import ConfigError, Config

LOOKUP = "/api/v1/certificates/verify?number=1511000000123456&name=王芳"


def _lookups(client, address: str, times: int) -> list[int]:
    return [client.get(LOOKUP, headers={"X-Forwarded-For": address}).status_code
            for _ in range(times)]


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(app, client, regions):
    app.config.update(TRUSTED_PROXY_HOPS=1, CERTIFICATE_LOOKUP_LIMIT="2 per minute")
    trust_proxies(app)
    assert _lookups(client, "203.0.113.7", 3) == [200, 200, 429]
    assert _lookups(client, "198.51.100.9", 2) == [200, 200]  # another client, another count


def test_without_a_trusted_proxy_a_forged_address_is_ignored(app, client, regions):
    app.config.update(CERTIFICATE_LOOKUP_LIMIT="2 per minute")
    assert app.config["TRUSTED_PROXY_HOPS"] == 0
    assert _lookups(client, "203.0.113.7", 2) == [200, 200]
    assert _lookups(client, "198.51.100.9", 1) == [429]  # the same client, whatever it claims


def test_absolute_urls_are_the_public_ones(app, client, regions):
    app.config.update(TRUSTED_PROXY_HOPS=1)
    trust_proxies(app)
    page = client.get("/feeds/registrations.atom", headers={
        "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "registry.example.cn"}).get_data(as_text=True)
    assert "https://registry.example.cn/" in page and "http://localhost" not in page


@pytest.mark.parametrize("raw", ["-1", "x", "9"])
def test_a_bad_hop_count_stops_start_up(monkeypatch, raw):
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", raw)
    with pytest.raises(ConfigError):
        Config.trusted_proxy_hops()
