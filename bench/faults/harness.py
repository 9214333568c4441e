"""What the fault scripts share: a private PostgreSQL cluster and Redis server (so that
restarting or stopping them disturbs nothing else on the machine), a small seeded corpus,
gunicorn in the production configuration from ``deploy/``, and a background load that records
every answer with the second it came in.

Everything listens on 127.0.0.1 only, and every load is bounded in time.
"""
from __future__ import annotations

import http.client
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SECRET = "bench-faults-secret"
PII_KEY = "YmVuY2gtd2ViLWxvYWQtcGlpLWtleS0zMmJ5dGVzISE="


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def pg_bin(name: str) -> str:
    found = PG_BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


class PrivatePostgres:
    """A throw-away PostgreSQL cluster in a temporary folder, run as the ``postgres`` user
    (initdb refuses root)."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.data = folder / "pgdata"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/registry"

    def _as_postgres(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *command], capture_output=True, text=True)
        if check and done.returncode:
            raise RuntimeError(f"{command[0]} failed: {done.stderr.strip()}")
        return done

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._as_postgres(pg_bin("initdb"), "-D", str(self.data), "-U", "postgres",
                          "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8")
        self._ctl("start")
        self._as_postgres(pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                          "-U", "postgres", "registry")

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        self._as_postgres(pg_bin("pg_ctl"), "-D", str(self.data), "-l",
                          str(self.folder / "server.log"), "-o", options, "-w", *extra, action)

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self._as_postgres(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                          "stop", check=False)


class PrivateRedis:
    """A Redis server on its own port that keeps nothing on disk."""

    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"],
                              capture_output=True, text=True).stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def app_environment(database_url: str, redis_url: str, index_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": database_url, "RATELIMIT_STORAGE_URI": redis_url,
                "SECRET_KEY": SECRET, "PII_KEY": PII_KEY, "SEARCH_INDEX_DIR": str(index_dir),
                "FLASK_APP": "wsgi:app"})
    env.pop("REGISTRY_ENV", None)
    return env


def flask(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, check=check,
                          capture_output=True, text=True)


def seed(env: dict[str, str], organisations: int = 300) -> None:
    """A small demo corpus and its index."""
    log(f"seeding {organisations} organisations")
    flask(env, "db", "upgrade")
    flask(env, "regions", "load")
    flask(env, "demo", "seed", "--orgs", str(organisations))
    flask(env, "search", "rebuild", "--processes", "1")


class Gunicorn:
    """gunicorn with ``deploy/gunicorn.conf.py`` in production mode behind one trusted proxy."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path, workers: int = 2):
        self.env = {**env, "REGISTRY_ENV": "production", "TRUSTED_PROXY_HOPS": "1"}
        self.port, self.workers, self.log_path = port, workers, log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", os.environ.get(
                "BENCH_GUNICORN_CONFIG", str(ROOT / "deploy" / "gunicorn.conf.py")),
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
             "--access-logfile", "/dev/null", "wsgi:app"],
            # Its log goes to a file: a pipe nobody reads would fill and block the workers.
            cwd=ROOT, env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=self.log_path.open("ab"))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if get(self.port, "/")[0] == 200:
                return
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer")

    def worker_pids(self) -> list[int]:
        text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        return [int(part) for part in text.split()]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_lines(self, needle: str) -> list[str]:
        """Lines of its log that contain ``needle``."""
        text = self.log_path.read_text("utf-8", errors="replace")
        return [line for line in text.splitlines() if needle in line]


def get(port: int, path: str, headers: dict | None = None,
        method: str = "GET", body: bytes | None = None) -> tuple[int, bytes]:
    """One request on a new connection: (status, body); 599 when nothing answered."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers={
            "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return 599, b""
    finally:
        connection.close()


@dataclass
class Load:
    """Clients sending ``paths`` in turn until stopped; every answer with its time."""

    port: int
    paths: list[str]
    clients: int = 4
    answers: list[tuple[float, int, str]] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.started = time.monotonic()

    def _run(self, number: int) -> None:
        position = number
        while not self._stop.is_set():
            path = self.paths[position % len(self.paths)]
            position += self.clients
            status, _ = get(self.port, path, {"X-Forwarded-For": f"198.51.100.{number + 1}"})
            with self._lock:
                self.answers.append((time.monotonic() - self.started, status, path))

    def start(self) -> "Load":
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True)
                         for n in range(self.clients)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def now(self) -> float:
        return time.monotonic() - self.started

    def errors_between(self, start: float, end: float) -> list[tuple[float, int, str]]:
        return [a for a in self.answers if start <= a[0] < end and a[1] >= 500]

    def count_between(self, start: float, end: float) -> int:
        return sum(1 for a in self.answers if start <= a[0] < end)


def record(name: str, result: dict) -> Path:
    """Write a fault's result to ``bench/results/fault_<name>.json``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"fault_{name}.json"
    result = {"fault": name, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "python": platform.python_version(), "cpus": os.cpu_count(), **result}
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    log(f"wrote {path.relative_to(ROOT)}: {'passed' if result.get('passed') else 'FAILED'}")
    return path


class Stack:
    """Private PostgreSQL + Redis + seeded corpus + gunicorn, torn down on exit."""

    def __init__(self, base_port: int, organisations: int = 300, workers: int = 2,
                 index_filesystem_mb: int = 0):
        self.folder = Path(tempfile.mkdtemp(prefix="registry-fault-"))
        self.folder.chmod(0o755)  # the postgres user has to reach its cluster inside
        self.postgres = PrivatePostgres(self.folder / "pg", base_port)
        self.redis = PrivateRedis(base_port + 1)
        self.index_dir = self.folder / "search_index"
        self.organisations, self.workers = organisations, workers
        # > 0: the index lives on a filesystem of its own this size (tmpfs), to be filled.
        self.index_filesystem_mb = index_filesystem_mb
        self.web_port = base_port + 2
        self.env: dict[str, str] = {}
        self.web: Gunicorn | None = None

    def __enter__(self) -> "Stack":
        self.postgres.start()
        self.redis.start()
        self.env = app_environment(self.postgres.url, self.redis.url, self.index_dir)
        if self.index_filesystem_mb:
            self.index_dir.mkdir()
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.index_filesystem_mb}m",
                            "tmpfs", str(self.index_dir)], check=True)
        seed(self.env, self.organisations)
        self.web = Gunicorn(self.env, self.web_port, self.folder / "gunicorn.log", self.workers)
        self.web.start()
        return self

    def __exit__(self, *_exc) -> None:
        if self.web:
            self.web.stop()
            # Kept for a look after the run (the temporary folder goes).
            shutil.copy(self.web.log_path, Path(tempfile.gettempdir()) / "registry-fault.log")
        self.redis.stop()
        self.postgres.stop()
        subprocess.run(["umount", "-q", str(self.index_dir)], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    def public_paths(self) -> list[str]:
        """A few public pages and API reads of the seeded corpus."""
        import psycopg

        with psycopg.connect(self.postgres.url) as conn:
            ids = [row[0] for row in conn.execute(
                "SELECT id FROM organisations WHERE status = 'active' ORDER BY id LIMIT 20")]
        return ([f"/organisations/{i}" for i in ids[:10]]
                + [f"/api/v1/organisations/{i}" for i in ids[10:]]
                + ["/search?q=%E5%BF%83%E7%90%86", "/api/v1/organisations?q=xinli", "/sanctions"])
