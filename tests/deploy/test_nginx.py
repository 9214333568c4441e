"""``deploy/nginx/registry.conf`` passes ``nginx -t`` once its placeholders are filled in (a
throw-away certificate, folders under tmp_path), and says what the application needs."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from registry.config import Config

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "registry.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for registry.example.cn and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "registry.example.cn")])
    now = datetime.now(timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(minutes=1))
                   .not_valid_after(now + timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    chain, private = folder / "fullchain.pem", folder / "privkey.pem"
    chain.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return chain, private


def filled_in(tmp_path: Path) -> Path:
    """The site with every CHANGE-ME and system folder replaced, inside a wrapper nginx.conf."""
    chain, private = _certificate(tmp_path)
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
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(wrapper)],
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
    assert not re.search(r"^\s*proxy_cache_valid", text, re.M)  # only what the application marks cacheable
    for header in ("X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme",
                   "X-Forwarded-Host $host", 'X-Forwarded-Prefix ""'):
        assert text.count(f"proxy_set_header {header};") == 2  # HTTP (/healthz) and HTTPS
    # No query string (nor referrer) in the access log.
    log_format = text.split("log_format", 1)[1].split(";", 1)[0]
    assert "$request_uri" not in log_format and "$args" not in log_format
    assert "$request " not in log_format and "$http_referer" not in log_format
    assert (ROOT / "static").is_dir()
