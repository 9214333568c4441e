"""Recovery time: seed a register into a fresh PostgreSQL database, back it up with
``flask backup create``'s code and prove the backup with ``verify-restore``'s, timing each step.

    .venv/bin/python bench/restore_time.py                          # 100,000 organisations
    .venv/bin/python bench/restore_time.py --organisations 20000    # smaller, same steps

The server is DATABASE_URL's (default ``postgresql://postgres@127.0.0.1:5432/postgres``); the
benchmark makes its own database there (``bench_restore_<N>_<pid>``) and drops it, and the
scratch database of the restore, at the end. The demo seeder writes the register
(deterministic for ``--seed``) through ``flask db upgrade`` and ``flask regions load`` first, as
an operator's database is made, then one chained audit event per organisation (the history the
audit step verifies; ``--audit-events``). Results go to ``bench/results/restore_<N>.json`` with a
description of the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from registry import create_app  # noqa: E402
from registry.audit.models import AuditEvent  # noqa: E402
from registry.audit.services import compute_hash, latest_hash  # noqa: E402
from registry.backup.services import (  # noqa: E402
    RECOVERY_STEPS,
    create_backup,
    tool_version,
    verify_restore,
)
from registry.demo.seed import DEFAULT_SEED, SeedOptions, seed_demo  # noqa: E402
from registry.database import utcnow  # noqa: E402
from registry.extensions import db  # noqa: E402
from registry.regions.services import load_regions  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def log(message: str) -> None:
    """Progress on standard error."""
    print(message, file=sys.stderr, flush=True)


def server_url() -> sa.URL:
    """DATABASE_URL (psycopg 3 driver), or the local server."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit("bench/restore_time.py needs a PostgreSQL DATABASE_URL")
    return parsed


def admin(server: sa.URL, statement: str) -> None:
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(statement))
    finally:
        engine.dispose()


def environment(server_version: str) -> dict:
    """What the figures were measured on."""
    return {
        "date": datetime.now(timezone.utc).date().isoformat(),
        "python": platform.python_version(),
        "postgresql": server_version,
        "pg_dump": tool_version("pg_dump"),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def database_bytes(name: str) -> int:
    return db.session.scalar(sa.text("SELECT pg_database_size(:n)"), {"n": name})


def append_history(count: int, batch: int = 5000) -> None:
    """``count`` chained audit events (an organisation's phone changed), hashed exactly as
    ``record()`` hashes them but inserted in batches: a register's years of history."""
    previous = latest_hash()
    for start in range(0, count, batch):
        events = []
        for number in range(start, min(start + batch, count)):
            event = AuditEvent(occurred_at=utcnow(), actor_id=None, actor_role="system",
                               action="organisation.update", entity_type="organisation",
                               entity_id=str(number + 1), region_code=None,
                               before={"phone": f"0535-{number:07d}"},
                               after={"phone": f"0535-{number + 1:07d}"}, prev_hash=previous)
            event.hash = previous = compute_hash(event)
            events.append(event)
        db.session.add_all(events)
        db.session.flush()
        db.session.expunge_all()
    db.session.commit()


def run(organisations: int, seed: int, jobs: int, audit_events: int) -> dict:
    """Seed, back up, verify-restore; the figures of that run."""
    server = server_url()
    name = f"bench_restore_{organisations}_{os.getpid()}"
    admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(server, f'CREATE DATABASE "{name}"')
    folder = Path(tempfile.mkdtemp(prefix="bench-restore-"))
    try:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": server.set(database=name).render_as_string(
                hide_password=False),
            "SECRET_KEY": "bench", "PII_KEY": Fernet.generate_key().decode("ascii"),
            "SEARCH_INDEX_DIR": str(folder / "search_index"),
        })
        with app.app_context():
            log(f"migrating and loading regions into {name}")
            upgrade()
            load_regions()
            log(f"seeding {organisations:,} organisations")
            started = time.perf_counter()
            result = seed_demo(SeedOptions(orgs=organisations, seed=seed,
                                           cities=tuple(app.config["DEMO_CITIES"])))
            seed_seconds = time.perf_counter() - started
            log(f"appending {audit_events:,} audit events")
            append_history(audit_events)
            size = database_bytes(name)
            server_version = db.session.scalar(sa.text("SHOW server_version"))
            db.session.commit()
            log("backup create")
            started = time.perf_counter()
            backup = create_backup(db.engine, folder / "backups")
            backup_seconds = time.perf_counter() - started
            log("verify-restore")
            report = verify_restore(backup.dump, app.config, jobs=jobs,
                                    processes=min(2, os.cpu_count() or 1))
            db.session.remove()
            db.engine.dispose()
        manifest = backup.manifest
        figures = {
            "organisations": result.counts["organisations"],
            "practitioners": result.counts["practitioners"],
            "rows": sum(manifest["tables"].values()),
            "audit_events": manifest["audit"]["events"],
            "database_mb": round(size / 2 ** 20, 1),
            "dump_mb": round(manifest["dump"]["bytes"] / 2 ** 20, 1),
            "seed_seconds": round(seed_seconds, 1),
            "backup_create_seconds": round(backup_seconds, 2),
            "backup_dump_seconds": manifest["seconds"]["dump"],
            "verify_restore_ok": report.ok,
            "steps": {step.name: {"seconds": round(step.seconds, 2), "ok": step.ok,
                                  "detail": step.detail} for step in report.steps},
            "recovery_seconds": report.seconds(*RECOVERY_STEPS),
            "recovery_steps": list(RECOVERY_STEPS),
            "verify_restore_seconds": report.seconds(),
            "pg_restore_jobs": jobs,
        }
        return {"benchmark": "flask backup create + verify-restore (PostgreSQL)",
                "command": f"bench/restore_time.py --organisations {organisations} --seed {seed}"
                           f" --audit-events {audit_events}",
                "seed": seed, **environment(server_version), **figures}
    finally:
        admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=100_000,
                        help="how many organisations to seed (default 100000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="pg_restore's parallel jobs (default 2)")
    parser.add_argument("--audit-events", type=int,
                        help="audit history to add (default: one event per organisation)")
    parser.add_argument("--output", type=Path, help="default bench/results/restore_<N>.json")
    args = parser.parse_args(argv)
    report = run(args.organisations, args.seed, args.jobs,
                 args.organisations if args.audit_events is None else args.audit_events)
    output = args.output or RESULTS / f"restore_{args.organisations}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0 if report["verify_restore_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
