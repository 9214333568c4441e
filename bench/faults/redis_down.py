"""Fault: Redis (the shared rate-limit counters) goes away under load, then comes back.

Documented behaviour: public pages keep working with no error; rate-limited routes keep
answering and keep their limits, counted per worker in memory while Redis is down (a client
can get up to workers × the limit); once Redis is back the shared counters are used again.

    .venv/bin/python bench/faults/redis_down.py

Writes ``bench/results/fault_redis_down.json``.
"""
from __future__ import annotations

import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Load, Stack, get, log, record  # noqa: E402

LOOKUP = "/api/v1/certificates/verify?" + urllib.parse.urlencode(
    {"number": "XL2026000000", "name": "王某"})
LIMIT = 30  # CERTIFICATE_LOOKUP_LIMIT: 30 per minute per address


def lookups(port: int, address: str, count: int) -> dict[int, int]:
    """``count`` certificate look-ups from one client address: how many of each status."""
    statuses: dict[int, int] = {}
    for _ in range(count):
        status, _ = get(port, LOOKUP, {"X-Forwarded-For": address})
        statuses[status] = statuses.get(status, 0) + 1
    return statuses


def main() -> int:
    with Stack(base_port=8740, workers=2) as stack:
        load = Load(stack.web_port, stack.public_paths(), clients=3).start()
        time.sleep(3)
        shared = lookups(stack.web_port, "192.0.2.10", LIMIT + 10)
        log(f"Redis up, {LIMIT + 10} look-ups from one address: {shared}")
        down_at = load.now()
        stack.redis.stop()
        log("Redis stopped")
        time.sleep(2)
        fallback = lookups(stack.web_port, "192.0.2.11", 2 * LIMIT + 20)
        log(f"Redis down, {2 * LIMIT + 20} look-ups from one address: {fallback}")
        time.sleep(3)
        up_at = load.now()
        stack.redis.start()
        log("Redis started again")
        # The limiter retries the main storage with a back-off of up to a minute.
        time.sleep(5)
        load.stop()
        page_errors = load.errors_between(0, load.now())
        result = {
            "workers": stack.workers,
            "lookups_redis_up": {str(k): v for k, v in shared.items()},
            "lookups_redis_down": {str(k): v for k, v in fallback.items()},
            "public_requests": {"while_down": load.count_between(down_at, up_at),
                                "total": len(load.answers)},
            "public_errors": len(page_errors),
            "expected": "public pages: no error; look-ups: only 200 and 429, the limit applied "
                        "(exactly 30 answered with Redis up, 30 to 60 with Redis down)",
            "passed": (not page_errors
                       and set(shared) <= {200, 429} and shared.get(200) == LIMIT
                       and set(fallback) <= {200, 429}
                       and LIMIT <= fallback.get(200, 0) <= stack.workers * LIMIT
                       and fallback.get(429, 0) > 0
                       and load.count_between(down_at, up_at) > 0),
        }
    record("redis_down", result)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
