"""Real gunicorn with ``deploy/gunicorn.conf.py`` on a seeded test database: it boots in
production mode behind a trusted proxy, every worker runs the warm-up search before it takes
a request, ``/healthz`` answers, the access log holds no query string, and it stops cleanly."""
from __future__ import annotations

from tests.deploy.conftest import Gunicorn

PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9",
         "X-Forwarded-Host": "registry.example.cn"}


def test_boots_warms_up_answers_and_stops(seeded, tmp_path):
    server = Gunicorn(tmp_path, seeded.config["SQLALCHEMY_DATABASE_URI"],
                      seeded.config["SEARCH_INDEX_DIR"])
    try:
        # Each worker's warm-up search found the seeded records before it took a request.
        for number in (1, 2):
            warm = server.wait_for(r"warm-up search done in \d+ ms \((\d+) organisations, "
                                   r"(\d+) practitioners\)", count=number)
            assert warm.groups() == ("1", "1")
        assert "warm-up search failed" not in server.text()

        status, headers, body = server.get("/healthz", PROXY)
        assert status == 200, body
        assert headers["Cache-Control"] == "private, no-store"
        assert b'"status":"ok"' in body.replace(b" ", b"")
        assert b'"mode":"full"' in body.replace(b" ", b"")

        # Production behind the trusted proxy: https as nginx says, no redirect …
        status, _, body = server.get("/search?q=%E5%BF%83%E6%B5%B7&number=110101199003077777",
                                     PROXY)  # q=心海
        assert status == 200 and "心理咨询中心".encode() in body
        # … while a request that did not come through TLS is sent there.
        assert server.get("/search")[0] in (301, 302)
        # The access log has the path, never the query string.
        server.wait_for(r'"GET /search HTTP/1\.1" 200')
        text = server.text()
        assert "110101199003077777" not in text and "q=" not in text
    finally:
        returncode = server.stop()
    assert returncode == 0, server.text()
    assert "Shutting down: Master" in server.text()


def test_database_down_at_boot_workers_start_and_report_503(seeded, tmp_path):
    server = Gunicorn(tmp_path, "postgresql+psycopg://registry:pw-not-logged@127.0.0.1:1/x",
                      seeded.config["SEARCH_INDEX_DIR"], GUNICORN_WORKERS="1")
    try:
        server.wait_for(r"warm-up search failed \(\w+\)")
        status, headers, body = server.get("/healthz")  # plain HTTP: a load balancer's probe
        assert status == 503 and headers["Cache-Control"] == "private, no-store"
        assert b"unavailable" in body and b"pw-not-logged" not in body
        assert "pw-not-logged" not in server.text()
    finally:
        assert server.stop() == 0
