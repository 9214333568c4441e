"""Separate processes for the replica tests: a search worker, a writer, and a worker that is
killed (SIGKILL) between applying a batch and recording its position.

``python -m tests.search.replica_process MODE DATABASE_URL INDEX_DIR ARG…``:

* ``worker NAME``: ``flask search worker --name NAME`` (stops on SIGTERM);
* ``killed-worker NAME``: the same, but dies by SIGKILL right after its first index commit
  of log rows, before the position is written;
* ``writer PREFIX COUNT``: registers COUNT organisations, one commit each, as a web process
  in production does (nothing applied to any index after the commit).
"""
from __future__ import annotations

import os
import signal
import sys


def _app(database_url: str, index_dir: str):
    from registry import create_app
    from tests.conftest import _base_config

    return create_app({**_base_config(database_url, index_dir),
                       "SEARCH_APPLY_AFTER_COMMIT": False,
                       "SEARCH_WORKER_POLL_SECONDS": 0.1, "SEARCH_WORKER_IDLE_SECONDS": 2.0})


def worker(app, name: str) -> None:
    result = app.test_cli_runner().invoke(args=["search", "worker", "--name", name])
    sys.stderr.write(result.output)  # the runner captured the worker's log
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    print("stopped", flush=True)


def killed_worker(app, name: str) -> None:
    from registry.search import sync

    applied = []
    original_apply, original_write = sync._apply, sync.write_position

    def apply(*args, **kwargs):
        original_apply(*args, **kwargs)
        applied.append(True)

    def write_position(generation, position):
        if applied:  # the index holds the batch; its position is not recorded yet
            os.kill(os.getpid(), signal.SIGKILL)
        original_write(generation, position)

    sync._apply, sync.write_position = apply, write_position
    worker(app, name)


def writer(app, prefix: str, count: str) -> None:
    from registry.extensions import db
    from tests import factories

    with app.app_context():
        for number in range(int(count)):
            factories.make_organisation(
                name=f"烟台市{prefix}{number}号心理咨询有限公司",
                uscc=factories.valid_uscc(serial=int.from_bytes(os.urandom(4), "big")))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    print("committed", flush=True)


if __name__ == "__main__":
    mode, url, index_dir, *rest = sys.argv[1:]
    application = _app(url, index_dir)
    {"worker": worker, "killed-worker": killed_worker, "writer": writer}[mode](application, *rest)
