"""Replica benchmark: two index replicas following the change log on PostgreSQL.

    .venv/bin/python bench/replicas.py                       # 2,000 organisations, 20 writes/s
    .venv/bin/python bench/replicas.py --orgs 500 --seconds 15

A scratch PostgreSQL database (``--database``, dropped and created again; default
``bench_replicas`` on the server of ``DATABASE_URL`` or 127.0.0.1:5432) is seeded with the
demo seeder's corpus. Two ``flask search worker`` processes, each with its own index folder
(two replicas, as two web hosts would have), build their index and then follow the log. The
benchmark process then:

1. answers the query mix of ``bench/search_bench.py`` on replica A with no writes running
   (search p50/p95);
2. renames organisations at ``--rate`` commits per second for ``--seconds`` — each commit a
   web request's write: a log row and a NOTIFY, nothing applied by the writer — while one
   thread per replica searches for each new name until found: change-to-searchable
   p50/p95/max per replica, from the commit returning to the name being found there;
3. answers the same query mix again while the writes go on (search p95 with writes running).

Writer and searchers are threads of this one process (they share its interpreter lock, which
inflates every figure a little). Results go to ``bench/results/replicas_<orgs>.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import sqlalchemy as sa  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

import search_bench  # noqa: E402
from registry import create_app  # noqa: E402
from registry.demo.seed import DEFAULT_SEED, SeedOptions, seed_demo  # noqa: E402
from registry.extensions import db  # noqa: E402
from registry.orgs.models import Organisation, OrganisationStatus  # noqa: E402
from registry.regions.services import load_regions  # noqa: E402
from registry.search import engine  # noqa: E402
from registry.search.models import SearchOutbox  # noqa: E402
from registry.search.query import parse_organisation_query  # noqa: E402
from registry.search.services import search_organisations  # noqa: E402
from registry.search.sync import applied_position, head_position  # noqa: E402

RESULTS = HERE / "results"
log = search_bench.log
percentiles = search_bench.percentiles


def scratch_database(name: str) -> str:
    """An empty database called ``name`` on the configured server; its SQLAlchemy URL."""
    server = sa.make_url(search_bench_url())
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def search_bench_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_app(url: str, index_dir: Path):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "PII_KEY": search_bench.PII_KEY, "SEARCH_INDEX_DIR": str(index_dir)})


def start_worker(url: str, index_dir: Path, name: str, workdir: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url.replace("postgresql+psycopg://", "postgresql://"),
               SEARCH_INDEX_DIR=str(index_dir), FLASK_APP="wsgi.py", SECRET_KEY="bench",
               PII_KEY=search_bench.PII_KEY, REGISTRY_INSTANCE_DIR=str(workdir / "instance"),
               PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "flask", "search", "worker", "--name", name],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(workdir / f"{name}.log", "w"))


def wait_applied(app, folders, timeout: float = 600.0) -> None:
    deadline = time.monotonic() + timeout
    with app.app_context():
        while time.monotonic() < deadline:
            with db.engine.connect() as connection:
                head = head_position(connection)
                unnumbered = connection.scalar(sa.select(sa.func.count()).select_from(
                    SearchOutbox).where(SearchOutbox.position.is_(None)))
            positions = [applied_position(str(folder)) for folder in folders]
            if not unnumbered and all(p is not None and p >= head for p in positions):
                return
            time.sleep(0.2)
    raise RuntimeError("the replicas did not catch up")


class Writer(threading.Thread):
    """Renames organisations at ``rate`` commits per second; records when each commit
    returned, by the unique word of the new name."""

    def __init__(self, app, ids: list[int], rate: float):
        super().__init__(daemon=True)
        self.app, self.ids, self.rate = app, ids, rate
        self.stop = threading.Event()
        self.committed: dict[str, tuple[int, float]] = {}
        self.lock = threading.Lock()

    def run(self) -> None:
        with self.app.app_context():
            number, started = 0, time.monotonic()
            while not self.stop.is_set():
                organisation_id = self.ids[number % len(self.ids)]
                word = f"副本测{number:05d}号"
                organisation = db.session.get(Organisation, organisation_id)
                organisation.name = f"{organisation.name[:16]}{word}"
                db.session.commit()
                with self.lock:
                    self.committed[word] = (organisation_id, time.perf_counter())
                number += 1
                delay = started + number / self.rate - time.monotonic()
                if delay > 0:
                    self.stop.wait(delay)
            db.session.remove()


class Prober(threading.Thread):
    """Searches one replica for each committed word until it is found."""

    def __init__(self, app, writer: Writer):
        super().__init__(daemon=True)
        self.app, self.writer = app, writer
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.seen: set[str] = set()

    def run(self) -> None:
        with self.app.test_request_context("/"):
            while not self.stop.is_set():
                with self.writer.lock:
                    waiting = [(word, value) for word, value in self.writer.committed.items()
                               if word not in self.seen]
                if not waiting:
                    time.sleep(0.005)
                    continue
                word, (organisation_id, committed_at) = min(waiting, key=lambda w: w[1][1])
                found = search_organisations(parse_organisation_query(MultiDict({"q": word})))
                if any(hit.id == organisation_id for hit in found.items):
                    self.latencies.append((time.perf_counter() - committed_at) * 1000)
                    self.seen.add(word)
                else:
                    time.sleep(0.005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--rate", type=float, default=20.0, help="commits per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long writes run")
    parser.add_argument("--database", default="bench_replicas")
    args = parser.parse_args()
    description = search_bench.machine()
    url = scratch_database(args.database)
    workdir = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    folders = [workdir / "replica-a", workdir / "replica-b"]
    apps = [make_app(url, folder) for folder in folders]
    workers = []
    try:
        with apps[0].app_context():
            db.create_all()
            load_regions()
            cities = search_bench.one_city_per_province()
            log(f"seeding {args.orgs} organisations")
            seed_demo(SeedOptions(orgs=args.orgs, seed=args.seed, cities=tuple(cities)))
            ids = list(db.session.scalars(sa.select(Organisation.id).where(
                Organisation.status == OrganisationStatus.ACTIVE).order_by(Organisation.id)))
            db.session.remove()
        started = time.perf_counter()
        workers = [start_worker(url, folder, f"replica-{label}", workdir)
                   for folder, label in zip(folders, "ab")]
        wait_applied(apps[0], folders)
        built_seconds = time.perf_counter() - started
        log(f"both replicas built and current in {built_seconds:.1f} s")
        mix = search_bench.query_mix(apps[0], args.seed)
        engine.clear_caches()
        search_bench.run_whoosh(apps[0], mix)  # warm the caches: both passes below are warm
        log("queries without writes")
        quiet = search_bench.run_whoosh(apps[0], mix)
        writer = Writer(apps[0], ids, args.rate)
        probers = [Prober(app, writer) for app in apps]
        log(f"writes at {args.rate}/s for {args.seconds:.0f} s, each replica probed")
        writer.start()
        for prober in probers:
            prober.start()
        time.sleep(args.seconds)
        writer.stop.set()
        writer.join()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(
                len(prober.seen) < len(writer.committed) for prober in probers):
            time.sleep(0.05)
        for prober in probers:
            prober.stop.set()
            prober.join()
        log("queries while writes run")
        busy_writer = Writer(apps[0], ids[::-1], args.rate)
        busy_writer.start()
        busy = search_bench.run_whoosh(apps[0], mix)
        busy_writer.stop.set()
        busy_writer.join()
        wait_applied(apps[0], folders)
        writes = len(writer.committed)
        result = {
            "benchmark": "two search replicas following the change log (PostgreSQL)",
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": f"bench/replicas.py --orgs {args.orgs} --rate {args.rate:g} "
                       f"--seconds {args.seconds:g}",
            "machine": description,
            "note": "shared 2-core machine, loaded by other work while this ran "
                    "(see load_average_at_start); writer, probes and queries are threads of "
                    "one process",
            "organisations": args.orgs,
            "replicas_built_and_current_seconds": round(built_seconds, 1),
            "writes": writes,
            "write_rate_per_second": round(writes / args.seconds, 1),
            "change_to_searchable_ms": {
                f"replica_{label}": dict(percentiles(prober.latencies),
                                         found=len(prober.latencies))
                for label, prober in zip("ab", probers)},
            "queries": len(mix),
            "search_without_writes_ms": percentiles(quiet),
            "search_with_writes_ms": percentiles(busy),
            "ratio_p95_with_to_without_writes": round(
                percentiles(busy)["p95"] / percentiles(quiet)["p95"], 2),
        }
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"replicas_{args.orgs}.json"
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(json.dumps(result, ensure_ascii=False, indent=2))
        log(f"written to {out}")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        for app in apps:
            with app.app_context():
                db.engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
