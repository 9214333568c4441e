"""The search worker: keeps one index folder (one replica) current from the change log.

``flask search worker`` runs ``Worker.run``: apply the log (``sync.apply_log``, which also
rebuilds a missing, damaged, outdated or forgotten index), report the position, prune old
log rows now and then, and wait. On PostgreSQL it waits for ``NOTIFY search_outbox``, which
every writing transaction sends at its commit (so a change is searchable on every replica
within a fraction of a second), and reads anyway every ``SEARCH_WORKER_IDLE_SECONDS`` in case
a notification was lost with a connection; on SQLite it reads every
``SEARCH_WORKER_POLL_SECONDS``. A database that goes away is retried with a growing pause
(one line in the log when it goes, one when it is back); SIGTERM or SIGINT stops it after the
batch in hand (a rebuild in progress is abandoned and its folder removed).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Optional

import sqlalchemy as sa

from registry.search.sync import NOTIFY_CHANNEL, RETENTION_SECONDS, Stopped, apply_log, prune

log = logging.getLogger(__name__)
MAX_BACKOFF = 30.0
HEARTBEAT_SECONDS = 60.0  # how often an idle worker still reports its position


def default_replica_name(index_dir: str) -> str:
    """This host and index folder: stable across restarts, different for every replica."""
    return f"{socket.gethostname()}:{os.path.abspath(index_dir)}"


def _database_errors() -> tuple:
    errors = [sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.DisconnectionError]
    try:
        import psycopg

        errors += [psycopg.OperationalError, psycopg.InterfaceError]
    except ImportError:  # SQLite-only installation
        pass
    return tuple(errors)


class Worker:
    """The loop of one replica. ``stop`` (a threading.Event) ends it."""

    def __init__(self, index_dir: str, engine: sa.Engine, replica: str, *,
                 poll_seconds: float = 0.5, idle_seconds: float = 10.0,
                 retention_seconds: float = RETENTION_SECONDS,
                 prune_every_seconds: float = 600.0, lock_wait: float = 5.0,
                 stop: Optional[threading.Event] = None):
        self.index_dir = index_dir
        self.engine = engine
        self.replica = replica
        self.poll_seconds = poll_seconds
        self.idle_seconds = idle_seconds
        self.retention_seconds = retention_seconds
        self.prune_every_seconds = prune_every_seconds
        self.lock_wait = lock_wait
        self.stop = stop or threading.Event()
        self.listens = engine.dialect.name == "postgresql"
        self._listener = None
        self._last_prune = -float("inf")
        self._last_report = -float("inf")

    # --- PostgreSQL notifications -----------------------------------------------------------

    def _listen(self) -> None:
        import psycopg

        url = self.engine.url.set(drivername="postgresql")
        self._listener = psycopg.connect(url.render_as_string(hide_password=False),
                                         autocommit=True, connect_timeout=5)
        self._listener.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def _close_listener(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            except Exception:  # already broken: nothing to close cleanly
                pass
            self._listener = None

    def _wait(self) -> None:
        """Until a notification, the idle timeout (PostgreSQL) or the poll interval (SQLite),
        checking ``stop`` at least twice a second."""
        deadline = time.monotonic() + (self.idle_seconds if self.listens else self.poll_seconds)
        while not self.stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if self._listener is None:
                self.stop.wait(min(remaining, 0.5))
                continue
            woken = False
            for _ in self._listener.notifies(timeout=min(remaining, 0.5), stop_after=1):
                woken = True
            if woken:  # several commits at once: one read applies them all
                for _ in self._listener.notifies(timeout=0):
                    pass
                return

    # --- the loop ---------------------------------------------------------------------------

    def run_once(self):
        """One pass: apply what is waiting (rebuilding when needed), prune when it is time."""
        heartbeat = time.monotonic() - self._last_report >= HEARTBEAT_SECONDS
        report = apply_log(self.index_dir, self.engine, wait=self.lock_wait,
                           replica=self.replica, stop=self.stop.is_set, heartbeat=heartbeat)
        if heartbeat or report.applied or report.rebuilt:
            self._last_report = time.monotonic()
        if report.rebuilt:
            log.info("search worker: the index was %s; rebuilt at log position %s",
                     report.rebuilt, report.position)
        if time.monotonic() - self._last_prune >= self.prune_every_seconds:
            self._last_prune = time.monotonic()
            pruned = prune(self.engine, self.retention_seconds)
            if pruned:
                log.info("search worker: pruned %d old log rows", pruned)
        return report

    def run(self) -> None:
        errors = _database_errors()
        backoff = 0.5
        down = False
        log.info("search worker for %s started (replica %s)", self.index_dir, self.replica)
        try:
            while not self.stop.is_set():
                try:
                    if self.listens and self._listener is None:
                        self._listen()  # before reading: no commit falls in between
                    self.run_once()
                    if down:
                        log.warning("search worker: the database answers again")
                        down, backoff = False, 0.5
                    self._wait()
                except Stopped:
                    break
                except errors as error:
                    if not down:
                        log.warning("search worker: the database is unavailable (%s); "
                                    "retrying with backoff", type(error).__name__)
                        down = True
                    self._close_listener()
                    self.engine.dispose()
                    self.stop.wait(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
                except Exception:  # a full disk, say: say why, wait, try again
                    log.exception("search worker: applying the log failed; retrying")
                    self._close_listener()
                    self.stop.wait(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
        finally:
            self._close_listener()
            log.info("search worker for %s stopped", self.index_dir)
