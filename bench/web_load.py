"""Load benchmark: the production configuration (gunicorn from ``deploy/``, PostgreSQL, Redis)
under a fixed mix of public requests from N concurrent clients.

    .venv/bin/python bench/web_load.py                          # 100,000 organisations
    .venv/bin/python bench/web_load.py --organisations 20000 --seconds 30
    .venv/bin/python bench/web_load.py --through-nginx          # also through nginx's cache

The corpus is seeded once into a PostgreSQL database named after its size
(``registry_bench_<N>``) with its search index under ``bench/.cache/``; later runs reuse both
(``--reseed`` starts again). The clients play the part of the trusted proxy: they send
``X-Forwarded-For`` (one address per client) and ``X-Forwarded-Proto: https`` to gunicorn run
with ``TRUSTED_PROXY_HOPS=1``, as nginx would. The mix is deterministic for a given
``--seed``: search pages with and without filters, organisation, practitioner, region and
sanction list pages, API searches and details, and one open-data JSON file. Closed loop: each
client sends its next request when the previous one has been answered.

Writes throughput, p50/p95/p99 per route, errors and the workers' resident memory to
``bench/results/web_load_<N>.json`` (with ``--through-nginx`` also the same mix through the
kit's nginx site, ``deploy/nginx/registry.conf``, over TLS with its cache).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.deploy.tls import certificate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CACHE = Path(__file__).resolve().parent / ".cache"
RESULTS = Path(__file__).resolve().parent / "results"
PG = "postgresql://postgres@127.0.0.1:5432"
# A fixed key pair for the benchmark's own database only: the corpus holds no real data.
BENCH_SECRET = "bench-web-load-secret"
BENCH_PII_KEY = "YmVuY2gtd2ViLWxvYWQtcGlpLWtleS0zMmJ5dGVzISE="
SEARCH_WORDS = ["心理", "咨询", "烟台", "儿童", "热线", "心语", "家庭", "青少年", "医院", "芝罘",
                "xinli", "婚姻", "情绪", "学校", "社区", "中心"]
# Route name → share of the mix (weights, summing to 100).
MIX = {
    "search": 18, "search_filtered": 10, "search_practitioners": 6, "organisation": 22,
    "practitioner": 12, "region": 6, "sanctions": 4, "api_search": 10, "api_organisation": 8,
    "open_data_json": 4,
}


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def environment(database: str, index_dir: Path, redis_db: int) -> dict[str, str]:
    """The environment of every process the benchmark starts."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"{PG}/{database}", "SECRET_KEY": BENCH_SECRET, "PII_KEY": BENCH_PII_KEY,
        "SEARCH_INDEX_DIR": str(index_dir), "FLASK_APP": "wsgi:app",
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:6379/{redis_db}",
    })
    env.pop("REGISTRY_ENV", None)
    return env


def flask(env: dict[str, str], *args: str) -> None:
    """Run one ``flask`` command of the project (its progress bars stay visible)."""
    subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, check=True)


def database_exists(name: str) -> bool:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (name,)).fetchone() is not None


def seeded_count(name: str) -> int:
    """Organisations in the corpus database (0 when it was never completely seeded)."""
    try:
        with psycopg.connect(f"{PG}/{name}") as conn:
            row = conn.execute("SELECT value FROM bench_corpus WHERE key = 'organisations'") \
                .fetchone()
            return int(row[0]) if row else 0
    except psycopg.Error:
        return 0


def prepare_corpus(organisations: int, env: dict[str, str], database: str, index_dir: Path,
                   reseed: bool) -> None:
    """Seed the corpus database and build its index, unless a complete one exists."""
    if not reseed and seeded_count(database) == organisations and index_dir.is_dir():
        log(f"reusing {database} ({organisations:,} organisations) and its index")
        flask(env, "db", "upgrade")  # a corpus seeded by an older version
        flask(env, "search", "sync")  # what the worker would do (rebuilds an index it cannot use)
        return
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    shutil.rmtree(index_dir, ignore_errors=True)
    log(f"seeding {organisations:,} organisations into {database}")
    flask(env, "db", "upgrade")
    flask(env, "regions", "load")
    flask(env, "demo", "seed", "--orgs", str(organisations))
    log("building the search index")
    flask(env, "search", "rebuild")
    with psycopg.connect(f"{PG}/{database}", autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_corpus (key text PRIMARY KEY, value text)")
        conn.execute("INSERT INTO bench_corpus VALUES ('organisations', %s)", (str(organisations),))


def sample_targets(database: str, seed: int, count: int = 2000) -> dict[str, list[str]]:
    """Paths of each route of the mix, drawn deterministically from the corpus."""
    rng = random.Random(seed)
    with psycopg.connect(f"{PG}/{database}") as conn:
        def ids(sql: str) -> list[int]:
            return [row[0] for row in conn.execute(sql).fetchall()]

        organisations = ids("SELECT id FROM organisations WHERE status = 'active' ORDER BY id")
        # Practitioners with an affiliation to a public organisation (others have no page).
        practitioners = ids(
            "SELECT DISTINCT a.practitioner_id FROM affiliations a JOIN organisations o "
            "ON o.id = a.organisation_id WHERE o.status IN ('active', 'suspended', 'exited') "
            "ORDER BY 1")
        counties = [row[0] for row in conn.execute(
            "SELECT DISTINCT region_code FROM organisations ORDER BY region_code").fetchall()]
        cities = sorted({code[:4] + "00" for code in counties})

    def pick(values, n=count):
        return [rng.choice(values) for _ in range(n)]

    def query(**params) -> str:
        return urllib.parse.urlencode(params)

    words = SEARCH_WORDS
    types = ["social_counselling", "hospital_psych_dept", "hotline", "school_room"]
    return {
        "search": [f"/search?{query(q=w)}" for w in pick(words)],
        "search_filtered": [f"/search?{query(q=w, region=r, type=t)}"
                            for w, r, t in zip(pick(words), pick(cities), pick(types))],
        "search_practitioners": [f"/search/practitioners?{query(q=w)}"
                                 for w in pick(["心理", "咨询师", "王", "李", "张", "刘"])],
        "organisation": [f"/organisations/{i}" for i in pick(organisations)],
        "practitioner": [f"/practitioners/{i}" for i in pick(practitioners)],
        "region": [f"/regions/{code}" for code in pick(counties + cities)],
        "sanctions": ["/sanctions"] * count,
        "api_search": [f"/api/v1/organisations?{query(q=w, region=r)}"
                       for w, r in zip(pick(words), pick(cities))],
        "api_organisation": [f"/api/v1/organisations/{i}" for i in pick(organisations)],
        "open_data_json": [f"/open-data/sanctions.json?{query(region=r)}" for r in pick(cities)],
    }


def schedule(targets: dict[str, list[str]], seed: int, length: int = 20000) -> list[tuple]:
    """The mix as one deterministic sequence of (route, path)."""
    rng = random.Random(seed + 1)
    routes = [route for route, weight in MIX.items() for _ in range(weight)]
    cursor = {route: 0 for route in MIX}
    sequence = []
    for _ in range(length):
        route = rng.choice(routes)
        paths = targets[route]
        sequence.append((route, paths[cursor[route] % len(paths)]))
        cursor[route] += 1
    return sequence


class Recorder:
    """Latencies and errors of every request, per route."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {route: [] for route in MIX}
        self.errors: dict[str, int] = {route: 0 for route in MIX}
        self.statuses: dict[int, int] = {}
        self.examples: list[str] = []

    def add(self, route: str, seconds: float, status: int, path: str) -> None:
        with self.lock:
            self.latencies[route].append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status not in (200, 304):
                self.errors[route] += 1
                if len(self.examples) < 10:
                    self.examples.append(f"{status} {path}")


def connect(port: int, tls: bool) -> http.client.HTTPConnection:
    if tls:  # nginx with the benchmark's throw-away certificate
        return http.client.HTTPSConnection("127.0.0.1", port, timeout=30,
                                           context=ssl._create_unverified_context())
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def client(number: int, port: int, sequence: list[tuple], deadline: float, recorder: Recorder,
           tls: bool) -> None:
    """One closed-loop client on a keep-alive connection. Straight to gunicorn it plays the
    trusted proxy (forwarded address and scheme); through nginx, nginx sets them."""
    headers = {"Accept-Language": "zh-CN", "Connection": "keep-alive",
               "Host": "registry.example.cn"}
    if not tls:
        headers.update({"X-Forwarded-For": f"198.51.100.{number % 250 + 1}",
                        "X-Forwarded-Proto": "https"})
    connection = connect(port, tls)
    position = number * 997 % len(sequence)
    while time.monotonic() < deadline:
        route, path = sequence[position % len(sequence)]
        position += 1
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = connect(port, tls)
        except (OSError, http.client.HTTPException):
            status = 599
            connection.close()
            connection = connect(port, tls)
        recorder.add(route, time.perf_counter() - started, status, path)
    connection.close()


def drive(port: int, sequence: list[tuple], clients: int, seconds: float,
          warmup: float, tls: bool = False) -> tuple[Recorder, float]:
    """Warm up, then run ``clients`` clients for ``seconds``; the recorder and elapsed time."""
    if warmup:
        run_clients(port, sequence, clients, warmup, Recorder(), tls)
    recorder = Recorder()
    elapsed = run_clients(port, sequence, clients, seconds, recorder, tls)
    return recorder, elapsed


def run_clients(port: int, sequence: list[tuple], clients: int, seconds: float,
                recorder: Recorder, tls: bool) -> float:
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=client, daemon=True,
                                args=(n, port, sequence, deadline, recorder, tls))
               for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 2)

    return {"count": len(ordered), "p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99),
            "max_ms": round(ordered[-1] * 1000, 2)}


def summary(recorder: Recorder, elapsed: float) -> dict:
    every = [value for values in recorder.latencies.values() for value in values]
    return {
        "seconds": round(elapsed, 1),
        "requests": len(every),
        "requests_per_second": round(len(every) / elapsed, 1),
        "overall": percentiles(every),
        "errors": sum(recorder.errors.values()),
        "error_examples": recorder.examples,
        "statuses": {str(k): v for k, v in sorted(recorder.statuses.items())},
        "routes": {route: {**percentiles(values), "errors": recorder.errors[route]}
                   for route, values in recorder.latencies.items()},
    }


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def wait_for(port: int, path: str = "/", timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
            if connection.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port}{path}")


def start_gunicorn(env: dict[str, str], port: int, workers: int,
                   config: Path) -> subprocess.Popen:
    """gunicorn with the deployment kit's configuration, in production mode."""
    env = {**env, "REGISTRY_ENV": "production", "TRUSTED_PROXY_HOPS": "1"}
    command = [str(BIN / "gunicorn"), "--config", str(config),
               "--bind", f"127.0.0.1:{port}", *(["--workers", str(workers)] if workers else []),
               "--access-logfile", "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
               "wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    wait_for(port)
    return process


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def start_nginx(app_port: int, port: int, folder: Path) -> subprocess.Popen:
    """The deployment kit's nginx site (TLS, cache) in front of gunicorn, on 127.0.0.1:port;
    its placeholders filled in with a throw-away certificate and folders under ``folder``."""
    chain, private = certificate(folder)
    (folder / "logs").mkdir()
    site = (ROOT / "deploy" / "nginx" / "registry.conf").read_text("utf-8")
    for old, new in (("/etc/ssl/registry/CHANGE-ME-fullchain.pem", str(chain)),
                     ("/etc/ssl/registry/CHANGE-ME-privkey.pem", str(private)),
                     ("/srv/registry/app/static/", f"{ROOT / 'static'}/"),
                     ("/var/cache/nginx/registry", str(folder / "cache")),
                     ("/var/log/nginx/", f"{folder / 'logs'}/"),
                     ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
                     ("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl;"),
                     ("listen [::]:443 ssl http2;", ""),
                     ("listen 80;", f"listen 127.0.0.1:{port + 1};"),
                     ("listen [::]:80;", "")):
        if old not in site:
            raise RuntimeError(f"deploy/nginx/registry.conf no longer has {old!r}")
        site = site.replace(old, new)
    (folder / "registry.conf").write_text(site, "utf-8")
    config = folder / "nginx.conf"
    # As root nginx would run its worker as "nobody", which cannot enter a temporary folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    config.write_text(
        f"{user}worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/logs/error.log;\n"
        f"events {{ worker_connections 1024; }}\n"
        f"http {{\ninclude /etc/nginx/mime.types;\ninclude {folder}/registry.conf;\n}}\n",
        "utf-8")
    process = subprocess.Popen(["nginx", "-p", str(folder), "-c", str(config),
                                "-g", "daemon off;"], start_new_session=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            connection = connect(port, tls=True)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("nginx did not answer")


def machine() -> dict:
    with psycopg.connect(f"{PG}/postgres") as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
    return {"date": datetime.now(timezone.utc).date().isoformat(),
            "python": platform.python_version(), "postgresql": server,
            "platform": platform.platform(), "cpus": os.cpu_count()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: the kit's, GUNICORN_WORKERS or 2 × CPUs)")
    parser.add_argument("--port", type=int, default=8610)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--gunicorn-config", type=Path,
                        default=ROOT / "deploy" / "gunicorn.conf.py")
    parser.add_argument("--reseed", action="store_true", help="seed the corpus again")
    parser.add_argument("--through-nginx", action="store_true",
                        help="also run the mix through nginx with the kit's cache")
    args = parser.parse_args(argv)

    database = f"registry_bench_{args.organisations}"
    index_dir = CACHE / f"index_{args.organisations}"
    env = environment(database, index_dir, redis_db=14)
    prepare_corpus(args.organisations, env, database, index_dir, args.reseed)
    sequence = schedule(sample_targets(database, args.seed), args.seed)
    report = {"benchmark": "web load (gunicorn, PostgreSQL, Redis)", **machine(),
              "organisations": args.organisations, "clients": args.clients,
              "workers": args.workers, "mix": MIX, "seed": args.seed}

    gunicorn = start_gunicorn(env, args.port, args.workers, args.gunicorn_config)
    try:
        log(f"{args.clients} clients for {args.seconds:.0f} s against gunicorn")
        recorder, elapsed = drive(args.port, sequence, args.clients, args.seconds, args.warmup)
        workers = children_of(gunicorn.pid)
        report["workers"] = len(workers)
        report["uncached"] = {**summary(recorder, elapsed),
                              "worker_rss_mb": [rss_mb(pid) for pid in workers]}
        write(report, args.organisations)
        if args.through_nginx:
            if shutil.which("nginx") is None:
                log("nginx is not installed (apt-get install nginx): skipping the cached run")
            else:
                with tempfile.TemporaryDirectory(prefix="bench-nginx-") as folder:
                    nginx = start_nginx(args.port, args.port + 1, Path(folder))
                    try:
                        log(f"{args.clients} clients for {args.seconds:.0f} s through nginx")
                        recorder, elapsed = drive(args.port + 1, sequence, args.clients,
                                                  args.seconds, args.warmup, tls=True)
                        report["nginx_cached"] = summary(recorder, elapsed)
                    finally:
                        stop(nginx)
                        errors = Path(folder, "logs", "error.log").read_text("utf-8")
                        report["nginx_error_log"] = errors.splitlines()[-5:]
                write(report, args.organisations)
    finally:
        stop(gunicorn)
    return 0


def write(report: dict, organisations: int) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"web_load_{organisations}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    for name in ("uncached", "nginx_cached"):
        if name in report:
            run = report[name]
            log(f"{name}: {run['requests_per_second']} requests/s, "
                f"p50 {run['overall'].get('p50_ms')} ms, p95 {run['overall'].get('p95_ms')} ms, "
                f"{run['errors']} errors; organisation page p50 "
                f"{run['routes']['organisation'].get('p50_ms')} ms")
    log(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
