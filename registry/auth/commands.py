"""``flask users create``: bootstrap accounts from a script (the password from standard input);
``flask users prune-sessions``: forget login sessions that ended long ago."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from registry.auth.models import Role
from registry.auth.services import create_account
from registry.validation import ValidationFailed

users_cli = AppGroup("users", help="Accounts.")


@users_cli.command("create")
@click.option("--email", required=True, help="The login email address.")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--region", "region_code", help="Jurisdiction (region code) of an assessor or regulator.")
@click.option("--association", "association_id", type=int, help="Association id of an assessor.")
@click.option("--org", "organisation_id", type=int, help="Organisation id of an org account.")
@click.option("--name", "display_name", help="Name shown in the interface and the audit log.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input (otherwise it is prompted for).")
def create_command(email, role, region_code, association_id, organisation_id, display_name,
                   password_stdin) -> None:
    """Create an account; the password is never taken from the command line."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_account(None, email=email, password=password, role=Role(role),
                              region_code=region_code, association_id=association_id,
                              organisation_id=organisation_id, display_name=display_name)
    except ValidationFailed as error:
        for field, message in error.errors.items():
            click.echo(f"{field}: {message}", err=True)
        raise SystemExit(1)
    click.echo(f"Created account {user.id} ({user.email}, {user.role.value}).")


@users_cli.command("prune-sessions")
@click.option("--days", default=30, show_default=True, type=click.IntRange(min=0),
              help="Keep sessions that ended (or expired) fewer than this many days ago.")
def prune_sessions_command(days: int) -> None:
    """Delete the rows of login sessions that ended or expired long ago."""
    from registry.auth.sessions import prune_sessions

    deleted = prune_sessions(days)
    click.echo(f"Deleted {deleted} login session(s) ended or expired over {days} day(s) ago.")
