"""``flask backup create | verify-restore``."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from registry.backup.services import BackupError, RECOVERY_STEPS, create_backup, verify_restore
from registry.extensions import db

backup_cli = AppGroup("backup", help="Back the database up; prove a backup by restoring it.")


class _Progress:
    """Steps as lines on standard error, each with a progress bar when it says how long."""

    def __init__(self) -> None:
        self.bar = None

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __call__(self, kind: str, value) -> None:
        if kind == "step":
            self.close()
            click.echo(f"… {value}", err=True)
        elif kind == "total":
            self.close()
            self.bar = click.progressbar(length=max(int(value), 1), file=sys.stderr,
                                         show_pos=False, show_percent=True)
            self.bar.__enter__()
        elif kind == "advance" and self.bar is not None:
            self.bar.update(int(value))


@backup_cli.command("create")
@click.option("--output", "output_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder for registry-<UTC time>.dump and its manifest (.json).")
def create_command(output_dir: Path) -> None:
    """Dump the database (PostgreSQL: pg_dump --format=custom; SQLite: the backup API) and
    write a manifest beside it: revision, audit head, row counts, SHA-256. Changes nothing."""
    progress = _Progress()
    try:
        result = create_backup(db.engine, output_dir, progress=progress)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    finally:
        progress.close()
    manifest = result.manifest
    click.echo(f"backup: {result.dump} ({manifest['dump']['bytes']:,} bytes, "
               f"sha256 {manifest['dump']['sha256']})")
    click.echo(f"manifest: {result.manifest_path}")
    click.echo(f"revision {manifest['alembic_revision'] or '(none)'}, "
               f"{manifest['audit']['events']:,} audit events, head "
               f"{manifest['audit']['head'] or '(empty)'}, "
               f"{sum(manifest['tables'].values()):,} rows in {len(manifest['tables'])} tables, "
               f"dumped in {manifest['seconds']['dump']:.1f} s")
    click.echo("Copy both files off this host.")


@backup_cli.command("verify-restore")
@click.argument("dump", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--manifest", "manifest_path", type=click.Path(exists=True, dir_okay=False,
                                                             path_type=Path),
              help="The backup's manifest (default: the .json beside the dump).")
@click.option("--keep", is_flag=True, help="Keep the scratch database for inspection.")
@click.option("--name", "scratch_name", help="Name of the scratch database (default: derived "
              "from the dump's name, with a random suffix). It must not exist.")
@click.option("--jobs", type=click.IntRange(1, 8), default=min(2, os.cpu_count() or 1),
              show_default="2 with several CPUs", help="pg_restore's parallel jobs.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def verify_restore_command(dump: Path, manifest_path, keep: bool, scratch_name, jobs: int,
                           as_json: bool) -> None:
    """Restore DUMP into a fresh scratch database on DATABASE_URL's server, run the
    migrations (a no-op), verify the audit chain against the manifest's head, compare row
    counts, rebuild and verify a search index in a temporary folder; drop the scratch.
    Exit 1 on any mismatch. The configured database is only read (never written)."""
    progress = _Progress()
    try:
        report = verify_restore(dump, current_app.config, manifest_path=manifest_path,
                                keep=keep, scratch_name=scratch_name,
                                processes=min(2, os.cpu_count() or 1), jobs=jobs,
                                progress=progress)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    finally:
        progress.close()
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        if report.manifest is None:
            click.echo("No manifest: nothing to compare the restore with (pass --manifest).",
                       err=True)
        width = max(len(step.name) for step in report.steps)
        for step in report.steps:
            status = {True: "ok", False: "FAILED", None: "-"}[step.ok]
            click.echo(f"{step.name:<{width}}  {status:<6}  {step.seconds:7.1f} s  {step.detail}")
        click.echo(f"recovery time (restore, migrations, audit, search rebuild): "
                   f"{report.seconds(*RECOVERY_STEPS):.1f} s; total {report.seconds():.1f} s")
    if not report.ok:
        failed = [step.name for step in report.steps if step.ok is False]
        click.echo(f"verify-restore FAILED: {', '.join(failed)}", err=True)
        raise SystemExit(1)
    click.echo("verify-restore passed: the backup restores and matches its manifest")
