"""Which gunicorn worker class for ``deploy/gunicorn.conf.py``: sync or gthread, measured.

Starts gunicorn with the shipped configuration (production settings, behind a trusted proxy
as nginx would be: ``X-Forwarded-Proto: https``) on an already seeded database and index,
drives the same deterministic mix of public pages with N concurrent clients (closed loop, a
new connection per request, as nginx opens them without upstream keep-alive) for a fixed
time per variant, and writes throughput, p50/p95/p99 per route, errors and worker RSS to
``bench/results/gunicorn_workers.json``.

    createdb registry_bench   # then, with DATABASE_URL and SEARCH_INDEX_DIR set:
    flask db upgrade && flask regions load && flask demo seed --orgs 5000 && flask search rebuild
    .venv/bin/python bench/gunicorn_workers.py --seconds 30 --clients 20

``PII_KEY`` must be the key the seeder used (in development: ``instance/pii_key``).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "gunicorn_workers.json"
VARIANTS = {
    "sync-4": {"GUNICORN_WORKER_CLASS": "sync", "GUNICORN_WORKERS": "4"},
    "gthread-4x4": {"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_WORKERS": "4",
                    "GUNICORN_THREADS": "4"},
    "gthread-2x8": {"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_WORKERS": "2",
                    "GUNICORN_THREADS": "8"},
}
HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7",
           "X-Forwarded-Host": "registry.example.cn", "Connection": "close"}


def request(port: int, path: str, timeout: float = 30.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=HEADERS)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_healthy(port: int, process: subprocess.Popen, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            if request(port, "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not become healthy")


def the_mix(port: int, seed: int) -> list[tuple[str, str]]:
    """(route, path) pairs: searches with and without filters, organisation, practitioner,
    region, sanctions pages, API search and detail."""
    organisations = json.loads(request(port, "/api/v1/organisations?per_page=100")[1])["items"]
    practitioners = json.loads(request(port, "/api/v1/practitioners?per_page=100")[1])["items"]
    org_ids = [item["id"] for item in organisations]
    person_ids = [item["id"] for item in practitioners]
    rng = random.Random(seed)
    words = ["心理咨询", "心理", "咨询中心", "婚姻家庭", "xinli", "烟台", "儿童", "青少年", "危机干预"]
    mix = []
    for _ in range(400):
        roll = rng.random()
        if roll < 0.25:
            mix.append(("search", f"/search?q={rng.choice(words)}"))
        elif roll < 0.35:
            mix.append(("search_filtered", f"/search?q={rng.choice(words)}&region=370600"
                                           f"&sort=total"))
        elif roll < 0.55:
            mix.append(("organisation", f"/organisations/{rng.choice(org_ids)}"))
        elif roll < 0.68:
            mix.append(("practitioner", f"/practitioners/{rng.choice(person_ids)}"))
        elif roll < 0.73:
            mix.append(("sanctions", "/sanctions"))
        elif roll < 0.88:
            mix.append(("api_search", f"/api/v1/organisations?q={rng.choice(words)}"))
        else:
            mix.append(("api_organisation", f"/api/v1/organisations/{rng.choice(org_ids)}"))
    return [(route, _quote(path)) for route, path in mix]


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/?=&")


def rss_kib(master: int) -> list[int]:
    """Resident memory of each worker (children of the master), KiB."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master):
            found.append(int(fields.get("VmRSS", "0 kB").split()[0]))
    return sorted(found)


def drive(port: int, mix, clients: int, seconds: float) -> dict:
    samples: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        position = number * 37
        while time.monotonic() < deadline:
            route, path = mix[position % len(mix)]
            position += 1
            started = time.perf_counter()
            try:
                status, _ = request(port, path)
            except OSError:
                status = 0
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if status != 200:
                    errors[f"{route}:{status}"] = errors.get(f"{route}:{status}", 0) + 1
                samples.setdefault(route, []).append(elapsed)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    every = [value for values in samples.values() for value in values]

    def summary(values: list[float]) -> dict:
        values = sorted(values)
        cut = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        return {"count": len(values), "p50_ms": round(cut[49], 1), "p95_ms": round(cut[94], 1),
                "p99_ms": round(cut[98], 1)}

    return {"requests": len(every), "seconds": round(wall, 1),
            "requests_per_second": round(len(every) / wall, 1), "errors": errors,
            "overall": summary(every),
            "routes": {route: summary(values) for route, values in sorted(samples.items())}}


def run_variant(name: str, settings: dict, args) -> dict:
    env = {**os.environ, **settings, "GUNICORN_BIND": f"127.0.0.1:{args.port}",
           "REGISTRY_ENV": "production", "TRUSTED_PROXY_HOPS": "1",
           "GUNICORN_ACCESSLOG": "", "GUNICORN_LOGLEVEL": "warning",
           "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key")}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
         "wsgi:app"], cwd=ROOT, env=env)
    try:
        wait_healthy(args.port, process)
        mix = the_mix(args.port, args.seed)
        drive(args.port, mix, args.clients, min(5.0, args.seconds))  # every worker warm
        result = drive(args.port, mix, args.clients, args.seconds)
        result["worker_rss_kib"] = rss_kib(process.pid)
        result["settings"] = settings
        print(f"{name}: {result['requests_per_second']} req/s, p50 "
              f"{result['overall']['p50_ms']} ms, p95 {result['overall']['p95_ms']} ms, "
              f"errors {sum(result['errors'].values())}", flush=True)
        return result
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--rounds", type=int, default=2,
                        help="runs of every variant, in alternating order (load drifts)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("PII_KEY"):
        raise SystemExit("set DATABASE_URL, SEARCH_INDEX_DIR and PII_KEY (see the docstring)")
    names = args.variants.split(",")
    results: dict[str, list] = {name: [] for name in names}
    load_before = os.getloadavg()
    for number in range(args.rounds):
        for name in names if number % 2 == 0 else reversed(names):
            results[name].append({**run_variant(name, VARIANTS[name], args),
                                  "round": number + 1, "load_average": os.getloadavg()})
    summary = {name: {"median_requests_per_second": statistics.median(
                          run["requests_per_second"] for run in runs),
                      "median_p95_ms": statistics.median(run["overall"]["p95_ms"]
                                                         for run in runs),
                      "errors": sum(sum(run["errors"].values()) for run in runs)}
               for name, runs in results.items()}
    for name, figures in summary.items():
        print(f"{name}: median {figures['median_requests_per_second']} req/s, "
              f"p95 {figures['median_p95_ms']} ms")
    backend = os.environ["DATABASE_URL"].split(":", 1)[0]
    document = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_at_start": load_before},
        "database": backend, "clients": args.clients, "seconds_per_run": args.seconds,
        "summary": summary, "runs": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
