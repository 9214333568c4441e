"""Fault: gunicorn workers killed with SIGKILL in the middle of writes.

Clients file complaints through the API (each from its own address, so no limit is reached)
while a worker is killed every two seconds; gunicorn starts a new one. Afterwards every
complaint in the database has exactly one audit event (a transaction is all or nothing),
every complaint acknowledged with 201 is in the database, and ``flask audit verify`` finds
the chain intact.

    .venv/bin/python bench/faults/worker_kill.py

Writes ``bench/results/fault_worker_kill.json``.
"""
from __future__ import annotations

import json
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Stack, flask, get, log, record  # noqa: E402

KILLS = 4
WRITERS = 4


def writer(port: int, number: int, organisations: list[int], stop: threading.Event,
           answers: list, lock: threading.Lock) -> None:
    rng = random.Random(number)
    sent = 0
    while not stop.is_set():
        sent += 1
        summary = f"故障测试 {number}-{sent}"
        body = json.dumps({"organisation_id": rng.choice(organisations),
                           "category": "false_advertising", "summary": summary,
                           "details": "工作进程被强制结束时提交的投诉。"}).encode("utf-8")
        status, text = get(port, "/api/v1/complaints", method="POST", body=body, headers={
            "Content-Type": "application/json",
            "X-Forwarded-For": f"10.{number}.{sent // 250 % 250}.{sent % 250 + 1}"})
        with lock:
            answers.append((status, summary))


def main() -> int:
    with Stack(base_port=8750, workers=2) as stack:
        with psycopg.connect(stack.postgres.url) as conn:
            organisations = [row[0] for row in conn.execute(
                "SELECT id FROM organisations WHERE status = 'active' ORDER BY id LIMIT 50")]
        stop, lock, answers = threading.Event(), threading.Lock(), []
        threads = [threading.Thread(target=writer, daemon=True,
                                    args=(stack.web_port, n, organisations, stop, answers, lock))
                   for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        killed = []
        for _ in range(KILLS):
            time.sleep(2)
            pid = random.Random(len(killed)).choice(stack.web.worker_pids())
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            log(f"killed worker {pid}")
        time.sleep(3)
        stop.set()
        for thread in threads:
            thread.join()
        after_kills = get(stack.web_port, "/api/v1/organisations?q=xinli")[0]

        with psycopg.connect(stack.postgres.url) as conn:
            rows = {summary: cid for cid, summary in conn.execute(
                "SELECT id, summary FROM complaints WHERE summary LIKE '故障测试 %'")}
            audited = {int(entity) for (entity,) in conn.execute(
                "SELECT entity_id FROM audit_events WHERE action = 'complaint.file'")}
            duplicates = conn.execute(
                "SELECT count(*) FROM (SELECT entity_id FROM audit_events WHERE action = "
                "'complaint.file' GROUP BY entity_id HAVING count(*) > 1) d").fetchone()[0]
        verify = flask(stack.env, "audit", "verify", check=False)
        acknowledged = [summary for status, summary in answers if status == 201]
        statuses: dict[str, int] = {}
        for status, _ in answers:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        missing = [s for s in acknowledged if s not in rows]
        unaudited = [cid for cid in rows.values() if cid not in audited]
        result = {
            "workers": stack.workers, "writers": WRITERS, "kills": len(killed),
            "requests": len(answers), "statuses": statuses,
            "complaints_in_database": len(rows),
            "acknowledged_but_missing": len(missing),
            "complaints_without_audit_event": len(unaudited),
            "complaints_with_two_audit_events": duplicates,
            "audit_verify": verify.stdout.strip().splitlines()[-1:] or verify.stderr[-300:],
            "search_after_kills": after_kills,
            "expected": "every complaint has exactly one audit event, every 201 is stored, "
                        "the audit chain verifies, the site answers after the kills",
            "passed": (not missing and not unaudited and duplicates == 0
                       and verify.returncode == 0 and after_kills == 200
                       and statuses.get("201", 0) > 0),
        }
    record("worker_kill", result)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
