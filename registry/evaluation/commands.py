"""``flask evaluation default-rubric``: install the shipped default rubric (idempotent)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from registry.evaluation.services import ensure_default_rubric

evaluation_cli = AppGroup("evaluation", help="Evaluation rubrics.")


@evaluation_cli.command("default-rubric")
def default_rubric_command() -> None:
    """Create the default rubric (评估细则) unless it already exists."""
    rubric, created = ensure_default_rubric()
    if created:
        click.echo(f"Created the default rubric “{rubric.name}” (id {rubric.id}, "
                   f"{len(rubric.criteria)} criteria).")
    else:
        click.echo(f"The default rubric “{rubric.name}” already exists "
                   f"(id {rubric.id}, version {rubric.version}); nothing changed.")
