"""Profiles the public organisation page: SQL queries and milliseconds per request.

    .venv/bin/python bench/org_page.py                       # 2,000 organisations, SQLite
    .venv/bin/python bench/org_page.py --orgs 20000 --requests 600
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/org_page.py

Seeds a fresh database with ``flask demo seed``'s data (a temporary SQLite file, or the empty
PostgreSQL database named by ``DATABASE_URL``), then requests the pages of a fixed sample of
public organisations through the Flask test client, anonymously, as a visitor would: each page
is opened several times (a first view, then repeats, as a popular page is), after a warm-up on
other organisations. Reports the median and p95 milliseconds and the queries per request, and
the time of a revalidation (``If-None-Match`` with the page's ETag, answered 304).

The figures of a run are stored under ``--label`` in ``bench/results/org_page.json`` (other
labels are kept). ``--baseline REF`` measures the code of git revision ``REF`` (label
``before``, an exported copy) and this code (label ``after``) in turns, each in its own
process, on one seeded database, keeps each one's median round and stores their ratios:

    .venv/bin/python bench/org_page.py --baseline main
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ``--code-root DIR`` (first on the command line) measures the registry found in DIR instead.
CODE_ROOT = Path(sys.argv[2]) if sys.argv[1:2] == ["--code-root"] else ROOT
sys.path.insert(0, str(CODE_ROOT))

import sqlalchemy as sa  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

from registry import create_app  # noqa: E402
from registry.demo.seed import DEFAULT_SEED, SeedOptions, seed_demo  # noqa: E402
from registry.extensions import db  # noqa: E402
from registry.orgs.models import PUBLIC_STATUSES, Organisation  # noqa: E402
from registry.regions.services import load_regions  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "org_page.json"


class QueryCounter:
    """Counts the SQL statements an engine executes (a ``before_cursor_execute`` listener)."""

    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _summary(milliseconds: list[float]) -> dict:
    return {"requests": len(milliseconds),
            "median_ms": round(statistics.median(milliseconds), 2),
            "p95_ms": round(_percentile(milliseconds, 0.95), 2),
            "max_ms": round(max(milliseconds), 2)}


def _sample(count: int, skip: int) -> list[int]:
    """Every k-th public organisation by id, after the first ``skip`` (used to warm up)."""
    ids = list(db.session.scalars(sa.select(Organisation.id)
                                  .where(Organisation.status.in_(PUBLIC_STATUSES))
                                  .order_by(Organisation.id)))
    step = max(1, (len(ids) - skip) // count)
    return ids[skip::step][:count]


def measure(app, counter: QueryCounter, pages: int, requests: int) -> dict:
    """Open ``pages`` organisation pages round-robin until ``requests`` requests are made."""
    client = app.test_client()
    with app.app_context():
        warm_up = _sample(20, 0)[:20]
        sample = _sample(pages, 40)
        db.session.remove()
    for organisation_id in warm_up:  # templates compiled, connections opened, caches primed
        assert client.get(f"/organisations/{organisation_id}").status_code == 200
    first, repeat, cpu, queries, etags = [], [], [], [], {}
    for number in range(requests):
        organisation_id = sample[number % len(sample)]
        counter.count = 0
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(f"/organisations/{organisation_id}")
        elapsed = (time.perf_counter() - started) * 1000
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (organisation_id, response.status_code)
        queries.append(counter.count)
        (first if number < len(sample) else repeat).append(elapsed)
        etags[organisation_id] = response.headers.get("ETag")
    result = {"pages": len(sample), "all": _summary(first + repeat),
              "first_view": _summary(first), "repeat_view": _summary(repeat) if repeat else None,
              # CPU time of this process (SQLite runs inside it): steadier than wall time on a
              # busy machine; with PostgreSQL the server's share is not in it.
              "cpu": _summary(cpu),
              "queries_per_request": {"median": statistics.median(queries),
                                      "max": max(queries), "min": min(queries)}}
    if all(etags.values()):
        revalidations = []
        for organisation_id in sample:
            started = time.perf_counter()
            response = client.get(f"/organisations/{organisation_id}",
                                  headers={"If-None-Match": etags[organisation_id]})
            revalidations.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 304, response.status_code
        result["revalidation_304"] = _summary(revalidations)
    return result


def environment(url: str) -> dict:
    """What the figures were measured on."""
    return {"date": datetime.now(timezone.utc).date().isoformat(),
            "python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "database": sa.make_url(url).get_backend_name()}


def _database_url(folder: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    return url or f"sqlite:///{folder / 'registry.sqlite3'}"


def _app(url: str, folder: Path):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "PII_KEY": Fernet.generate_key().decode("ascii"),
                       "SEARCH_INDEX_DIR": str(folder / "search_index")})


def seed(orgs: int, seed_number: int, folder: Path) -> None:
    """A fresh database holding the demo data (in ``folder``, or ``DATABASE_URL``'s)."""
    app = _app(_database_url(folder), folder)
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_regions()
        started = time.perf_counter()
        seeded = seed_demo(SeedOptions(orgs=orgs, seed=seed_number,
                                       cities=tuple(app.config["DEMO_CITIES"])))
        print(f"seeded {seeded.counts['organisations']:,} organisations in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        db.engine.dispose()


def run(orgs: int, pages: int, requests: int, folder: Path) -> dict:
    """Measure on the seeded database; the figures of the run."""
    url = _database_url(folder)
    app = _app(url, folder)
    with app.app_context():
        counter = QueryCounter(db.engine)
    figures = measure(app, counter, pages, requests)
    with app.app_context():
        db.engine.dispose()
    return {"orgs": orgs, **environment(url), **figures}


def _measure_in_subprocess(code: Path, args, folder: Path, output: Path) -> dict:
    """One run of the registry found in ``code``, in its own process, on ``folder``'s data."""
    subprocess.run([sys.executable, str(Path(__file__).resolve()), "--code-root", str(code),
                    "--measure-only", str(folder), "--orgs", str(args.orgs),
                    "--pages", str(args.pages), "--requests", str(args.requests),
                    "--output", str(output)], check=True)
    return json.loads(output.read_text("utf-8"))["runs"]["current"]


def compare(ref: str, args, folder: Path) -> dict:
    """``ref`` and this code, measured in turns (``--rounds`` each) on one seeded database,
    so that both meet the same machine; each label keeps its median round (by CPU time)."""
    code = folder / "baseline"
    code.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
    seed(args.orgs, args.seed, folder)
    rounds: dict[str, list[dict]] = {"before": [], "after": []}
    for number in range(args.rounds):
        for label, root in (("before", code), ("after", ROOT)):
            figures = _measure_in_subprocess(root, args, folder, folder / f"{label}.json")
            rounds[label].append(figures)
            print(f"round {number + 1} {label}: median {figures['all']['median_ms']} ms, "
                  f"cpu {figures['cpu']['median_ms']} ms, "
                  f"{figures['queries_per_request']['median']} queries", flush=True)
    chosen = {}
    for label, runs in rounds.items():
        runs.sort(key=lambda figures: figures["cpu"]["median_ms"])
        chosen[label] = {**runs[len(runs) // 2], "code": ref if label == "before" else "HEAD",
                         "rounds_cpu_median_ms": [r["cpu"]["median_ms"] for r in runs],
                         "rounds_median_ms": [r["all"]["median_ms"] for r in runs]}
    return chosen


def _ratios(before: dict, after: dict) -> dict:
    """after / before for the headline figures (below 1 is better)."""
    return {
        "median_ms": round(after["all"]["median_ms"] / before["all"]["median_ms"], 2),
        "p95_ms": round(after["all"]["p95_ms"] / before["all"]["p95_ms"], 2),
        "cpu_median_ms": round(after["cpu"]["median_ms"] / before["cpu"]["median_ms"], 2),
        "queries": round(after["queries_per_request"]["median"]
                         / before["queries_per_request"]["median"], 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and store its figures under the label."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code-root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--pages", type=int, default=100, help="distinct organisation pages")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--label", default="current")
    parser.add_argument("--baseline", metavar="REF",
                        help="also measure git revision REF, as 'before' (this code: 'after')")
    parser.add_argument("--rounds", type=int, default=3,
                        help="with --baseline: runs of each, taken in turns (default 3)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.measure_only:
        runs = {"current": run(args.orgs, args.pages, args.requests, args.measure_only)}
    else:
        with tempfile.TemporaryDirectory(prefix="org-page-") as folder:
            if args.baseline:
                runs = compare(args.baseline, args, Path(folder))
            else:
                seed(args.orgs, args.seed, Path(folder))
                runs = {args.label: run(args.orgs, args.pages, args.requests, Path(folder))}
    report = json.loads(args.output.read_text("utf-8")) if args.output.exists() else {}
    report.setdefault("benchmark", "public organisation page (Flask test client, anonymous)")
    report.setdefault("runs", {}).update(runs)
    if args.baseline:
        report["after_vs_before"] = _ratios(runs["before"], runs["after"])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    if not args.measure_only:
        print(json.dumps(runs, ensure_ascii=False, indent=2))
    if args.baseline:
        print("after / before:", json.dumps(report["after_vs_before"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
