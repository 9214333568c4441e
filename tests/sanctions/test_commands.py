"""``flask sanctions expire``: the daily schedule from the command line, at a given day."""
from __future__ import annotations

from registry.orgs.models import OrganisationStatus
from registry.sanctions import services
from tests.sanctions.conftest import TODAY, suspension_values


def test_expire_reactivates_after_the_term_and_reports(runner, setting):
    services.record_sanction(setting.regulator, "organisation", setting.organisation.id,
                             suspension_values(), today=TODAY)

    early = runner.invoke(args=["sanctions", "expire", "--today", "2026-06-30"])
    late = runner.invoke(args=["sanctions", "expire", "--today", "2026-07-01"])

    assert early.exit_code == 0 and "0 active again" in early.output
    assert late.exit_code == 0
    assert "1 sanction term(s) ended" in late.output and "1 active again" in late.output
    assert setting.organisation.status is OrganisationStatus.ACTIVE


def test_expire_refuses_a_malformed_day(runner, app):
    result = runner.invoke(args=["sanctions", "expire", "--today", "01/07/2026"])

    assert result.exit_code == 2
