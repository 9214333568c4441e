"""``flask regions load``."""
from __future__ import annotations

import sqlalchemy as sa

from registry.extensions import db
from registry.regions.models import Region


def test_load_command_is_idempotent(runner, no_regions):
    first = runner.invoke(args=["regions", "load"])
    assert first.exit_code == 0, first.output
    assert "3427 inserted" in first.output
    second = runner.invoke(args=["regions", "load"])
    assert second.exit_code == 0
    assert "0 inserted, 0 updated, 3427 unchanged" in second.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Region)) == 3427
