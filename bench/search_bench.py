"""Search benchmark: corpus, rebuild, a fixed 1,000-query mix, SQLite FTS5 beside it.

    .venv/bin/python bench/search_bench.py                 # 100,000 organisations (long)
    .venv/bin/python bench/search_bench.py --orgs 10000    # a smaller corpus, same mix

The corpus is the demo seeder's (deterministic for ``--seed``), spread over one city of every
province (about 3.8 practitioners per organisation). The database is kept in
``bench/.work/`` and reused by later runs of the same size and seed. The run rebuilds the
Whoosh index from the database (documents/s over both indexes), answers the query mix through
``search_organisations`` / ``search_practitioners`` (the whole service: facets, sorting,
stored fields and highlights) in two passes — *cold*, right after opening the new index with
empty per-segment caches, and *warm* — then the same queries with SQLite FTS5 (``trigram``
tokenizer; terms under 3 characters fall back to ``LIKE``) over the same data, and measures
how long a committed change takes to become searchable. A separate process — like a web
worker, which never seeded or rebuilt anything — then answers the same mix twice and reports
its resident memory (``VmRSS``, and the peak ``VmHWM``) beside the search cache's budget and
what the cache holds, with the default budget and again with a small one. Results go to
``bench/results/search_bench_<orgs>.json`` with a description of the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from registry import create_app  # noqa: E402
from registry.demo.seed import DEFAULT_SEED, SeedOptions, seed_demo  # noqa: E402
from registry.extensions import db  # noqa: E402
from registry.orgs.models import Organisation, OrganisationStatus  # noqa: E402
from registry.regions.models import Region, RegionLevel  # noqa: E402
from registry.regions.services import load_regions  # noqa: E402
from registry.search import engine  # noqa: E402
from registry.search.analysis import normalise, pinyin_sort_key  # noqa: E402
from registry.search.documents import label_source  # noqa: E402
from registry.search.query import parse_organisation_query, parse_practitioner_query  # noqa: E402
from registry.search.services import search_organisations, search_practitioners  # noqa: E402
from registry.search.sync import rebuild  # noqa: E402
from registry import vocabulary  # noqa: E402

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
RESULTS = HERE / "results"
COMMON = ["心理咨询", "心理", "咨询", "服务中心", "心理健康", "有限公司", "咨询中心", "工作室"]
SMALL_BUDGET = 32 * 1024 * 1024  # SEARCH_CACHE_BYTES of the second worker run
PII_KEY = "q3u5Z0yHn1VjXyBfZr1n3Q9Zq6c0y8vHf4m2Jv8cX1E="


def log(message: str) -> None:
    """Progress on standard error."""
    click.echo(message, err=True)


# Provinces the demo seeder cannot give ID numbers to for people born before they existed
# (海南 1988, 重庆 1997) or that the register does not cover (台湾, 香港, 澳门).
UNSEEDABLE_PROVINCES = ("46", "50", "71", "81", "82")


def one_city_per_province() -> list[str]:
    """The first city-level division of every province (the corpus spans the country)."""
    cities = []
    for province in db.session.scalars(sa.select(Region).where(Region.level == RegionLevel.PROVINCE)
                                       .order_by(Region.code)):
        if province.code[:2] in UNSEEDABLE_PROVINCES:
            continue
        city = db.session.scalar(sa.select(Region.code).where(
            Region.parent_code == province.code, Region.level == RegionLevel.CITY)
            .order_by(Region.code))
        if city and db.session.scalar(sa.select(sa.func.count()).select_from(Region)
                                      .where(Region.parent_code == city)):
            cities.append(city)
    return cities


def make_app(folder: Path):
    """An app over the benchmark's database and index folder."""
    return create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'registry.sqlite3'}",
        "SECRET_KEY": "bench", "PII_KEY": PII_KEY,
        "SEARCH_INDEX_DIR": str(folder / "search_index"),
        # Changes applied right after each commit, in this process (as the worker would).
        "SEARCH_APPLY_AFTER_COMMIT": True, "SEARCH_LOCK_WAIT": 5.0,
    })


def seed_corpus(app, orgs: int, seed: int) -> dict:
    """Seed the corpus unless this folder already holds it."""
    with app.app_context():
        db.create_all()
        if db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)):
            log("reusing the seeded database")
            return {"seconds": None, "reused": True}
        load_regions()
        cities = one_city_per_province()
        log(f"seeding {orgs} organisations over {len(cities)} cities (one per province)")
        started = time.perf_counter()

        def progress(label, length):
            return click.progressbar(length=length, label=label, file=sys.stderr)

        seed_demo(SeedOptions(orgs=orgs, seed=seed, cities=tuple(cities)), progress)
        return {"seconds": round(time.perf_counter() - started, 1), "reused": False,
                "cities": len(cities)}


def time_rebuild(app) -> dict:
    """Rebuild the index from the database with a progress bar; documents/s."""
    with app.app_context():
        bar = {}

        def progress(kind, count):
            if kind is None:
                bar["bar"] = click.progressbar(length=count, label="rebuilding", file=sys.stderr)
                bar["bar"].__enter__()
            else:
                bar["bar"].update(count)

        report = rebuild(app.config["SEARCH_INDEX_DIR"], db.engine, progress=progress,
                         processes=min(2, os.cpu_count() or 1))
        bar["bar"].__exit__(None, None, None)
        return {"organisations": report.organisations, "practitioners": report.practitioners,
                "seconds": round(report.seconds, 1),
                "documents_per_second": round(report.documents_per_second)}


def _distinct_part(name: str, city_names: list[str]) -> str:
    """The brand of a name: 烟台市心海心理咨询有限公司 → 心海."""
    for city in city_names:
        name = name.replace(city, "")
    for generic in ("心理咨询", "心理健康", "心理", "有限公司", "服务中心", "中心", "工作室",
                    "咨询", "服务", "社会工作", "市", "区", "县"):
        name = name.replace(generic, " ")
    parts = [part for part in name.split() if len(part) >= 2]
    return parts[0][:2] if parts else ""


def query_mix(app, seed: int) -> list[dict]:
    """1,000 queries: common and rare terms, two terms, pinyin, region filters, sorting by
    grade, page 1 and page 50, practitioners. Deterministic for ``seed``."""
    rng = random.Random(seed)
    with app.app_context():
        rows = db.session.execute(sa.select(Organisation.name, Organisation.region_code)
                                  .where(Organisation.status == OrganisationStatus.ACTIVE)
                                  .order_by(Organisation.id)).all()
        cities = [name for name, in db.session.execute(
            sa.select(Region.name).where(Region.level == RegionLevel.CITY))]
        regions = sorted({code[:4] + "00" for _, code in rows})
        from registry.practitioners.models import Practitioner
        people = list(db.session.scalars(sa.select(Practitioner.name).order_by(Practitioner.id)
                                         .limit(20000)))
    brands = [b for b in (_distinct_part(name, cities) for name, _ in rows) if b]
    mix = []

    def add(kind, category, **args):
        mix.append({"kind": kind, "category": category, "args": args})

    for i in range(120):
        add("organisations", "common term", q=COMMON[i % len(COMMON)])
    for _ in range(200):
        add("organisations", "rare term", q=rng.choice(brands))
    for _ in range(130):
        add("organisations", "two terms", q=f"{rng.choice(cities)[:2]} {rng.choice(brands)}")
    for i in range(100):
        brand = rng.choice(brands)
        syllables = pinyin_sort_key(brand).split()
        add("organisations", "pinyin", q="".join(syllables) if i % 2 else
            "".join(s[0] for s in pinyin_sort_key(rng.choice(rows)[0]).split()[2:6]))
    for _ in range(150):
        add("organisations", "region filter", q=rng.choice(COMMON[:3] + brands[:50]),
            region=rng.choice(regions))
    for _ in range(100):
        add("organisations", "sorted by grade", q=rng.choice(COMMON[:3]), sort="total",
            min_grade=rng.choice(["excellent", "good", "pass"]))
    for _ in range(50):
        add("organisations", "page 50", q=rng.choice(COMMON[:2]), page="50")
    for _ in range(100):
        add("practitioners", "practitioners", q=rng.choice(people + ["咨询师", "心理治疗师",
                                                                      "社会工作师"]))
    for _ in range(50):
        add("organisations", "browse page 1", region=rng.choice(regions))
    return mix[:1000]


def run_whoosh(app, mix: list[dict]) -> list[float]:
    """Milliseconds per query through the search services."""
    timings = []
    with app.test_request_context("/"):
        for number, item in enumerate(mix, start=1):
            args = MultiDict(item["args"])
            started = time.perf_counter()
            if item["kind"] == "organisations":
                search_organisations(parse_organisation_query(args))
            else:
                search_practitioners(parse_practitioner_query(args))
            timings.append((time.perf_counter() - started) * 1000)
            if number % 250 == 0:
                log(f"  whoosh {number}/{len(mix)}")
    return timings


def memory_status() -> dict:
    """This process's resident memory now and at its peak (kB, from /proc/self/status)."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return {"rss_kb": found.get("VmRSS"), "peak_rss_kb": found.get("VmHWM")}


def worker_memory(folder: Path, mix: list[dict], budget: int | None = None) -> dict:
    """Run the query mix in a fresh process (what a web worker holds), with the search cache
    budget ``budget`` (None: the default); its memory and timings."""
    path = folder / "mix.json"
    path.write_text(json.dumps(mix, ensure_ascii=False), encoding="utf-8")
    command = [sys.executable, str(Path(__file__).resolve()), "--worker-memory", str(folder)]
    environment = dict(os.environ)
    environment.pop("SEARCH_CACHE_BYTES", None)
    if budget is not None:
        environment["SEARCH_CACHE_BYTES"] = str(budget)
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=environment)
    return json.loads(done.stdout)


def worker_memory_main(folder: Path) -> None:
    """The child of ``worker_memory``: open the index, answer the mix twice, report."""
    app = make_app(folder)
    mix = json.loads((folder / "mix.json").read_text(encoding="utf-8"))
    before = memory_status()
    cold = run_whoosh(app, mix)
    warm = run_whoosh(app, mix)
    usage = engine.cache_usage() if hasattr(engine, "cache_usage") else None
    click.echo(json.dumps({"queries": 2 * len(mix), "before_first_search": before,
                           "after_mix": memory_status(), "search_cache": usage,
                           "cold": percentiles(cold), "warm": percentiles(warm)}))


def build_fts(app, path: Path) -> float:
    """The same records in SQLite FTS5 tables (trigram tokenizer); seconds taken."""
    from registry.search import documents
    from sqlalchemy.orm import Session

    if path.exists():
        path.unlink()
    started = time.perf_counter()
    fts = sqlite3.connect(path)
    fts.execute("CREATE VIRTUAL TABLE orgs USING fts5(name, body, py, region UNINDEXED, "
                "status UNINDEXED, grade UNINDEXED, total UNINDEXED, tokenize='trigram')")
    fts.execute("CREATE VIRTUAL TABLE people USING fts5(name, body, py, region UNINDEXED, "
                "tokenize='trigram')")
    labels = {term.code: label_source(term) for vocab in (
        vocabulary.ORGANISATION_TYPES, vocabulary.SERVICES, vocabulary.POPULATIONS,
        vocabulary.QUALIFICATION_KINDS, vocabulary.SPECIALTIES) for term in vocab}
    with app.app_context(), Session(db.engine) as session:
        names = documents.region_names(session)
        ids = documents.all_organisation_ids(session)
        for batch in documents.iter_batches(ids, 2000):
            rows = []
            for doc in documents.organisation_documents(session, batch, date.today(), names).values():
                data = doc["data"]
                body = " ".join([data["address"], data["description"], labels[data["org_type"]]]
                                + [labels[c] for c in data["services"] + data["populations"]])
                py = pinyin_sort_key(data["name"]).replace(" ", "")
                rows.append((normalise(data["name"]), normalise(body), py, data["region_code"],
                             data["status"], data["grade"], data["total"] or -1))
            fts.executemany("INSERT INTO orgs VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        ids = documents.all_practitioner_ids(session)
        for batch in documents.iter_batches(ids, 2000):
            rows = []
            for doc in documents.practitioner_documents(session, batch, date.today()).values():
                if doc is None:
                    continue
                data = doc["data"]
                body = " ".join([o["name"] for o in data["organisations"]]
                                + [labels[q["kind"]] for q in data["qualifications"]]
                                + [labels[s] for s in data["specialties"]])
                region = data["organisations"][0]["region_code"] if data["organisations"] else ""
                rows.append((data["name"], normalise(body),
                             pinyin_sort_key(data["name"]).replace(" ", ""), region))
            fts.executemany("INSERT INTO people VALUES (?, ?, ?, ?)", rows)
    fts.commit()
    fts.close()
    return time.perf_counter() - started


def _fts_condition(table: str, text: str) -> tuple[str, list]:
    terms = normalise(text).split()
    clauses, params = [], []
    for term in terms:
        if len(term) >= 3:
            clauses.append(f"{table} MATCH ?")
            params.append('"' + term.replace('"', '""') + '"')
        else:  # the trigram index cannot serve 1–2 character terms
            clauses.append("(name LIKE ? OR body LIKE ? OR py LIKE ?)")
            params += [f"%{term}%"] * 3
    return " AND ".join(clauses), params


def run_fts(path: Path, mix: list[dict]) -> tuple[list[float], int]:
    """Milliseconds per query in FTS5: exact total plus one page, like the search page."""
    fts = sqlite3.connect(path)
    timings, fallbacks = [], 0
    for item in mix:
        args = item["args"]
        table = "orgs" if item["kind"] == "organisations" else "people"
        where, params = _fts_condition(table, args.get("q", ""))
        conditions = [where] if where else []
        if any(len(t) < 3 for t in normalise(args.get("q", "")).split()):
            fallbacks += 1
        if table == "orgs":
            conditions.append("status = 'active'")
            if args.get("min_grade"):
                allowed = {"excellent": ("excellent",), "good": ("excellent", "good"),
                           "pass": ("excellent", "good", "pass")}[args["min_grade"]]
                conditions.append("grade IN (%s)" % ",".join("?" * len(allowed)))
                params += list(allowed)
        if args.get("region"):
            conditions.append("region LIKE ?")
            params.append(args["region"][:4] + "%")
        sql_where = " AND ".join(conditions) or "1"
        order = "total DESC" if args.get("sort") == "total" else ("rank" if where and "MATCH" in where
                                                                  else "rowid")
        offset = (int(args.get("page", 1)) - 1) * 20
        started = time.perf_counter()
        fts.execute(f"SELECT count(*) FROM {table} WHERE {sql_where}", params).fetchone()
        fts.execute(f"SELECT rowid, name FROM {table} WHERE {sql_where} ORDER BY {order} "
                    f"LIMIT 20 OFFSET {offset}", params).fetchall()
        timings.append((time.perf_counter() - started) * 1000)
    fts.close()
    return timings, fallbacks


def change_latency(app, repeats: int = 20) -> list[float]:
    """Milliseconds from a committed rename to the new name being found."""
    timings = []
    with app.test_request_context("/"):
        ids = list(db.session.scalars(sa.select(Organisation.id)
                                      .where(Organisation.status == OrganisationStatus.ACTIVE)
                                      .order_by(Organisation.id).limit(repeats)))
        for number, organisation_id in enumerate(ids):
            organisation = db.session.get(Organisation, organisation_id)
            word = f"基准改名{number:03d}号"
            started = time.perf_counter()
            organisation.name = f"{organisation.name[:20]}{word}"
            db.session.commit()
            found = search_organisations(parse_organisation_query(MultiDict({"q": word})))
            timings.append((time.perf_counter() - started) * 1000)
            assert found.total == 1, "a committed change was not searchable"
    return timings


def percentiles(values: list[float]) -> dict:
    """p50 / p95 / p99 / max in milliseconds."""
    ordered = sorted(values)

    def at(share):
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 2),
            "mean": round(statistics.fmean(ordered), 2)}


def by_category(mix: list[dict], timings: list[float]) -> dict:
    """Percentiles of each kind of query."""
    groups: dict[str, list[float]] = {}
    for item, value in zip(mix, timings):
        groups.setdefault(item["category"], []).append(value)
    return {name: dict(percentiles(values), count=len(values)) for name, values in groups.items()}


def machine() -> dict:
    """What ran the benchmark."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    return {"platform": platform.platform(), "python": platform.python_version(),
            "cpu": model, "cpus": os.cpu_count(), "sqlite": sqlite3.sqlite_version,
            "whoosh": version("Whoosh-Reloaded"), "numpy": version("numpy"),
            "load_average_at_start": list(os.getloadavg())}


def main() -> None:
    """Run everything and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--worker-memory", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_memory:
        worker_memory_main(args.worker_memory)
        return
    description = machine()
    folder = WORK / f"orgs-{args.orgs}-seed-{args.seed}"
    folder.mkdir(parents=True, exist_ok=True)
    app = make_app(folder)
    seeding = seed_corpus(app, args.orgs, args.seed)
    log("rebuilding the search index")
    rebuilt = time_rebuild(app)
    log(f"  {rebuilt}")
    mix = query_mix(app, args.seed)
    engine.clear_caches()
    log(f"whoosh: {len(mix)} queries, cold pass")
    cold = run_whoosh(app, mix)
    log("whoosh: warm pass")
    warm = run_whoosh(app, mix)
    bench_memory = memory_status()
    log("resident memory of a worker after the mix (a fresh process)")
    worker = worker_memory(folder, mix)
    log(f"  {worker}")
    log(f"  again with a budget of {SMALL_BUDGET} bytes")
    small_worker = worker_memory(folder, mix, SMALL_BUDGET)
    log(f"  {small_worker}")
    log("building SQLite FTS5 (trigram) over the same records")
    fts_build = build_fts(app, folder / "fts.sqlite3")
    log("FTS5: the same queries")
    fts, fallbacks = run_fts(folder / "fts.sqlite3", mix)
    log("change-to-searchable latency")
    latency = change_latency(app)
    result = {
        "benchmark": "search (Whoosh engine of registry.search vs SQLite FTS5 trigram)",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": f"bench/search_bench.py --orgs {args.orgs} --seed {args.seed}",
        "machine": description, "seeding": seeding, "rebuild": rebuilt,
        "queries": len(mix),
        "whoosh_cold": percentiles(cold), "whoosh_warm": percentiles(warm),
        "fts5": dict(percentiles(fts), like_fallbacks=fallbacks,
                     build_seconds=round(fts_build, 1)),
        "ratio_p95_whoosh_cold_to_fts5": round(percentiles(cold)["p95"] / percentiles(fts)["p95"], 3),
        "ratio_p50_whoosh_cold_to_fts5": round(percentiles(cold)["p50"] / percentiles(fts)["p50"], 3),
        "change_to_searchable_ms": percentiles(latency),
        "worker_memory": worker,
        "worker_memory_small_budget": small_worker,
        "benchmark_process_memory_after_mix": bench_memory,
        "whoosh_cold_by_category": by_category(mix, cold),
        "whoosh_warm_by_category": by_category(mix, warm),
        "fts5_by_category": by_category(mix, fts),
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"search_bench_{args.orgs}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    summary = {key: result[key] for key in ("rebuild", "whoosh_cold", "whoosh_warm", "fts5",
                                             "ratio_p95_whoosh_cold_to_fts5",
                                             "change_to_searchable_ms", "worker_memory")}
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    log(f"written to {out}")


if __name__ == "__main__":
    main()
