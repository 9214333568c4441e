"""Times ``flask demo seed`` into a fresh temporary SQLite database for a few sizes.

    .venv/bin/python bench/demo_seed.py            # 1,000 and 10,000 organisations
    .venv/bin/python bench/demo_seed.py --full     # also 100,000 (a few minutes)

Prints the figures and writes them as JSON to ``bench/results/demo_seed.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.fernet import Fernet  # noqa: E402

from registry import create_app  # noqa: E402
from registry.demo.seed import DEFAULT_SEED, SeedOptions, seed_demo  # noqa: E402
from registry.extensions import db  # noqa: E402
from registry.regions.services import load_regions  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "demo_seed.json"


def time_seed(orgs: int, seed: int) -> dict:
    """Seed ``orgs`` organisations into a new SQLite file; the figures of that run."""
    with tempfile.TemporaryDirectory(prefix="demo-seed-") as folder:
        database = Path(folder) / "registry.sqlite3"
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "bench", "PII_KEY": Fernet.generate_key().decode("ascii"),
            "SEARCH_INDEX_DIR": str(Path(folder) / "search_index"),
        })
        with app.app_context():
            db.create_all()
            load_regions()
            started = time.perf_counter()
            result = seed_demo(SeedOptions(orgs=orgs, seed=seed,
                                           cities=tuple(app.config["DEMO_CITIES"])))
            seconds = time.perf_counter() - started
            db.engine.dispose()
        size = database.stat().st_size
    rows = result.rows
    return {
        "orgs": result.counts["organisations"],
        "practitioners": result.counts["practitioners"],
        "qualifications": result.counts["qualifications"],
        "evaluations": result.counts["evaluations"],
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "orgs_per_second": round(orgs / seconds, 1),
        "database_mb": round(size / 2 ** 20, 1),
    }


def environment() -> dict:
    """What the figures were measured on."""
    return {
        "date": datetime.now(timezone.utc).date().isoformat(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000],
                        help="numbers of organisations to seed (default: 1000 10000)")
    parser.add_argument("--full", action="store_true", help="also seed 100,000 organisations")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sizes = args.sizes + ([100_000] if args.full and 100_000 not in args.sizes else [])
    runs = []
    for orgs in sizes:
        run = time_seed(orgs, args.seed)
        runs.append(run)
        print(f"{run['orgs']:>7,} orgs, {run['practitioners']:>7,} practitioners, "
              f"{run['rows']:>9,} rows in {run['seconds']:>7.1f} s "
              f"({run['rows_per_second']:,} rows/s, {run['database_mb']} MB)", flush=True)
    report = {"benchmark": "flask demo seed (SQLite)", "seed": args.seed, **environment(),
              "runs": runs}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
