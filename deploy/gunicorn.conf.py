"""gunicorn settings for the registry: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Every value can be changed from the environment (the systemd unit reads
/etc/registry/registry.env), so this file stays as shipped:

| variable | meaning | default |
|---|---|---|
| GUNICORN_BIND | addresses, comma-separated (``unix:/run/registry/web.sock``) | 127.0.0.1:8000 |
| GUNICORN_WORKERS | worker processes | 2 × the CPUs this process may use |
| GUNICORN_WORKER_CLASS | ``gthread`` or ``sync`` | gthread |
| GUNICORN_THREADS | threads per gthread worker | 4 |
| GUNICORN_TIMEOUT | seconds a worker may stay silent before it is killed and replaced | 60 |
| GUNICORN_GRACEFUL_TIMEOUT | seconds running requests get to finish on a restart or stop | 30 |
| GUNICORN_MAX_REQUESTS | requests after which a worker is replaced (0: never) | 5000 |
| GUNICORN_ACCESSLOG | ``-`` (standard output, the journal) or a file; empty: no access log | - |
| GUNICORN_LOGLEVEL | error-log level | info |
| REGISTRY_WARMUP | ``0`` skips the warm-up search after a worker starts | 1 |

Why gthread: measured with bench/gunicorn_workers.py (bench/results/gunicorn_workers.json),
gthread carried as much as sync or a little more (the application is CPU-bound: the worker
class changes little), and a gthread worker keeps telling the master it is alive while a
thread streams a long download (an open-data XLSX of the whole country), where a sync worker
would be killed after ``timeout`` seconds in the middle of it. Each worker holds its own open
index and caches (about 300 MB at 5,000 organisations): where memory is short, fewer workers
with more threads (GUNICORN_WORKERS=2 GUNICORN_THREADS=8) carried the same load.
"""
from __future__ import annotations

import os
import time


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
        .split(",") if address.strip()]
workers = _int("GUNICORN_WORKERS", 2 * _cpus())
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = _int("GUNICORN_THREADS", 4)
# Requests are short (search ~10 ms, an organisation page ~25 ms); the long ones are
# streamed downloads, which a gthread worker serves without going silent.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# nginx keeps upstream connections open (``keepalive`` in deploy/nginx) and closes them after
# 4 s idle, before gunicorn would (a request sent on a closing connection fails).
keepalive = 5
# Workers are replaced now and then (any slow leak stays bounded); the jitter keeps them
# from restarting all at once. Each new worker runs the warm-up search below first.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = max(0, max_requests // 10)
# The application is imported by each worker, not by the master: a HUP (systemctl reload)
# then loads new code. create_app() touches neither the database nor the index.
preload_app = False
# The heartbeat file in memory, not on a disk that may stall (gunicorn's advice).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# No control socket (gunicorn ≥ 25 creates one under $HOME, which the hardened unit cannot
# write; systemctl reload/restart do what it would).
control_socket_disable = True
# The proxy in front sets X-Forwarded-*; the application trusts them only with
# TRUSTED_PROXY_HOPS (Werkzeug's ProxyFix), so gunicorn's own handling stays the default
# (from 127.0.0.1 only).
proc_name = "registry-web"

# Logs. The access log never holds a query string or a referrer: they can carry what people
# typed (a certificate number and a name at /certificates/verify, a complaint's tracking
# number, search words). Paths hold only record ids, region codes and dataset names.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
capture_output = True  # print() and stray warnings go to the error log, not lost

# A search phrase common in the register: it opens both indexes, reads the posting sets of
# frequent terms and compiles the queries the search pages run.
WARMUP_QUERY = "心理咨询"


def _application(worker):
    """The Flask application the worker loaded (``wsgi:app``)."""
    app = worker.wsgi
    if not hasattr(app, "test_request_context"):  # wrapped by some middleware
        from wsgi import app
    return app


def warm_up(app) -> dict:
    """One search of each kind through the public service functions, as the search page runs
    them, so the first visitor of a new worker does not pay for opening the index. Returns
    what it found; raises what the search raised."""
    from werkzeug.datastructures import MultiDict

    from registry.extensions import db
    from registry.search.query import parse_organisation_query, parse_practitioner_query
    from registry.search.services import search_organisations, search_practitioners

    args = MultiDict({"q": WARMUP_QUERY})
    with app.test_request_context("/search", query_string=args):
        try:
            organisations = search_organisations(parse_organisation_query(args))
            practitioners = search_practitioners(parse_practitioner_query(args))
        finally:
            db.session.remove()
    return {"organisations": organisations.total, "practitioners": practitioners.total,
            "limited": organisations.limited or practitioners.limited}


def post_worker_init(worker):
    """After a worker loaded the application and before it accepts a request."""
    if os.environ.get("REGISTRY_WARMUP", "1").strip() == "0":
        return
    started = time.perf_counter()
    try:
        found = warm_up(_application(worker))
    except Exception as error:  # the database may be down: the worker still starts
        worker.log.warning("warm-up search failed (%s); the first search opens the index",
                           type(error).__name__)
        return
    worker.log.info("warm-up search done in %.0f ms (%d organisations, %d practitioners%s)",
                    (time.perf_counter() - started) * 1000, found["organisations"],
                    found["practitioners"], "; search limited: no index yet"
                    if found["limited"] else "")
