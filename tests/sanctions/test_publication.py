"""The publication policy at its boundaries: the allowed disclosure range of each type, who
sees a sanction on which day, and when early removal becomes possible."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from registry.sanctions import publication
from registry.sanctions.models import Sanction, SanctionType
from registry.sanctions.publication import add_months, rule_for


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 3, 10), 12, date(2027, 3, 10)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
])
def test_add_months_keeps_the_day_or_takes_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_rules_cover_every_type_and_exits_stay_public(app):
    assert set(publication.DEFAULT_RULES) == set(SanctionType)
    assert rule_for(SanctionType.EXIT).permanent
    assert not rule_for(SanctionType.EXIT).early_removal
    assert rule_for(SanctionType.WARNING) == publication.DisclosureRule(3, 12, True, False)


def test_an_installation_overrides_a_rule(app):
    app.config["SANCTION_DISCLOSURE_RULES"] = {"warning": {"min_months": 6}}

    assert rule_for(SanctionType.WARNING).min_months == 6
    assert rule_for(SanctionType.WARNING).max_months == 12


def _sanction(**values) -> Sanction:
    defaults = dict(sanction_type=SanctionType.WARNING, starts_on=date(2026, 3, 10),
                    disclosure_until=date(2026, 9, 10))
    defaults.update(values)
    return Sanction(**defaults)


@pytest.mark.parametrize("day, shown", [
    (date(2026, 3, 9), False),  # before the start
    (date(2026, 3, 10), True),  # first day
    (date(2026, 9, 10), True),  # last day
    (date(2026, 9, 11), False),  # the day after
])
def test_disclosure_runs_from_the_start_to_its_last_day(day, shown):
    assert _sanction().is_disclosed(day) is shown


def test_permanent_disclosure_and_withdrawal():
    permanent = _sanction(sanction_type=SanctionType.EXIT, disclosure_until=None)
    withdrawn = _sanction(disclosure_withdrawn_at=datetime(2026, 4, 1, tzinfo=timezone.utc))

    assert permanent.is_disclosed(date(2099, 1, 1))
    assert not withdrawn.is_disclosed(date(2026, 4, 2))


def test_earliest_removal_is_the_start_plus_the_minimum(app):
    assert publication.earliest_removal(_sanction()) == date(2026, 6, 10)
    assert publication.earliest_removal(
        _sanction(sanction_type=SanctionType.SUSPENSION)) == date(2027, 3, 10)
