"""Create a backup with its manifest; prove a backup by restoring it into a scratch database.

The manifest holds no connection string, host, user or password: only what the backup
contains (file name, size, SHA-256, Alembic revision, audit head, row counts) and the
versions of the tools that made it.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional

import sqlalchemy as sa
from alembic.migration import MigrationContext

from registry.audit.models import AuditEvent
from registry.extensions import db

log = logging.getLogger("registry.backup")

MANIFEST_FORMAT = 1
POSTGRES_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
CHUNK = 1 << 20
SECOND_PROCESS_FROM = 5000  # practitioners; fewer are indexed in one process
# libpq settings that may come in a URL's query string, and their environment variables.
LIBPQ_QUERY_SETTINGS = {"host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE",
                        "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                        "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT",
                        "application_name": "PGAPPNAME",
                        "target_session_attrs": "PGTARGETSESSIONATTRS"}
# progress(kind, value): ("step", text) a new step; ("total", n) units of work; ("advance", n).
Progress = Optional[Callable[[str, object], None]]


class BackupError(RuntimeError):
    """A backup or a restore could not be made; the message says why (never a password)."""


def _tell(progress: Progress, kind: str, value) -> None:
    if progress is not None:
        progress(kind, value)


# --- PostgreSQL's own tools ------------------------------------------------------------


def tool(name: str) -> str:
    """The path of ``pg_dump``/``pg_restore`` on PATH, or a BackupError saying what to install."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not on PATH: install the PostgreSQL client tools of the "
                          "server's major version (Debian: postgresql-client)")
    return path


def tool_version(name: str) -> str:
    """``pg_dump (PostgreSQL) 15.20 …`` as the tool prints it."""
    done = subprocess.run([tool(name), "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def libpq_environment(url: sa.URL) -> dict[str, str]:
    """The environment for ``pg_dump``/``pg_restore`` to reach ``url``'s server: libpq's PG*
    variables, so the password is never on a command line (``ps`` shows those)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    for key, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value:
            env[key] = str(value)
    for name, variable in LIBPQ_QUERY_SETTINGS.items():
        value = url.query.get(name)
        if value:
            env[variable] = value if isinstance(value, str) else value[-1]
    return env


def _run_tool(command: list[str], env: dict, progress: Progress, pattern: re.Pattern) -> None:
    """Run a PostgreSQL tool with ``--verbose``; every stderr line matching ``pattern``
    advances the progress. A failure raises BackupError with the tool's last words."""
    tail: list[str] = []
    with subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, errors="replace") as process:
        for line in process.stderr:
            if pattern.search(line):
                _tell(progress, "advance", 1)
            tail = (tail + [line.rstrip()])[-12:]
    if process.returncode != 0:
        said = "\n".join(line for line in tail if line)
        raise BackupError(f"{Path(command[0]).name} failed (exit code {process.returncode}):\n"
                          f"{said}")


# --- What a backup holds ---------------------------------------------------------------


def alembic_revision(connection: sa.Connection) -> Optional[str]:
    """The database's Alembic revision (None: made without migrations, or empty)."""
    return MigrationContext.configure(connection).get_current_revision()


def table_counts(connection: sa.Connection) -> dict[str, int]:
    """Rows in every table of the schema (those the models know), by table name."""
    present = set(sa.inspect(connection).get_table_names())
    return {table.name: connection.scalar(sa.select(sa.func.count()).select_from(table))
            for table in sorted(db.metadata.sorted_tables, key=lambda t: t.name)
            if table.name in present}


def audit_summary(connection: sa.Connection) -> dict:
    """How many audit events there are and the newest one's hash (the chain's head)."""
    return {
        "events": connection.scalar(sa.select(sa.func.count(AuditEvent.id))),
        "head": connection.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc())
                                  .limit(1)),
    }


def snapshot_facts(connection: sa.Connection) -> dict:
    """What the manifest says of the data, all read through ``connection``."""
    return {"alembic_revision": alembic_revision(connection),
            "audit": audit_summary(connection),
            "tables": table_counts(connection)}


def sha256_of(path: Path, progress: Progress = None) -> str:
    """The file's SHA-256 (hex), reported in MiB read."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            _tell(progress, "advance", len(chunk))
    return digest.hexdigest()


def manifest_path_for(dump: Path) -> Path:
    """The manifest written beside ``dump`` (same name, ``.json``)."""
    return dump.with_suffix(".json")


def read_manifest(path: Path) -> dict:
    """A manifest written by ``create_backup``; BackupError when it is not one."""
    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"cannot read the manifest {path}: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(f"{path} is not a backup manifest (format {MANIFEST_FORMAT})")
    return manifest


# --- Creating a backup -----------------------------------------------------------------


@dataclass
class BackupResult:
    """The files a backup wrote and what its manifest says."""

    dump: Path
    manifest_path: Path
    manifest: dict


def _private_file(path: Path) -> None:
    """Create ``path`` empty and readable by its owner only (a dump holds password hashes
    and encrypted ID numbers); refuse to overwrite anything."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise BackupError(f"{path} already exists") from None


def _dump_postgres(engine: sa.Engine, partial: Path, progress: Progress) -> dict:
    """``pg_dump --format=custom`` of a snapshot that the manifest's facts are read in too:
    whatever commits during the dump is in neither."""
    pg_dump = tool("pg_dump")
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ",
                                                  postgresql_readonly=True)
        with connection.begin():
            snapshot = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
            _tell(progress, "step", "reading row counts, audit head and revision")
            facts = snapshot_facts(connection)
            facts["server_version"] = connection.scalar(sa.text("SHOW server_version"))
            _tell(progress, "step", "dumping with pg_dump")
            _tell(progress, "total", len(facts["tables"]) + (facts["alembic_revision"] is not None))
            started = time.perf_counter()
            _run_tool([pg_dump, "--format=custom", "--verbose", "--no-password",
                       f"--snapshot={snapshot}", f"--file={partial}"],
                      libpq_environment(engine.url), progress,
                      re.compile(r"dumping contents of table"))
            facts["dump_seconds"] = round(time.perf_counter() - started, 3)
    facts["tool"] = tool_version("pg_dump")
    facts["dump_format"] = "pg_dump custom"
    return facts


def _dump_sqlite(engine: sa.Engine, partial: Path, progress: Progress) -> dict:
    """A copy through SQLite's online backup API (consistent while others write); the facts
    are read from the copy, which is exactly what was backed up."""
    source_path = engine.url.database
    if not source_path or source_path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    _tell(progress, "step", "copying with SQLite's backup API")
    started = time.perf_counter()
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = sqlite3.connect(partial)
    try:
        pages = {"done": 0}

        def report(status, remaining, total):
            if pages["done"] == 0:
                _tell(progress, "total", total)
            _tell(progress, "advance", total - remaining - pages["done"])
            pages["done"] = total - remaining

        source.backup(target, pages=256, progress=report)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite backup failed: {error}") from None
    finally:
        target.close()
        source.close()
    seconds = round(time.perf_counter() - started, 3)
    copy = sa.create_engine(f"sqlite:///{partial}")
    try:
        with copy.connect() as connection:
            _tell(progress, "step", "reading row counts, audit head and revision")
            facts = snapshot_facts(connection)
    finally:
        copy.dispose()
    facts.update(dump_seconds=seconds, server_version=sqlite3.sqlite_version,
                 tool=f"sqlite3 backup API (SQLite {sqlite3.sqlite_version})",
                 dump_format="sqlite database")
    return facts


def create_backup(engine: sa.Engine, output_dir: Path, progress: Progress = None,
                  now: Optional[datetime] = None) -> BackupResult:
    """Dump the database behind ``engine`` into ``output_dir``/registry-<UTC time>.dump and
    write the manifest beside it. Nothing in the database changes."""
    dialect = engine.dialect.name
    if dialect not in ("postgresql", "sqlite"):
        raise BackupError(f"backups of {dialect} databases are not supported")
    now = now or datetime.now(timezone.utc)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    stem = f"registry-{now.strftime('%Y%m%dT%H%M%SZ')}"
    dump, manifest_path = output_dir / f"{stem}.dump", output_dir / f"{stem}.json"
    partial = output_dir / f"{stem}.dump.partial"
    for path in (dump, manifest_path):
        if path.exists():
            raise BackupError(f"{path} already exists")
    _private_file(partial)
    try:
        facts = (_dump_postgres if dialect == "postgresql" else _dump_sqlite)(
            engine, partial, progress)
        size = partial.stat().st_size
        _tell(progress, "step", "computing the dump's SHA-256")
        _tell(progress, "total", size)
        started = time.perf_counter()
        digest = sha256_of(partial, progress)
        checksum_seconds = round(time.perf_counter() - started, 3)
        os.replace(partial, dump)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    manifest = {
        "format": MANIFEST_FORMAT,
        "created_at": now.isoformat(timespec="seconds"),
        "dialect": dialect,
        "dump": {"file": dump.name, "format": facts["dump_format"], "bytes": size,
                 "sha256": digest},
        "alembic_revision": facts["alembic_revision"],
        "audit": facts["audit"],
        "tables": facts["tables"],
        "server_version": facts["server_version"],
        "tool": facts["tool"],
        "seconds": {"dump": facts["dump_seconds"], "checksum": checksum_seconds},
    }
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    log.info("backup written: %s (%d bytes, sha256 %s), revision %s, audit head %s",
             dump.name, size, digest, manifest["alembic_revision"], manifest["audit"]["head"])
    return BackupResult(dump, manifest_path, manifest)


# --- Proving a backup by restoring it ---------------------------------------------------


@dataclass
class Step:
    """One step of a verify-restore: passed or not, how long it took, what it found."""

    name: str
    ok: Optional[bool] = None  # None: skipped
    seconds: float = 0.0
    detail: str = ""


@dataclass
class RestoreReport:
    """The outcome of ``verify_restore``."""

    dump: str
    scratch: str = ""
    kept: bool = False
    manifest: Optional[str] = None
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.ok is not False for step in self.steps) and \
            any(step.ok for step in self.steps)

    def seconds(self, *names: str) -> float:
        """The time of the named steps together (all when none is named)."""
        return round(sum(step.seconds for step in self.steps
                         if not names or step.name in names), 3)

    def as_dict(self) -> dict:
        return {"dump": self.dump, "manifest": self.manifest, "scratch": self.scratch,
                "kept": self.kept, "ok": self.ok,
                "steps": [{"name": s.name, "ok": s.ok, "seconds": round(s.seconds, 3),
                           "detail": s.detail} for s in self.steps]}


# The steps an operator runs to recover (their sum is the recovery time).
RECOVERY_STEPS = ("create scratch database", "restore", "migrations", "audit chain",
                  "search rebuild")


class _Failed(Exception):
    """A step found a mismatch (its detail says which)."""


def dump_kind(dump: Path) -> str:
    """"postgresql" for a pg_dump custom-format archive, "sqlite" for an SQLite file."""
    try:
        with open(dump, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"cannot read {dump}: {error}") from None
    if head.startswith(POSTGRES_MAGIC):
        return "postgresql"
    if head == SQLITE_MAGIC:
        return "sqlite"
    raise BackupError(f"{dump} is neither a pg_dump custom-format archive nor an SQLite file")


def scratch_name_for(dump: Path) -> str:
    """A new database name derived from the dump's (``verify_registry_20261203t…_3f9a1c``)."""
    stem = re.sub(r"[^a-z0-9]+", "_", dump.name.split(".")[0].lower()).strip("_")
    return f"verify_{stem[:48]}_{secrets.token_hex(3)}"


class _Scratch:
    """The scratch database: made, restored into and dropped (unless kept)."""

    def __init__(self, kind: str, server: sa.URL, name: str, folder: Path, jobs: int):
        self.kind, self.server, self.name, self.folder, self.jobs = kind, server, name, folder, jobs
        self.made = False

    @property
    def url(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.folder / (self.name + '.sqlite3')}"
        return self.server.set(database=self.name).render_as_string(hide_password=False)

    def _admin(self, statement: str) -> None:
        admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(statement))
        finally:
            admin.dispose()

    def create(self) -> str:
        if self.kind == "sqlite":
            self.made = True
            return f"an empty file in {self.folder}"
        self._admin(f'CREATE DATABASE "{self.name}"')
        self.made = True
        return f"database {self.name}"

    def restore(self, dump: Path, progress: Progress, tables: int) -> str:
        if self.kind == "sqlite":
            shutil.copyfile(dump, self.folder / (self.name + ".sqlite3"))
            return "copied"
        _tell(progress, "total", tables)
        env = libpq_environment(sa.make_url(self.url))
        _run_tool([tool("pg_restore"), "--verbose", "--no-password", "--no-owner",
                   "--exit-on-error", f"--jobs={self.jobs}", f"--dbname={self.name}", str(dump)],
                  env, progress, re.compile(r"processing data for table"))
        return f"pg_restore --jobs={self.jobs}"

    def drop(self) -> str:
        if not self.made:
            return "nothing to drop"
        if self.kind == "sqlite":
            (self.folder / (self.name + ".sqlite3")).unlink(missing_ok=True)
            return "removed"
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        return f"dropped {self.name}"


def verify_restore(dump: Path, config: dict, manifest_path: Optional[Path] = None,
                   keep: bool = False, scratch_name: Optional[str] = None,
                   processes: int = 1, jobs: int = 2, progress: Progress = None) -> RestoreReport:
    """Restore ``dump`` into a scratch database on the server of ``config``'s database
    (PostgreSQL) or into a temporary file (SQLite), then: migrations (should be a no-op), the
    audit chain against the manifest's head, row counts against the manifest, a search index
    rebuilt from the scratch database in a temporary folder and verified. The scratch is
    dropped at the end unless ``keep``. ``config`` is the running app's: its keys are reused
    (PII_KEY, SECRET_KEY); its database is never written."""
    dump = Path(dump)
    report = RestoreReport(dump=dump.name)
    kind = dump_kind(dump)
    if manifest_path is None and manifest_path_for(dump).exists():
        manifest_path = manifest_path_for(dump)
    manifest = read_manifest(manifest_path) if manifest_path else None
    report.manifest = Path(manifest_path).name if manifest_path else None
    server = sa.make_url(config["SQLALCHEMY_DATABASE_URI"])
    if kind == "postgresql" and server.get_backend_name() != "postgresql":
        raise BackupError("a PostgreSQL dump is restored on the PostgreSQL server of "
                          "DATABASE_URL, and DATABASE_URL is not a PostgreSQL database")
    if scratch_name is not None and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", scratch_name):
        raise BackupError("the scratch database's name must be 1 to 63 lower-case letters, "
                          "digits and underscores, not starting with a digit")
    workdir = Path(tempfile.mkdtemp(prefix="registry-verify-restore-"))
    scratch = _Scratch(kind, server, scratch_name or scratch_name_for(dump), workdir, jobs)
    report.scratch = scratch.name

    def run(name: str, action: Callable[[], str]) -> bool:
        step = Step(name)
        report.steps.append(step)
        _tell(progress, "step", name)
        started = time.perf_counter()
        try:
            step.detail = action()
            step.ok = True
        except (_Failed, BackupError) as problem:
            step.ok, step.detail = False, str(problem)
        except Exception as error:  # a restore step's failure is a finding, not a crash
            step.ok, step.detail = False, f"{type(error).__name__}: {error}"
        step.seconds = time.perf_counter() - started
        return bool(step.ok)

    def skip(*names: str) -> None:
        report.steps.extend(Step(name, None, 0.0, "skipped") for name in names)

    try:
        if manifest is not None:
            if not run("checksum", lambda: _check_checksum(dump, manifest, progress)):
                skip(*RECOVERY_STEPS[:2], "row counts", *RECOVERY_STEPS[2:], "search verify")
                return report
        if not (run("create scratch database", scratch.create)
                and run("restore", lambda: scratch.restore(
                    dump, progress, len((manifest or {}).get("tables", {})) + 1))):
            skip("row counts", *RECOVERY_STEPS[2:], "search verify")
            return report
        from registry import create_app

        app = create_app({
            "SQLALCHEMY_DATABASE_URI": scratch.url,
            "SEARCH_INDEX_DIR": str(workdir / "search_index"),
            "SECRET_KEY": config["SECRET_KEY"], "PII_KEY": config["PII_KEY"],
            "TESTING": bool(config.get("TESTING")),
        })
        with app.app_context():
            try:
                run("row counts", lambda: _check_counts(manifest))
                if run("migrations", lambda: _check_migrations(manifest)):
                    run("audit chain", lambda: _check_audit(manifest, progress))
                    index_dir = str(workdir / "search_index")
                    if run("search rebuild", lambda: _rebuild_search(index_dir, processes,
                                                                     progress)):
                        run("search verify", lambda: _verify_search(index_dir))
                    else:
                        skip("search verify")
                else:
                    skip("audit chain", "search rebuild", "search verify")
            finally:
                db.session.remove()
                db.engine.dispose()
    finally:
        if keep and scratch.made:
            report.kept = True
            report.steps.append(Step("drop scratch database", None, 0.0,
                                     f"kept: {scratch.url if kind == 'sqlite' else scratch.name}"))
        else:
            run("drop scratch database", scratch.drop)
        if not (keep and kind == "sqlite"):
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            shutil.rmtree(workdir / "search_index", ignore_errors=True)
        log.info("verify-restore of %s: %s in %.1f s", dump.name,
                 "passed" if report.ok else "FAILED", report.seconds())
    return report


def _check_checksum(dump: Path, manifest: dict, progress: Progress) -> str:
    expected = manifest.get("dump", {}).get("sha256")
    size = dump.stat().st_size
    _tell(progress, "total", size)
    actual = sha256_of(dump, progress)
    if actual != expected:
        raise _Failed(f"the dump's SHA-256 is {actual}, the manifest says {expected}: the file "
                      "is not the one the manifest describes (damaged or altered)")
    return f"sha256 {actual[:16]}… as recorded ({size:,} bytes)"


def _check_counts(manifest: Optional[dict]) -> str:
    with db.engine.connect() as connection:
        restored = table_counts(connection)
    if manifest is None:
        return f"{sum(restored.values()):,} rows in {len(restored)} tables (no manifest to compare)"
    recorded = manifest.get("tables", {})
    differences = [f"{name}: {recorded.get(name, 'absent')} in the backup, "
                   f"{restored.get(name, 'absent')} restored"
                   for name in sorted(set(recorded) | set(restored))
                   if recorded.get(name) != restored.get(name)]
    if differences:
        raise _Failed("row counts differ from the manifest: " + "; ".join(differences))
    return f"{sum(restored.values()):,} rows in {len(restored)} tables, as recorded"


def _check_migrations(manifest: Optional[dict]) -> str:
    from alembic.script import ScriptDirectory
    from flask import current_app
    from flask_migrate import upgrade

    with db.engine.connect() as connection:
        before = alembic_revision(connection)
    if before is None:
        raise _Failed("the restored database has no Alembic revision (it was not made by "
                      "flask db upgrade); stamp the source with flask db stamp head")
    if manifest is not None and before != manifest.get("alembic_revision"):
        raise _Failed(f"the restored revision is {before}, the manifest says "
                      f"{manifest.get('alembic_revision')}")
    upgrade()
    with db.engine.connect() as connection:
        after = alembic_revision(connection)
    migrate = current_app.extensions["migrate"]
    heads = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory)).get_heads()
    if after not in heads:
        raise _Failed(f"after flask db upgrade the revision is {after}, not the code's head "
                      f"{', '.join(heads)}")
    if before == after:
        return f"revision {after}, the code's head: upgrade was a no-op"
    return f"upgraded {before} → {after} (the backup predates the code's migrations)"


def _check_audit(manifest: Optional[dict], progress: Progress) -> str:
    from registry.audit.services import event_count, head_mismatch, verify_chain

    expected = (manifest or {}).get("audit", {})
    _tell(progress, "total", event_count())
    chain = verify_chain(expected_head=expected.get("head") if manifest else None,
                         progress=lambda n: _tell(progress, "advance", n))
    if chain.first_bad_id is not None:
        raise _Failed(f"audit chain BROKEN at event {chain.first_bad_id}: {chain.problem}")
    if chain.problem:
        raise _Failed(f"audit chain does not match the manifest: {chain.problem}")
    if manifest is not None:
        if chain.head != expected.get("head"):
            raise _Failed("audit chain does not match the manifest: "
                          + head_mismatch(expected.get("head") or "(empty)", chain.head))
        if chain.checked != expected.get("events"):
            raise _Failed(f"audit chain has {chain.checked} events, the manifest says "
                          f"{expected.get('events')}")
        return f"{chain.checked:,} events intact, head {str(chain.head)[:16]}… as recorded"
    return f"{chain.checked:,} events intact, head {chain.head} (no manifest to compare)"


def _rebuild_search(index_dir: str, processes: int, progress: Progress) -> str:
    from registry.search.sync import rebuild

    def relay(kind, count):
        _tell(progress, "total" if kind is None else "advance", count)

    # A second process costs a fresh interpreter: worth it for a large register only.
    with db.engine.connect() as connection:
        practitioners = connection.scalar(sa.text("SELECT count(*) FROM practitioners"))
    built = rebuild(index_dir, db.engine, progress=relay,
                    processes=processes if practitioners > SECOND_PROCESS_FROM else 1)
    if built.busy:
        raise _Failed("the scratch index folder is locked by another process")
    return (f"indexed {built.organisations:,} organisations and {built.practitioners:,} "
            f"practitioners ({built.documents_per_second:,.0f} documents/s)")


def _verify_search(index_dir: str) -> str:
    from registry.search.sync import verify

    checked = verify(index_dir, db.engine)
    if not checked.consistent:
        found = [f"{kind} {label}: {len(ids)}"
                 for label, part in (("missing", checked.missing), ("extra", checked.extra),
                                     ("stale", checked.stale))
                 for kind, ids in part.items() if ids]
        raise _Failed("the index rebuilt from the restore disagrees with it: " + ", ".join(found))
    return "index and database agree"
