"""What the sanction services do reaches the search index: a suspension takes the
organisation out of ordinary searches (found by exact name with its status), a lifted one
brings it back, and a serious sanction removes the demonstration badge."""
from __future__ import annotations

from datetime import date, timedelta

from registry.extensions import db
from registry.sanctions import appeals, services
from tests import factories
from tests.sanctions.conftest import TODAY, suspension_values
from tests.search.conftest import find_organisations


def test_suspension_and_lifting_reach_the_index(setting):
    factories.make_designation(setting.organisation, year=2026)
    db.session.commit()
    assert find_organisations(q="心海", demonstration="1").total == 1

    # The index holds each organisation's status on the real today: the suspension runs on.
    running = (date.today() + timedelta(days=60)).isoformat()
    sanction = services.record_sanction(setting.regulator, "organisation", setting.organisation.id,
                                        suspension_values(ends_on=running,
                                                          disclosure_until="2029-03-01"),
                                        today=TODAY)

    assert find_organisations(q="心海").total == 0
    exact = find_organisations(q=setting.organisation.name).items[0]
    assert exact.data["status"] == "suspended"
    assert find_organisations(q="心海", demonstration="1", status="suspended").total == 0

    appeal = appeals.file_request(setting.owner, sanction.id, "appeal", {"statement": "不服"},
                                  today=TODAY)
    appeals.decide(setting.regulator, appeal.id, True, "事实不清。", today=TODAY)

    assert [hit.data["status"] for hit in find_organisations(q="心海").items] == ["active"]
