"""``flask sanctions expire``: the daily run that ends terms, suspensions and disclosures."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from registry.sanctions.services import count_due, local_today, run_schedule

sanctions_cli = AppGroup("sanctions", help="Sanctions (惩戒): the daily schedule.")


@sanctions_cli.command("expire")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Treat this day as today (YYYY-MM-DD); default: today in the register's "
                   "time zone.")
def expire_command(today) -> None:
    """End sanctions whose term is over, start and end suspensions (an organisation whose
    suspension ended is active again), carry out exits that have started, and end public
    disclosures whose period ran out. Run daily; running it again changes nothing.

    Pages already apply an organisation's status lazily when they read it, so a missed day
    shows nothing wrong to the public.
    """
    day = today.date() if today else local_today()
    with click.progressbar(length=count_due(day), label="Sanction schedule",
                           file=sys.stderr) as bar:
        report = run_schedule(day, progress=bar.update)
    click.echo(f"{day.isoformat()}: {report.sanctions_ended} sanction term(s) ended, "
               f"{report.suspended} organisation(s) suspended, {report.reactivated} active "
               f"again, {report.exited} exited, {report.affiliations_ended} affiliation(s) "
               f"ended, {report.disclosures_ended} disclosure period(s) ended.")
