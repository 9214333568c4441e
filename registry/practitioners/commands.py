"""``flask qualifications expire``: mark verified certificates past their expiry date as expired."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from registry.practitioners.services import count_due_for_expiry, expire_qualifications, local_today

qualifications_cli = AppGroup("qualifications",
                              help="Practitioners' qualifications (certificates).")


@qualifications_cli.command("expire")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Treat this day as today (YYYY-MM-DD); default: today in the register's "
                   "time zone.")
def expire_command(today) -> None:
    """Verified certificates whose expiry date lies before today become expired (run daily).

    Running it again changes nothing; public pages and the certificate lookup already answer
    "expired" in between, so a missed day shows nothing wrong to the public.
    """
    day = today.date() if today else local_today()
    due = count_due_for_expiry(day)
    with click.progressbar(length=due, label="Expiring qualifications", file=sys.stderr) as bar:
        expired = expire_qualifications(day, progress=bar.update)
    click.echo(f"{expired} qualification(s) expired (verified, expiry date before "
               f"{day.isoformat()}); audit events written: {expired}.")
