"""The complainant's name and contact never leave the regulator's page: not on a public page,
the tracking page, the assessor's pages, an audit event, a log line or an error message."""
from __future__ import annotations

import json
import logging

import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.complaints import services
from registry.complaints.models import Complaint
from registry.extensions import db
from tests.complaints.conftest import CONTACT, NAME, form_values

PRIVATE = (NAME, CONTACT)


def _leaks(text: str) -> list[str]:
    return [value for value in PRIVATE if value in text]


def _work_through(client, auth, world) -> Complaint:
    """File through the form, then start, refer, report findings and close."""
    client.post(f"/complaints/new?organisation={world['organisation'].id}", data=form_values())
    complaint = db.session.scalar(sa.select(Complaint))
    auth.login("regulator@example.cn")
    url = f"/complaints/{complaint.id}"
    client.post(url + "/start")
    client.post(url + "/refer", data={"association_id": world["association"].id})
    auth.logout()
    auth.login("assessor@example.cn")
    client.post(url + "/findings", data={"findings": "属实。"})
    auth.logout()
    auth.login("regulator@example.cn")
    client.post(url + "/close", data={"outcome": "resolved", "resolution": "已处理。"})
    auth.logout()
    return complaint


def test_nothing_private_in_the_database_in_clear(client, auth, world):
    complaint = _work_through(client, auth, world)

    row = db.session.execute(sa.select(Complaint.__table__)).one()
    assert not _leaks(repr(tuple(row)))
    assert services.decrypt_private(complaint.complainant_contact) == CONTACT


def test_nothing_private_in_audit_events(client, auth, world):
    _work_through(client, auth, world)

    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events if e.entity_type == "complaint"] == [
        "complaint.file", "complaint.start_review", "complaint.refer", "complaint.findings",
        "complaint.close"]
    dumped = json.dumps([[e.before, e.after] for e in events], ensure_ascii=False)
    assert not _leaks(dumped)
    auth.login("admin@example.cn")
    assert not _leaks(client.get("/audit").get_data(as_text=True))


def test_nothing_private_in_public_or_tracking_pages(client, auth, world):
    complaint = _work_through(client, auth, world)

    pages = [f"/organisations/{world['organisation'].id}",
             f"/practitioners/{world['practitioner'].id}",
             f"/complaints/track?reference={complaint.reference}",
             f"/complaints/new?organisation={world['organisation'].id}"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not _leaks(response.get_data(as_text=True)), url


def test_nothing_private_on_the_assessors_pages(client, auth, world):
    complaint = _work_through(client, auth, world)
    auth.login("assessor@example.cn")

    for url in ("/complaints/referred", f"/complaints/{complaint.id}"):
        response = client.get(url)
        assert response.status_code == 200
        assert not _leaks(response.get_data(as_text=True)), url


def test_the_regulator_and_only_the_regulator_reads_them(client, auth, world):
    complaint = _work_through(client, auth, world)
    auth.login("regulator@example.cn")
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert NAME in page and CONTACT in page
    assert not _leaks(client.get("/complaints?status=all").get_data(as_text=True))


def test_nothing_private_in_log_lines(client, auth, world, caplog):
    with caplog.at_level(logging.DEBUG):
        _work_through(client, auth, world)
        client.post(f"/complaints/new?organisation={world['organisation'].id}",
                    data=form_values(summary=""))

    assert not _leaks(caplog.text)


def test_error_messages_never_repeat_a_contact(world):
    from registry.validation import ValidationFailed

    bad = "139O5351234x"
    try:
        services.file_complaint(form_values(contact=bad), organisation_id=world["organisation"].id)
    except ValidationFailed as failed:
        assert bad not in str(failed) and bad not in json.dumps(failed.errors, ensure_ascii=False)
    else:
        raise AssertionError("a malformed contact was accepted")
