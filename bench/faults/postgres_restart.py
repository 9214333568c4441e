"""Fault: PostgreSQL restarts under load. The application must recover by itself (stale
pooled connections are tested before use, ``pool_pre_ping``): errors only while the server
is down, none once it is back.

    .venv/bin/python bench/faults/postgres_restart.py

Writes ``bench/results/fault_postgres_restart.json``.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Load, Stack, log, record  # noqa: E402

BEFORE, AFTER = 8.0, 10.0
# Requests answered within this long after the restart finished may still have been queued
# while the server was down.
SETTLE = 1.0


def main() -> int:
    with Stack(base_port=8710) as stack:
        load = Load(stack.web_port, stack.public_paths(), clients=4).start()
        time.sleep(BEFORE)
        down = load.now()
        log("restarting PostgreSQL (fast shutdown: open connections are cut)")
        stack.postgres.restart()
        up = load.now()
        log(f"PostgreSQL back after {up - down:.1f} s")
        time.sleep(AFTER)
        load.stop()
        end = load.now()
        before = load.errors_between(0, down)
        during = load.errors_between(down, up + SETTLE)
        after = load.errors_between(up + SETTLE, end)
        result = {
            "organisations": stack.organisations, "clients": load.clients,
            "restart_seconds": round(up - down, 2),
            "requests": {"before": load.count_between(0, down),
                         "during": load.count_between(down, up + SETTLE),
                         "after": load.count_between(up + SETTLE, end)},
            "errors": {"before": len(before), "during": len(during), "after": len(after)},
            "error_statuses": sorted({status for _, status, _ in during + after}),
            "error_examples": [f"{status} {path}" for _, status, path in (during + after)[:5]],
            "expected": "no error before; while the server is down, 503 (Retry-After) for the "
                        "requests that need it; none from one second after it is back",
            "passed": (not before and not after and load.count_between(up + SETTLE, end) > 0
                       and {status for _, status, _ in during} <= {503}),
        }
        result["logged_exceptions"] = len(stack.web.log_lines("ERROR in app"))
    record("postgres_restart", result)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
