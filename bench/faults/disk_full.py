"""Fault: the disk of the search index fills up while the index is being written.

The index lives on a small filesystem of its own, filled to the last byte while searches run.
A pending change is then applied (``flask search sync``) and a rebuild started: both fail
with a message, the web keeps answering every search from the last complete generation, and
once space is freed the pending change is applied and a rebuild succeeds.

    .venv/bin/python bench/faults/disk_full.py      # needs root (mounts a tmpfs)

Writes ``bench/results/fault_disk_full.json``.
"""
from __future__ import annotations

import os
import sys
import time
import urllib.parse
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Load, Stack, flask, get, log, record  # noqa: E402

NEW_NAME = "磁盘已满测试心理咨询中心"


def fill(folder: Path) -> Path:
    """Write a file until the filesystem refuses another byte."""
    filler = folder / "filler.bin"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 4096, 1):
            try:
                while os.write(descriptor, b"\0" * size) == size:
                    pass
            except OSError:
                pass
    finally:
        os.close(descriptor)
    return filler


def search_hits(port: int, text: str) -> tuple[int, int]:
    status, body = get(port, "/api/v1/organisations?" + urllib.parse.urlencode({"q": text}))
    if status != 200:
        return status, -1
    import json
    return status, json.loads(body)["total"]


def main() -> int:
    if os.geteuid() != 0:
        print("needs root to mount a tmpfs for the index", file=sys.stderr)
        return 2
    with Stack(base_port=8760, index_filesystem_mb=48) as stack:
        load = Load(stack.web_port, ["/search?q=%E5%BF%83%E7%90%86",
                                     "/api/v1/organisations?q=xinli",
                                     "/search/practitioners?q=%E5%BF%83%E7%90%86"],
                    clients=3).start()
        time.sleep(2)
        generation_before = os.readlink(stack.index_dir / "current")
        filler = fill(stack.index_dir)
        log(f"index filesystem full ({filler.stat().st_size / 2**20:.1f} MiB of filler)")
        with psycopg.connect(stack.postgres.url, autocommit=True) as conn:
            organisation = conn.execute("SELECT id FROM organisations WHERE status = 'active' "
                                        "ORDER BY id LIMIT 1").fetchone()[0]
            conn.execute("UPDATE organisations SET name = %s WHERE id = %s",
                         (NEW_NAME, organisation))
            conn.execute("INSERT INTO search_outbox (entity_type, entity_id, operation, "
                         "created_at) VALUES ('organisation', %s, 'upsert', now())",
                         (organisation,))
        synced_full = flask(stack.env, "search", "sync", check=False)
        rebuilt_full = flask(stack.env, "search", "rebuild", "--processes", "1", check=False)
        log(f"sync on a full disk: exit {synced_full.returncode}; "
            f"rebuild: exit {rebuilt_full.returncode}")
        time.sleep(3)  # searches go on meanwhile (each may try to apply the change)
        still_current = os.readlink(stack.index_dir / "current") == generation_before
        hits_while_full = search_hits(stack.web_port, "心理")
        full_end = load.now()
        filler.unlink()
        log("space freed")
        synced = flask(stack.env, "search", "sync", check=False)
        found_after = search_hits(stack.web_port, NEW_NAME)
        rebuilt = flask(stack.env, "search", "rebuild", "--processes", "1", check=False)
        leftovers = sorted(p.name for p in stack.index_dir.iterdir()
                           if p.name.startswith("gen-"))
        load.stop()
        errors = load.errors_between(0, load.now())

        def tail(done):
            return {"exit": done.returncode,
                    "message": (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:],
                    "traceback": "Traceback" in done.stderr}

        result = {
            "sync_on_full_disk": tail(synced_full),
            "rebuild_on_full_disk": tail(rebuilt_full),
            "generation_unchanged_while_full": still_current,
            "search_while_full": {"status": hits_while_full[0], "total": hits_while_full[1]},
            "searches": {"while_full": load.count_between(0, full_end),
                         "total": len(load.answers), "errors": len(errors)},
            "sync_after_freeing": tail(synced),
            "pending_change_searchable_after_freeing": found_after[1] > 0,
            "rebuild_after_freeing": tail(rebuilt),
            "generations_left": len(leftovers),
            "expected": "sync and rebuild fail with a message and no traceback while the disk "
                        "is full; every search answers from the last generation; afterwards "
                        "the change is applied and a rebuild succeeds",
        }
        result["passed"] = (
            synced_full.returncode != 0 and rebuilt_full.returncode != 0
            and not result["sync_on_full_disk"]["traceback"]
            and not result["rebuild_on_full_disk"]["traceback"]
            and still_current and hits_while_full[1] > 0 and not errors
            and synced.returncode == 0 and found_after[1] > 0 and rebuilt.returncode == 0)
    record("disk_full", result)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
