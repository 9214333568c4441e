"""Stand-ins for the rebuild's second process (``registry.search.sync._build_in_child``),
importable by a ``spawn``ed interpreter: one reports a failure, one dies without a word."""
from __future__ import annotations

import os


def reports_failure(url, generation, kind, ids, today, messages) -> None:
    messages.put(("progress", 1))
    messages.put(("failed", "OperationalError: the database went away"))


def dies(url, generation, kind, ids, today, messages) -> None:
    os._exit(3)
