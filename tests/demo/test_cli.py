"""``flask demo seed`` on the command line."""
from __future__ import annotations

import re

import sqlalchemy as sa
from cryptography.fernet import Fernet

from registry.extensions import db
from registry.orgs.models import Organisation
from registry.practitioners.models import Practitioner
from tests.demo.helpers import count


def test_cli_seeds_and_reports(runner, regions):
    result = runner.invoke(args=["demo", "seed", "--orgs", "30"])
    assert result.exit_code == 0, result.output
    assert "Seeded 30 organisations in 烟台市、临沂市、枣庄市、绵阳市" in result.output
    assert "admin@demo.example.cn" in result.output and "xinli-demo-2026" in result.output
    assert count(Organisation) == 30
    assert count(Practitioner) >= 60


def test_cli_output_never_contains_an_id_number(app, runner, regions):
    result = runner.invoke(args=["demo", "seed", "--orgs", "30", "--seed", "3"])
    assert result.exit_code == 0, result.output
    fernet = Fernet(app.config["PII_KEY"])
    tokens = db.session.scalars(sa.select(Practitioner.id_number_encrypted)).all()
    numbers = [fernet.decrypt(token.encode()).decode() for token in tokens]
    assert numbers
    for number in numbers:
        assert number not in result.output and number[:14] not in result.output
    assert re.search(r"\d{17}[\dX]", result.output) is None


def test_if_empty_skips_a_second_run(runner, regions):
    first = runner.invoke(args=["demo", "seed", "--orgs", "20", "--if-empty"])
    assert first.exit_code == 0 and "Seeded 20 organisations" in first.output
    second = runner.invoke(args=["demo", "seed", "--orgs", "20", "--if-empty"])
    assert second.exit_code == 0
    assert "Skipped demo data: the register already has 20 organisations." in second.output
    assert count(Organisation) == 20


def test_without_if_empty_a_second_run_fails_clearly(runner, regions):
    runner.invoke(args=["demo", "seed", "--orgs", "10"])
    again = runner.invoke(args=["demo", "seed", "--orgs", "10"])
    assert again.exit_code == 1
    assert "already has 10 organisations" in again.output
    assert count(Organisation) == 10


def test_fails_clearly_without_regions(runner, no_regions):
    result = runner.invoke(args=["demo", "seed", "--orgs", "10"])
    assert result.exit_code == 1
    assert "flask regions load" in result.output
    assert count(Organisation) == 0


def test_cities_option(runner, regions):
    result = runner.invoke(args=["demo", "seed", "--orgs", "12", "--cities", "510700"])
    assert result.exit_code == 0, result.output
    codes = db.session.scalars(sa.select(Organisation.region_code)).all()
    assert len(codes) == 12 and all(code.startswith("5107") for code in codes)


def test_bad_cities_are_refused(runner, regions):
    malformed = runner.invoke(args=["demo", "seed", "--cities", "37,abc"])
    assert malformed.exit_code == 2 and "6-digit city codes" in malformed.output
    county = runner.invoke(args=["demo", "seed", "--cities", "370602"])
    assert county.exit_code == 1 and "not a city-level region" in county.output
    assert count(Organisation) == 0


def test_refuses_production_without_the_flag(app, runner, regions):
    app.config["ENV_NAME"] = "production"
    result = runner.invoke(args=["demo", "seed", "--orgs", "5"])
    assert result.exit_code == 1 and "--allow-production" in result.output
    assert count(Organisation) == 0
