"""The demo seeder's complaints: every state, consistent dates and links, encrypted contacts,
and a register the complaint pages can work with."""
from __future__ import annotations

import sqlalchemy as sa

from registry.auth.models import Role, User
from registry.complaints import services
from registry.complaints.models import Complaint, ComplaintStatus
from registry.demo.clock import REFERENCE_DATE
from registry.extensions import db
from registry.orgs.models import Organisation
from tests.demo.helpers import count, seed


def _complaints() -> list[Complaint]:
    return list(db.session.scalars(sa.select(Complaint).order_by(Complaint.id)))


def test_complaints_in_every_state_are_counted(regions):
    result = seed(orgs=40)
    complaints = _complaints()

    assert result.counts["complaints"] == count(Complaint) == len(complaints) >= 6
    assert {c.status for c in complaints} == set(ComplaintStatus)
    returned = [c for c in complaints if c.status is ComplaintStatus.IN_PROGRESS and c.findings]
    assert returned, "a complaint back from the association with its findings"


def test_complaint_rows_are_consistent(regions):
    seed(orgs=40)
    for complaint in _complaints():
        assert services.track(complaint.reference).reference == complaint.reference
        assert complaint.created_at.date() < REFERENCE_DATE
        if complaint.status in (ComplaintStatus.RESOLVED, ComplaintStatus.DISMISSED):
            assert complaint.resolution and complaint.closed_at > complaint.created_at
        else:
            assert complaint.resolution is None and complaint.closed_at is None
        if complaint.status is ComplaintStatus.REFERRED:
            assert complaint.association_id and complaint.referred_at and not complaint.findings
        if complaint.findings:
            assert complaint.findings_at > complaint.referred_at > complaint.created_at
        if complaint.organisation_id:
            organisation = db.session.get(Organisation, complaint.organisation_id)
            assert organisation.is_public and organisation.region_code == complaint.region_code
        else:
            assert services.complaint_subject(practitioner_id=complaint.practitioner_id)


def test_some_complainants_left_a_contact_encrypted(regions):
    seed(orgs=40)
    contacts = [services.decrypt_private(c.complainant_contact) for c in _complaints()
                if c.complainant_contact]

    assert contacts and all(c.replace(" ", "").isdigit() for c in contacts)
    assert not any(c.complainant_contact.replace(" ", "").isdigit() for c in _complaints()
                   if c.complainant_contact)


def test_demo_regulators_see_their_citys_complaints(regions):
    seed(orgs=40)
    for regulator in db.session.scalars(sa.select(User).where(User.role == Role.REGULATOR)):
        rows = services.complaint_queue(regulator, "all")
        assert all(row.complaint.region_code.startswith(regulator.region_code[:4])
                   for row in rows)
    admin = db.session.scalar(sa.select(User).where(User.role == Role.ADMIN))
    assert len(services.complaint_queue(admin, "all")) == count(Complaint)
