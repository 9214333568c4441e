"""A separate process that registers an organisation (run by the consistency tests).

``python -m tests.search.writer_process DATABASE_URL INDEX_DIR NAME MODE``; MODE ``commit``
commits normally (the session hook indexes the change), ``crash`` kills the process right
after the commit, before anything reaches the index.
"""
from __future__ import annotations

import os
import sys


def main(database_url: str, index_dir: str, name: str, mode: str) -> None:
    """Create one active organisation called ``name`` and commit it."""
    from registry import create_app
    from registry.extensions import db
    from registry.search import hooks
    from tests import factories
    from tests.conftest import _base_config

    app = create_app(_base_config(database_url, index_dir))
    if mode == "crash":
        def killed_after_commit():
            os._exit(17)

        hooks.apply_now = killed_after_commit
    with app.app_context():
        factories.make_organisation(name=name, uscc=factories.valid_uscc(
            serial=int.from_bytes(os.urandom(4), "big")))
        db.session.commit()
    print("committed", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
