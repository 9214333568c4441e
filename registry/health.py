"""``GET /healthz``: what a load balancer (and an operator) needs to know about this node.

The answer is JSON, anonymous and free of secrets: whether the database answers a
``SELECT 1`` within ``HEALTH_TIMEOUT`` seconds, which search-index generation this process
searches and how old it is, this host's replica lag (the change log's head position minus
the position this host's index has applied, and how many changes wait, for how long), and
the application's version.

* **200** ``"ok"``: the database answers and the index is searchable.
* **200** ``"degraded"``: the database answers but search runs in its limited mode (no
  readable index: organisations are found by name in the database while the index is
  rebuilt) or the index is more than ``SEARCH_LAG_DEGRADED`` seconds behind the database.
  The node still serves every page, so a load balancer keeps it: pulling every node out
  because the index is being rebuilt would take the whole site down.
* **503** ``"unavailable"``: the database does not answer. No page can be served.

It never writes (no table, no index file, no session cookie), is never rate limited and is
never cached (``Cache-Control: private, no-store``: nobody keeps a copy, whoever asks). The
database is asked through an engine of its own without a pool (a fresh connection with short
timeouts each time), so a stuck pool of the application cannot hang the check, and the
check cannot use up the application's pool.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Optional
from urllib.parse import quote

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, g, jsonify
from sqlalchemy.pool import NullPool

from registry.extensions import limiter, login_manager, talisman

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

# Seconds the database gets to connect and to answer (libpq's connect_timeout takes whole
# seconds, at least 2).
HEALTH_TIMEOUT = 2
# The index counts as behind (``degraded``) when the oldest change this host's index has not
# applied is older than this many seconds (the search worker normally applies a change
# within a second of its commit).
SEARCH_LAG_DEGRADED = 300


@lru_cache(maxsize=1)
def app_version() -> str:
    """The installed distribution's version (setup.cfg), or ``unknown``."""
    try:
        return metadata.version("mh-registry")
    except metadata.PackageNotFoundError:
        return "unknown"


def _probe_url(url: sa.URL) -> tuple[sa.URL, dict]:
    """The application's database URL and connect arguments for a bounded, read-only probe.

    SQLite opens the file read-write without creating it (``mode=rw``): a health check must
    not leave an empty database where a missing one was."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            url = url.set(database="file:" + quote(database),
                          query={**url.query, "mode": "rw", "uri": "true"})
        return url, {"timeout": HEALTH_TIMEOUT}
    if backend == "postgresql":
        milliseconds = HEALTH_TIMEOUT * 1000
        return url, {
            "connect_timeout": max(2, HEALTH_TIMEOUT),
            "options": f"-c statement_timeout={milliseconds} -c lock_timeout={milliseconds}",
            # A host that vanished mid-query: give up instead of waiting for TCP to.
            "tcp_user_timeout": milliseconds, "keepalives": 1, "keepalives_idle": 1,
            "keepalives_interval": 1, "keepalives_count": HEALTH_TIMEOUT,
        }
    return url, {}


def _probe_engine(app: Flask) -> sa.Engine:
    """This app's probe engine (one per app and process; no pool, so it survives a fork)."""
    engine = app.extensions.get("health_engine")
    if engine is None:
        url, connect_args = _probe_url(sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]))
        engine = sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)
        app.extensions["health_engine"] = engine
    return engine


def _utc(moment: Optional[datetime]) -> Optional[datetime]:
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def check_database(app: Flask, applied: Optional[int] = None) -> dict:
    """``SELECT 1`` and this host's replica lag against the change log — the head position,
    and the rows after ``applied`` (the position of this host's index; None: every row) —
    or ``{"reachable": False}`` (the reason goes to the log, by exception type and without
    the URL; never to the answer)."""
    from registry.search.models import SearchOutbox

    started = time.perf_counter()
    try:
        with _probe_engine(app).connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            latency = time.perf_counter() - started
            waiting = SearchOutbox.position.is_(None)
            if applied is not None:
                waiting = sa.or_(waiting, SearchOutbox.position > applied)
            try:
                head = connection.scalar(sa.select(sa.func.max(SearchOutbox.position)))
                pending, oldest = connection.execute(
                    sa.select(sa.func.count(), sa.func.min(SearchOutbox.created_at))
                    .where(waiting)).one()
            except sa.exc.DBAPIError as error:  # no schema yet (flask db upgrade not run)
                log.warning("health check: the search log cannot be read (%s)",
                            type(error.orig).__name__)
                head = pending = oldest = None
            connection.rollback()
    except Exception as error:  # any driver's failure: refused, timed out, no such file, …
        log.warning("health check: the database did not answer (%s)", type(error).__name__)
        return {"reachable": False}
    answer = {"reachable": True, "latency_ms": round(latency * 1000, 1),
              "pending_changes": None, "lag_seconds": None, "log_position": None}
    if pending is not None:
        oldest = _utc(oldest)
        lag = (datetime.now(timezone.utc) - oldest).total_seconds() if oldest else 0.0
        answer.update(pending_changes=int(pending), lag_seconds=round(max(lag, 0.0), 1),
                      log_position=int(head or 0))
    return answer


def _generation_built_at(generation: Path) -> Optional[datetime]:
    """When a generation was created: its name says so (``gen-YYYYmmddHHMMSS-…``, local
    time of this host), else the folder's change time."""
    try:
        stamp = generation.name.split("-")[1]
        return datetime.strptime(stamp, "%Y%m%d%H%M%S").astimezone(timezone.utc)
    except (IndexError, ValueError):
        try:
            return datetime.fromtimestamp(generation.stat().st_ctime, timezone.utc)
        except OSError:
            return None


def check_search(index_dir: str) -> dict:
    """The generation searches use (``full``), or ``limited`` when there is no readable
    index. Read-only: opens both indexes' tables of contents (as every search's freshness
    check does) but never syncs, rebuilds, or creates the folder."""
    from registry.search.storage import (
        KINDS,
        IndexUnavailable,
        current_generation,
        open_indexes,
        read_position,
    )

    try:
        generation = current_generation(Path(index_dir))
    except OSError:
        generation = None
    if generation is None:
        return {"mode": "limited", "generation": None, "built_at": None, "age_seconds": None,
                "documents": None, "applied_position": None}
    answer = {"mode": "full", "generation": generation.name, "built_at": None,
              "age_seconds": None, "documents": {}, "applied_position": read_position(generation)}
    built = _generation_built_at(generation)
    if built is not None:
        answer["built_at"] = built.isoformat(timespec="seconds").replace("+00:00", "Z")
        answer["age_seconds"] = max(0, int((datetime.now(timezone.utc) - built).total_seconds()))
    try:
        indexes = open_indexes(generation)
        answer["documents"] = {kind: indexes[kind].doc_count() for kind in KINDS}
    except (IndexUnavailable, OSError) as error:
        log.warning("health check: the search index cannot be opened (%s)", error)
        answer.update(mode="limited", documents=None)
    return answer


@bp.get("/healthz")
@limiter.exempt
@talisman(force_https=False)  # load balancers probe nodes over plain HTTP
def healthz():
    """This node's health as JSON; 503 when the database does not answer."""
    app = current_app._get_current_object()
    # Whoever asks is nobody: a session cookie sent along is never looked up (the database
    # may be what is down, and the answer is the same for everyone).
    g._login_user = login_manager.anonymous_user()
    search = check_search(app.config["SEARCH_INDEX_DIR"])
    database = check_database(app, search["applied_position"])
    # How far this host's index (replica) is behind the database: the log's head position
    # minus the index's, and the rows not applied yet (unknown without the database).
    search["log_position"] = database.pop("log_position", None)
    search["pending_changes"] = database.pop("pending_changes", None)
    search["lag_seconds"] = database.pop("lag_seconds", None)
    search["replica_lag"] = None
    if search["log_position"] is not None:
        search["replica_lag"] = max(0, search["log_position"] - (search["applied_position"]
                                                                   or 0))
    reasons = []
    if not database["reachable"]:
        status, code = "unavailable", 503
        reasons.append("database_unreachable")
    else:
        status, code = "ok", 200
        if search["mode"] != "full":
            reasons.append("search_limited")
        if search["pending_changes"] is None:
            reasons.append("search_outbox_unreadable")  # the change log's table
        elif search["lag_seconds"] > SEARCH_LAG_DEGRADED:
            reasons.append("search_behind")
        if reasons:
            status = "degraded"
    body = {
        "status": status,
        "reasons": reasons,
        "version": app_version(),
        "checked_at": datetime.now(timezone.utc).isoformat(timespec="seconds")
                      .replace("+00:00", "Z"),
        "database": database,
        "search": search,
    }
    response = jsonify(body)
    response.status_code = code
    response.headers["Cache-Control"] = "private, no-store"
    return response


def register(app: Flask) -> None:
    """Mount ``/healthz`` (CSRF does not apply: it only answers GET)."""
    app.register_blueprint(bp)
