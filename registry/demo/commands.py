"""``flask demo seed``: realistic demo data for an empty register."""
from __future__ import annotations

import re

import click
from flask import current_app
from flask.cli import AppGroup

from registry.demo.accounts import DEMO_PASSWORD
from registry.demo.seed import (
    DEFAULT_ORGS,
    DEFAULT_SEED,
    SeedError,
    SeedOptions,
    SeedResult,
    organisation_count,
    seed_demo,
)

demo_cli = AppGroup("demo", help="Demo data.")


def parse_cities(value: str | None) -> tuple[str, ...]:
    """``370600,371300`` → ("370600", "371300"); the configured DEMO_CITIES when empty."""
    if not value:
        return tuple(current_app.config["DEMO_CITIES"])
    codes = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    bad = [code for code in codes if not re.fullmatch(r"\d{6}", code)]
    if bad or not codes:
        raise click.BadParameter("give 6-digit city codes separated by commas, e.g. 370600,510700",
                                 param_hint="--cities")
    return codes


@demo_cli.command("seed")
@click.option("--orgs", type=click.IntRange(min=1), default=DEFAULT_ORGS, show_default=True,
              help="How many organisations to create.")
@click.option("--seed", "seed_value", type=int, default=DEFAULT_SEED, show_default=True,
              help="Random seed: the same seed and --orgs give the same data.")
@click.option("--if-empty", is_flag=True,
              help="Do nothing (successfully) when the register already has organisations.")
@click.option("--cities", metavar="CODE,CODE…",
              help="City codes to spread organisations over (default: DEMO_CITIES).")
@click.option("--allow-production", is_flag=True,
              help="Seed even with REGISTRY_ENV=production (accounts with a known password!).")
def seed_command(orgs: int, seed_value: int, if_empty: bool, cities: str | None,
                 allow_production: bool) -> None:
    """Fill an empty register with realistic demo data.

    Needs the regions (`flask regions load`). Every demo account (admin@demo.example.cn,
    regulator.<city>@demo.example.cn, assessor.<city>@demo.example.cn, org.<id>@demo.example.cn)
    has the password xinli-demo-2026.
    """
    if current_app.config.get("ENV_NAME") == "production" and not allow_production:
        raise click.ClickException("Refusing to create demo accounts with a known password in "
                                   "production; pass --allow-production if you really mean it.")
    codes = parse_cities(cities)
    if if_empty:
        existing = organisation_count()
        if existing:
            click.echo(f"Skipped demo data: the register already has {existing} organisations.")
            return
    click.echo(f"Seeding {orgs:,} demo organisations (seed {seed_value})…")
    try:
        result = seed_demo(SeedOptions(orgs=orgs, seed=seed_value, cities=codes),
                           progress=lambda label, length: click.progressbar(length=length,
                                                                            label=label))
    except SeedError as error:
        raise click.ClickException(str(error)) from error
    for line in report_lines(result):
        click.echo(line)


def report_lines(result: SeedResult) -> list[str]:
    """A short human summary of a seeding run (counts only, nothing personal)."""
    counts = result.counts
    statuses = ", ".join(f"{count:,} {status}" for status, count in result.statuses.items())
    return [
        f"Seeded {counts['organisations']:,} organisations in {'、'.join(result.city_names)} "
        f"in {result.seconds:.1f} s ({statuses}).",
        f"{counts['practitioners']:,} practitioners, {counts['qualifications']:,} qualifications, "
        f"{counts['evaluations']:,} published evaluations, {counts['designations']:,} "
        f"demonstration units, {counts['sanctions']:,} sanctions, "
        f"{counts['associations']:,} associations, {counts['users']:,} accounts.",
        f"Demo accounts (password {DEMO_PASSWORD}): " + ", ".join(_account_examples(result)),
    ]


def _account_examples(result: SeedResult) -> list[str]:
    staff = [email for email in result.accounts if not email.startswith("org.")]
    organisations = [email for email in result.accounts if email.startswith("org.")]
    return staff + organisations[:3] + ([f"… {len(organisations) - 3} more organisation accounts"]
                                        if len(organisations) > 3 else [])
