"""``flask search worker | sync | rebuild | verify``."""
from __future__ import annotations

import logging
import os
import signal
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from registry.extensions import db
from registry.search.storage import IndexUnavailable
from registry.search.sync import RebuildFailed, apply_log, rebuild, verify
from registry.search.worker import Worker, default_replica_name

search_cli = AppGroup("search", help="Search index: follow the change log, rebuild, verify.")


def _replica_name() -> str:
    config = current_app.config
    return config.get("SEARCH_REPLICA_NAME") or default_replica_name(config["SEARCH_INDEX_DIR"])


@search_cli.command("worker")
@click.option("--name", default=None,
              help="This replica's name in search_replicas (default: host and index folder).")
def worker_command(name) -> None:
    """Keep this host's index current from the change log until SIGTERM (the service)."""
    config = current_app.config
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("registry.search").setLevel(logging.INFO)
    worker = Worker(config["SEARCH_INDEX_DIR"], db.engine, name or _replica_name(),
                    poll_seconds=config.get("SEARCH_WORKER_POLL_SECONDS", 0.5),
                    idle_seconds=config.get("SEARCH_WORKER_IDLE_SECONDS", 10.0),
                    retention_seconds=config.get("SEARCH_LOG_RETENTION_SECONDS",
                                                 7 * 24 * 3600))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop.set())
    worker.run()
    db.engine.dispose()


@search_cli.command("sync")
@click.option("--wait", default=30.0, show_default=True,
              help="Seconds to wait for another process that is writing the index.")
def sync_command(wait: float) -> None:
    """Apply the change log to the index once (builds it when missing)."""
    try:
        report = apply_log(current_app.config["SEARCH_INDEX_DIR"], db.engine, wait=wait,
                           replica=_replica_name())
    except OSError as error:  # a full or read-only disk: nothing is lost, the log keeps it
        raise click.ClickException(
            f"the index folder cannot be written ({error.strerror or error}); the pending "
            "changes stay in the log and are applied by the next sync") from None
    if report.busy:
        raise click.ClickException("another process is writing the index; try again later")
    if report.rebuilt:
        click.echo(f"the index was {report.rebuilt}: rebuilt from the database")
    click.echo(f"applied {report.applied} pending changes (log position {report.position})")


@search_cli.command("rebuild")
@click.option("--processes", type=click.IntRange(1, 2), default=min(2, os.cpu_count() or 1),
              show_default="2 with several CPUs",
              help="2: build the practitioners' index in a second process meanwhile.")
def rebuild_command(processes: int) -> None:
    """Rebuild the index from the database into a new folder and swap it in."""
    bar = {"bar": None}

    def progress(kind, count):
        if kind is None:
            bar["bar"] = click.progressbar(length=max(count, 1), label="indexing",
                                           show_pos=True, file=sys.stderr)
            bar["bar"].__enter__()
        elif bar["bar"] is not None:
            bar["bar"].update(count)

    try:
        report = rebuild(current_app.config["SEARCH_INDEX_DIR"], db.engine, progress=progress,
                         processes=processes)
    except RebuildFailed as error:
        raise click.ClickException(f"{error}; the index in use is unchanged") from None
    except OSError as error:  # a full or read-only disk
        raise click.ClickException(f"the index folder cannot be written "
                                   f"({error.strerror or error}); the index in use is "
                                   "unchanged") from None
    finally:
        if bar["bar"] is not None:
            bar["bar"].__exit__(None, None, None)
    if report.busy:
        raise click.ClickException("another process is writing the index; try again later")
    click.echo(f"indexed {report.organisations} organisations and {report.practitioners} "
               f"practitioners in {report.seconds:.1f} s "
               f"({report.documents_per_second:.0f} documents/s)")


@search_cli.command("verify")
def verify_command() -> None:
    """Compare the index with the database; exit 1 listing every difference."""
    try:
        report = verify(current_app.config["SEARCH_INDEX_DIR"], db.engine)
    except IndexUnavailable as error:
        raise click.ClickException(f"no readable index ({error}); run flask search rebuild")
    for label, found in (("missing from the index", report.missing),
                         ("in the index but not public", report.extra),
                         ("indexed with outdated values", report.stale)):
        for kind, ids in found.items():
            if ids:
                shown = ", ".join(str(i) for i in ids[:20]) + (" …" if len(ids) > 20 else "")
                click.echo(f"{kind} {label}: {len(ids)} ({shown})")
    click.echo(f"changes in the log not applied yet: {report.pending}")
    if not report.consistent:
        raise SystemExit(1)
    click.echo("index and database agree")
