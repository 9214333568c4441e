"""The organisation page reads the database a fixed number of times, however much the
organisation holds: staff, certificates verified by different kinds of accounts, evaluations
over several cycles, a designation and sanctions. (A query count, not a timing: the figures
in milliseconds are ``bench/org_page.py``'s.)"""
from __future__ import annotations

import sqlalchemy as sa

from registry.auth.models import Role, User
from registry.evaluation.models import Association, Rubric
from registry.extensions import db
from registry.orgs.models import Organisation
from registry.sanctions.models import SanctionType
from tests import factories

# The organisation with its region chain, designations, published evaluations, the latest's
# scores, sanctions in disclosure, restrictions (the status on the day), staff, their
# certificates, and the accounts that verified those; and the register's version, which
# decides whether a page kept rendered by the worker is still current (registry/http_cache.py).
ORGANISATION_PAGE_QUERIES = 10


def _statements(client, url: str, status: int = 200, **headers) -> list[str]:
    """The SQL statements a fresh anonymous request for ``url`` executes."""
    db.session.remove()  # nothing remembered from building the records
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url, headers=headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == status
    return seen


def _add_staff(organisation, verifiers, count: int) -> None:
    for number in range(count):
        person = factories.make_practitioner(organisation, name=f"从业人员{number}")
        for verifier in verifiers:
            factories.make_qualification(person, verified_by_id=verifier.id)


def test_the_organisation_page_takes_a_fixed_number_of_queries(client, regions):
    organisation = factories.make_organisation(region_code="370602")
    association = factories.make_association()
    verifiers = [
        factories.make_user(Role.REGULATOR, display_name="烟台市卫生健康委员会"),
        factories.make_user(Role.ASSESSOR, association_id=association.id),  # named by association
        factories.make_user(Role.REGULATOR, region_code="370602"),  # named by its region
    ]
    rubric = factories.make_rubric()
    factories.make_evaluation(organisation, association, rubric, cycle=2024)
    factories.make_evaluation(organisation, association, rubric, cycle=2025)
    factories.make_designation(organisation, year=2026)
    factories.make_sanction(organisation)
    factories.make_sanction(organisation, sanction_type=SanctionType.RECTIFICATION)
    _add_staff(organisation, verifiers, 2)
    db.session.commit()
    verifier_ids = [verifier.id for verifier in verifiers]
    association_id, rubric_id = association.id, rubric.id
    organisation_id = organisation.id
    url = f"/organisations/{organisation_id}"

    small = _statements(client, url)
    client.application.extensions["page_cache"].clear()
    page = client.get(url).get_data(as_text=True)
    assert "烟台市卫生健康委员会" in page and "从业人员1" in page  # the staff and markings shown
    assert len(small) == ORGANISATION_PAGE_QUERIES, "\n".join(small)

    organisation = db.session.get(Organisation, organisation_id)
    verifiers = [db.session.get(User, verifier_id) for verifier_id in verifier_ids]
    association = db.session.get(Association, association_id)
    rubric = db.session.get(Rubric, rubric_id)
    _add_staff(organisation, verifiers, 6)
    factories.make_evaluation(organisation, association, rubric, cycle=2026)
    db.session.commit()
    assert len(_statements(client, url)) == ORGANISATION_PAGE_QUERIES  # more records, as many


def test_a_repeat_view_reads_only_the_register_version(client, regions):
    organisation = factories.make_organisation(region_code="370602")
    db.session.commit()
    organisation_id = organisation.id
    url = f"/organisations/{organisation_id}"
    first = client.get(url)
    assert len(_statements(client, url)) == 1  # kept by the worker, still current
    etag = first.headers["ETag"]
    assert len(_statements(client, url, 304, **{"If-None-Match": etag})) == 1

    organisation = db.session.get(Organisation, organisation_id)
    factories.make_practitioner(organisation, name="新来的咨询师")
    db.session.commit()  # any change to a public record moves the version
    assert len(_statements(client, url)) > 1  # rendered again from the records
    page = client.get(url)
    assert "新来的咨询师" in page.get_data(as_text=True) and page.headers["ETag"] != etag
