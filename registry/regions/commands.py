"""``flask regions load``: the administrative divisions from the packaged dataset."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from registry.regions.services import load_regions, read_dataset

regions_cli = AppGroup("regions", help="Administrative divisions (GB/T 2260).")


@regions_cli.command("load")
def load_command() -> None:
    """Insert or update every division; safe to run again."""
    total = len(read_dataset())
    with click.progressbar(length=total, label="Loading regions") as bar:
        result = load_regions(progress=bar.update)
    click.echo(
        f"{result.total} regions: {result.inserted} inserted, "
        f"{result.updated} updated, {result.unchanged} unchanged."
    )
