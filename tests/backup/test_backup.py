"""``flask backup create`` and ``verify-restore`` end to end: a real pg_dump of a migrated,
seeded database, restored with pg_restore into a scratch database on the same server (and the
same on SQLite through its backup API); a damaged dump, a wrong manifest or a rewritten audit
event make verify-restore fail and say which step found it."""
from __future__ import annotations

import contextlib
import json
import logging
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from registry import create_app
from registry.audit.models import AuditEvent
from registry.audit.services import record
from registry.backup.services import dump_kind
from registry.extensions import db
from registry.orgs.models import Organisation
from registry.regions.services import load_regions
from tests.conftest import POSTGRES_URL, _base_config, sqlalchemy_url
from tests.demo.helpers import seed

# Trust authentication ignores it; the point is that it appears in no file and no output.
FAKE_PASSWORD = "not-a-real-pw-7f3a"
BACKENDS = [
    pytest.param("postgresql", marks=pytest.mark.skipif(
        not POSTGRES_URL, reason="needs DATABASE_URL pointing at PostgreSQL")),
    "sqlite",
]


@contextlib.contextmanager
def _postgres_database():
    """A new database on DATABASE_URL's server (with a password in its URL), dropped after."""
    server = sa.make_url(sqlalchemy_url(POSTGRES_URL))
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"registry_backup_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = server.set(database=name, password=server.password or FAKE_PASSWORD)
        yield url.render_as_string(hide_password=False), url.password
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def world(request, tmp_path):
    """An app on a database built by the migrations, with regions, a small demo register and a
    few audit events; yields (app, the password in its URL or None)."""
    with contextlib.ExitStack() as stack:
        if request.param == "postgresql":
            url, password = stack.enter_context(_postgres_database())
        else:
            url, password = f"sqlite:///{tmp_path / 'source.sqlite3'}", None
        app = create_app(_base_config(url, str(tmp_path / "source_index")))
        with app.app_context():
            upgrade()
            load_regions()
            seed(orgs=8)
            for number in range(1, 6):
                record("organisation.update", "organisation", number,
                       before={"name": f"旧名称{number}"}, after={"name": f"新名称{number}"})
            db.session.commit()
            yield app, password
            db.session.remove()
            db.engine.dispose()


def _create(app, folder: Path):
    result = app.test_cli_runner().invoke(args=["backup", "create", "--output", str(folder)])
    assert result.exit_code == 0, result.output
    dump = next(folder.glob("registry-*.dump"))
    return result, dump, dump.with_suffix(".json")


def _verify(app, dump: Path, *options: str):
    result = app.test_cli_runner().invoke(
        args=["backup", "verify-restore", str(dump), "--json", *options])
    summary = json.loads(result.stdout[:result.stdout.rindex("}") + 1])
    return result, summary, {step["name"]: step for step in summary["steps"]}


def _scratch_exists(app, summary: dict) -> bool:
    if db.engine.dialect.name == "sqlite":
        return False  # a temporary file; --keep is checked on PostgreSQL
    return bool(db.session.scalar(sa.text("SELECT count(*) FROM pg_database WHERE datname = :n"),
                                  {"n": summary["scratch"]}))


def _migrations_head() -> str:
    """The newest revision in migrations/ (what ``flask db upgrade`` leaves a database at)."""
    from pathlib import Path

    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    folder = Path(__file__).resolve().parents[2] / "migrations"
    config = AlembicConfig()
    config.set_main_option("script_location", str(folder))
    return ScriptDirectory.from_config(config).get_current_head()


def test_a_backup_restores_and_matches_its_manifest(world, tmp_path, caplog):
    app, password = world
    events_before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    with caplog.at_level(logging.INFO, logger="registry.backup"):
        created, dump, manifest_path = _create(app, tmp_path / "backups")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert dump_kind(dump) == db.engine.dialect.name == manifest["dialect"]
    assert dump.stat().st_mode & 0o077 == 0  # password hashes and encrypted ID numbers inside
    assert manifest["alembic_revision"] == _migrations_head()
    assert manifest["audit"] == {
        "events": events_before,
        "head": db.session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc())
                                  .limit(1))}
    assert manifest["tables"]["organisations"] == 8 == db.session.scalar(
        sa.select(sa.func.count(Organisation.id)))
    assert manifest["tables"]["regions"] > 3000
    # A backup changes nothing, so it is logged, not audited.
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events_before
    assert any(dump.name in message for message in caplog.messages)

    verified, summary, steps = _verify(app, dump)
    assert verified.exit_code == 0, verified.output
    assert "verify-restore passed" in verified.output
    assert summary["ok"] and summary["manifest"] == manifest_path.name
    assert [name for name, step in steps.items() if step["ok"] is not True] == []
    assert "upgrade was a no-op" in steps["migrations"]["detail"]
    assert f"{events_before} events intact" in steps["audit chain"]["detail"]
    assert "indexed 8 organisations" in steps["search rebuild"]["detail"]
    assert "index and database agree" in steps["search verify"]["detail"]
    assert not _scratch_exists(app, summary)
    if password:
        everything = (created.output + verified.output + manifest_path.read_text()
                      + "".join(caplog.messages))
        assert password not in everything
        assert db.engine.url.database not in manifest_path.read_text()


def test_a_wrong_audit_head_in_the_manifest_fails(world, tmp_path):
    app, _ = world
    _, dump, manifest_path = _create(app, tmp_path / "backups")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["audit"]["head"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    verified, summary, steps = _verify(app, dump)
    assert verified.exit_code == 1
    assert "verify-restore FAILED: audit chain" in verified.output
    assert steps["audit chain"]["ok"] is False
    assert f"expected head {'0' * 64} is not in the log" in steps["audit chain"]["detail"]
    assert steps["restore"]["ok"] and steps["row counts"]["ok"]
    assert not _scratch_exists(app, summary)


def test_an_audit_event_rewritten_before_the_backup_is_found_in_the_restore(world, tmp_path):
    app, _ = world
    second = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()[1]
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == second.id)
                       .values(after={"name": "篡改"}))
    db.session.commit()
    _, dump, _ = _create(app, tmp_path / "backups")  # the head itself is untouched
    verified, _, steps = _verify(app, dump)
    assert verified.exit_code == 1
    assert steps["audit chain"]["ok"] is False
    assert f"BROKEN at event {second.id}" in steps["audit chain"]["detail"]


def test_a_changed_dump_fails_its_checksum_and_is_not_restored(world, tmp_path):
    app, _ = world
    _, dump, _ = _create(app, tmp_path / "backups")
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    verified, _, steps = _verify(app, dump)
    assert verified.exit_code == 1
    assert steps["checksum"]["ok"] is False
    assert "not the one the manifest describes" in steps["checksum"]["detail"]
    assert steps["restore"]["ok"] is None  # skipped


def test_row_counts_that_differ_from_the_manifest_fail(world, tmp_path):
    app, _ = world
    _, dump, manifest_path = _create(app, tmp_path / "backups")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["tables"]["organisations"] += 1
    other = tmp_path / "other.json"
    other.write_text(json.dumps(manifest), encoding="utf-8")
    verified, _, steps = _verify(app, dump, "--manifest", str(other))
    assert verified.exit_code == 1
    assert steps["row counts"]["ok"] is False
    assert "organisations: 9 in the backup, 8 restored" in steps["row counts"]["detail"]
    assert steps["audit chain"]["ok"] and steps["search verify"]["ok"]


@pytest.mark.skipif(not POSTGRES_URL, reason="needs DATABASE_URL pointing at PostgreSQL")
@pytest.mark.parametrize("world", ["postgresql"], indirect=True)
def test_keep_leaves_the_scratch_database_for_inspection(world, tmp_path):
    app, _ = world
    _, dump, _ = _create(app, tmp_path / "backups")
    name = f"verify_kept_{uuid.uuid4().hex[:8]}"
    try:
        verified, summary, steps = _verify(app, dump, "--keep", "--name", name)
        assert verified.exit_code == 0, verified.output
        assert summary["kept"] and summary["scratch"] == name
        assert _scratch_exists(app, summary)
        assert steps["drop scratch database"]["ok"] is None
    finally:
        db.session.rollback()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_a_postgresql_dump_needs_a_postgresql_server(app, runner, tmp_path):
    if POSTGRES_URL:
        pytest.skip("the configured database is PostgreSQL here")
    fake = tmp_path / "registry-20260101T000000Z.dump"
    fake.write_bytes(b"PGDMP" + b"\0" * 100)
    result = runner.invoke(args=["backup", "verify-restore", str(fake)])
    assert result.exit_code == 1
    assert "DATABASE_URL is not a PostgreSQL database" in result.output


def test_a_file_that_is_no_backup_is_refused(runner, tmp_path):
    junk = tmp_path / "notes.dump"
    junk.write_text("hello", encoding="utf-8")
    result = runner.invoke(args=["backup", "verify-restore", str(junk)])
    assert result.exit_code == 1
    assert "neither a pg_dump custom-format archive nor an SQLite file" in result.output


def test_a_scratch_name_that_is_not_a_plain_identifier_is_refused(runner, tmp_path):
    copy = tmp_path / "registry-20260101T000000Z.dump"
    copy.write_bytes(b"SQLite format 3\x00" + b"\0" * 100)
    result = runner.invoke(args=["backup", "verify-restore", str(copy), "--name", 'x"; drop'])
    assert result.exit_code == 1
    assert "lower-case letters, digits and underscores" in result.output
