"""``deploy/nginx/registry.conf`` passes ``nginx -t`` once its placeholders are filled in (a
throw-away certificate, folders under tmp_path), and says what the application needs."""
from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from registry.config import Config
from tests.deploy.conftest import Gunicorn
from tests.deploy.tls import certificate

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "registry.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def filled_in(tmp_path: Path) -> Path:
    """The site with every CHANGE-ME and system folder replaced, inside a wrapper nginx.conf."""
    chain, private = certificate(tmp_path)
    (tmp_path / "logs").mkdir()
    text = SITE.read_text(encoding="utf-8")
    for placeholder, value in (("/etc/ssl/registry/CHANGE-ME-fullchain.pem", chain),
                               ("/etc/ssl/registry/CHANGE-ME-privkey.pem", private),
                               ("/srv/registry/app/static/", f"{ROOT / 'static'}/"),
                               ("/var/cache/nginx/registry", tmp_path / "cache"),
                               ("/var/log/nginx/", f"{tmp_path / 'logs'}/")):
        assert placeholder in text
        text = text.replace(placeholder, str(value))
    site = tmp_path / "registry.conf"
    site.write_text(text, encoding="utf-8")
    wrapper = tmp_path / "nginx.conf"
    wrapper.write_text(f"""
pid {tmp_path / 'nginx.pid'};
error_log {tmp_path / 'logs' / 'error.log'};
events {{}}
http {{
    include /etc/nginx/mime.types;
    include {site};
}}
""", encoding="utf-8")
    return wrapper


def test_site_passes_nginx_t(tmp_path):
    if NGINX is None:  # skipped here, a failure on CI (make browser-deps installs nginx)
        reason = "nginx is not installed (make browser-deps installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must check deploy/nginx", pytrace=False)
        pytest.skip(reason)
    wrapper = filled_in(tmp_path)
    result = subprocess.run(
        [NGINX, "-t", "-e", "stderr", "-p", str(tmp_path), "-c", str(wrapper)],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_site_matches_the_application(app):
    text = SITE.read_text(encoding="utf-8")
    megabytes = Config.MAX_CONTENT_LENGTH // (1024 * 1024)
    # The server-wide body limit is the application's; only the import pages allow more.
    assert re.findall(r"^    client_max_body_size (\S+);", text, re.M) == [f"{megabytes}m"]
    cookie = app.config["SESSION_COOKIE_NAME"]
    assert f"proxy_cache_bypass $cookie_{cookie} $http_authorization;" in text
    assert f"proxy_no_cache $cookie_{cookie} $http_authorization;" in text
    assert "$cookie_lang" in text.split("proxy_cache_key", 1)[1].split(";", 1)[0]
    # Only what the application marks cacheable is cached.
    assert not re.search(r"^\s*proxy_cache_valid", text, re.M)
    for header in ("X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme",
                   "X-Forwarded-Host $host", 'X-Forwarded-Prefix ""'):
        assert text.count(f"proxy_set_header {header};") == 2  # HTTP (/healthz) and HTTPS
    # No query string (nor referrer) in the access log.
    log_format = text.split("log_format", 1)[1].split(";", 1)[0]
    assert "$request_uri" not in log_format and "$args" not in log_format
    assert "$request " not in log_format and "$http_referer" not in log_format
    assert (ROOT / "static").is_dir()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(port: int, method: str, path: str, headers: dict | None = None, body=None,
             tls: bool = False):
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=30,
                                                 context=context)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body,
                           headers={"Host": "registry.example.cn", **(headers or {})})
        response = connection.getresponse()
        headers: dict[str, str] = {}
        for name, value in response.getheaders():  # repeated headers joined, as RFC 9110 says
            headers[name.lower()] = f"{headers[name.lower()]}, {value}" \
                if name.lower() in headers else value
        return response.status, headers, response.read()
    finally:
        connection.close()


@pytest.fixture
def nginx_in_front(seeded, tmp_path):
    """nginx with the filled-in site on two free ports, gunicorn (shipped settings) behind."""
    if NGINX is None:
        pytest.skip("nginx is not installed (make browser-deps installs it)")
    server = Gunicorn(tmp_path / "gunicorn", seeded.config["SQLALCHEMY_DATABASE_URI"],
                      seeded.config["SEARCH_INDEX_DIR"], GUNICORN_WORKERS="1")
    http_port, https_port = _free_port(), _free_port()
    wrapper = filled_in(tmp_path)
    site = tmp_path / "registry.conf"
    text = site.read_text(encoding="utf-8")
    for old, new in (("server 127.0.0.1:8000;", f"server 127.0.0.1:{server.port};"),
                     ("    listen 80;", f"    listen 127.0.0.1:{http_port};"),
                     ("    listen 443 ssl http2;",
                      f"    listen 127.0.0.1:{https_port} ssl http2;")):
        assert old in text
        text = text.replace(old, new)
    text = re.sub(r"^    listen \[::\].*\n", "", text, flags=re.M)  # no IPv6 needed here
    site.write_text(text, encoding="utf-8")
    if os.geteuid() == 0:  # tmp_path is private to this user: workers must run as it
        wrapper.write_text("user root;\n" + wrapper.read_text(encoding="utf-8"))
    nginx = subprocess.Popen([NGINX, "-e", "stderr", "-p", str(tmp_path), "-c", str(wrapper),
                              "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _request(http_port, "GET", "/healthz")
                break
            except OSError:
                if nginx.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(nginx.stderr.read().decode())
                time.sleep(0.1)
        yield {"http": http_port, "https": https_port, "logs": tmp_path / "logs"}
    finally:
        nginx.terminate()
        nginx.wait(timeout=30)
        nginx.stderr.close()
        server.stop()


def test_nginx_in_front_of_gunicorn(nginx_in_front):
    plain, secure = nginx_in_front["http"], nginx_in_front["https"]
    # Plain HTTP moves to HTTPS, except the load balancer's probe.
    status, headers, _ = _request(plain, "GET", "/search?q=a")
    assert status == 301 and headers["location"] == "https://registry.example.cn/search?q=a"
    status, headers, body = _request(plain, "GET", "/healthz")
    assert status == 200 and b'"status"' in body and headers["cache-control"] == "private, no-store"

    # Static files come from nginx (no application headers such as the CSP), cached a week.
    status, headers, body = _request(secure, "GET", "/static/css/site.css", tls=True)
    assert status == 200 and body == (ROOT / "static" / "css" / "site.css").read_bytes()
    assert "max-age=604800" in headers["cache-control"] and "public" in headers["cache-control"]
    assert "content-security-policy" not in headers

    # Pages reach the application as HTTPS (production redirects anything else) …
    status, headers, body = _request(secure, "GET", "/search?q=%E5%BF%83%E6%B5%B7", tls=True)
    assert status == 200 and "心理咨询中心".encode() in body
    assert "content-security-policy" in headers  # the application's answer
    assert headers["x-cache-status"] in {"MISS", "HIT", "EXPIRED", "REVALIDATED", "STALE",
                                         "UPDATING"}
    # … and the cache is passed by for anyone with a session cookie or a token.
    for credentials in ({"Cookie": "session=abc"}, {"Authorization": "Bearer mhr_x"}):
        status, headers, _ = _request(secure, "GET", "/search?q=x", credentials, tls=True)
        assert status == 200 and headers["x-cache-status"] == "BYPASS"

    # A body over the application's limit is refused by nginx, in JSON under /api/.
    status, headers, body = _request(secure, "POST", "/api/v1/complaints",
                                     {"Content-Type": "application/json"},
                                     b"x" * (3 * 1024 * 1024), tls=True)
    assert status == 413 and headers["content-type"].startswith("application/json")
    assert b"request_entity_too_large" in body

    # nginx's access log: paths, never the query string.
    log = (nginx_in_front["logs"] / "registry.access.log").read_text(encoding="utf-8")
    assert '"GET /search HTTP/1.1" 200' in log and "q=" not in log
