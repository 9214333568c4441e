"""Complaint use cases: filing, each transition, wrong states, jurisdiction refusals, and the
link check the sanctions services rely on."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.auth.policy import PermissionDenied
from registry.complaints import services
from registry.complaints.models import Complaint, ComplaintStatus
from registry.extensions import db
from registry.orgs.models import OrganisationStatus
from registry.validation import NotFound, StateConflict, ValidationFailed
from tests import factories
from tests.complaints.conftest import CONTACT, NAME, file, form_values


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Complaint))


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_filing_stores_a_received_complaint_with_an_unguessable_reference(world):
    complaint = file(world)

    assert complaint.status is ComplaintStatus.RECEIVED
    assert complaint.region_code == "370602"
    assert re.fullmatch(r"TS\d{8}[2-9A-HJKMNP-Z]{8}", complaint.reference)
    assert complaint.reference != file(world).reference
    assert _actions() == ["complaint.file", "complaint.file"]


def test_name_and_contact_are_encrypted_at_rest(world):
    complaint = file(world)

    assert NAME not in complaint.complainant_name and CONTACT not in complaint.complainant_contact
    assert services.decrypt_private(complaint.complainant_name) == NAME
    assert services.decrypt_private(complaint.complainant_contact) == CONTACT


def test_name_and_contact_are_optional(world):
    complaint = file(world, name="", contact="  ")

    assert complaint.complainant_name is None and complaint.complainant_contact is None


@pytest.mark.parametrize("field, value", [
    ("category", ""), ("category", "nonsense"), ("summary", ""), ("summary", "字" * 201),
    ("details", ""), ("details", "字" * 5001), ("contact", "abc"), ("contact", "a@b"),
    ("contact", "123"), ("name", "名" * 51),
])
def test_bad_input_names_the_field_and_stores_nothing(world, field, value):
    with pytest.raises(ValidationFailed) as failed:
        file(world, **{field: value})

    assert field in failed.value.errors
    db.session.rollback()
    assert _count() == 0


@pytest.mark.parametrize("contact", ["0535-6612345", "+86 139 0535 1234", "name@example.cn"])
def test_phone_numbers_and_email_addresses_are_accepted(world, contact):
    assert services.decrypt_private(file(world, contact=contact).complainant_contact) == contact


def test_only_publicly_visible_subjects_can_be_complained_about(world):
    draft = factories.make_organisation(status=OrganisationStatus.DRAFT)
    hidden_person = factories.make_practitioner(draft)
    db.session.commit()

    with pytest.raises(NotFound):
        services.file_complaint(form_values(), organisation_id=draft.id)
    with pytest.raises(NotFound):
        services.file_complaint(form_values(), practitioner_id=hidden_person.id)
    with pytest.raises(NotFound):
        services.file_complaint(form_values(), organisation_id=999999)
    assert _count() == 0


def test_a_complaint_about_a_practitioner_goes_to_their_organisations_region(world):
    complaint = services.file_complaint(form_values(), practitioner_id=world["practitioner"].id)

    assert complaint.practitioner_id == world["practitioner"].id
    assert complaint.organisation_id is None and complaint.region_code == "370602"


def test_start_review_refer_findings_close(world, complaint):
    regulator, assessor = world["regulator"], world["assessor"]

    services.start_review(regulator, complaint.id)
    assert complaint.status is ComplaintStatus.IN_PROGRESS
    assert complaint.handled_by_id == regulator.id

    services.refer(regulator, complaint.id, str(world["association"].id))
    assert complaint.status is ComplaintStatus.REFERRED
    assert complaint.association_id == world["association"].id and complaint.referred_at

    services.record_findings(assessor, complaint.id, "经核查，机构确未公示收费标准。")
    assert complaint.status is ComplaintStatus.IN_PROGRESS
    assert complaint.findings == "经核查，机构确未公示收费标准。" and complaint.findings_at

    services.close(regulator, complaint.id, "resolved", "已责令机构退还测评费并公示收费标准。")
    assert complaint.status is ComplaintStatus.RESOLVED and complaint.closed_at
    assert _actions() == ["complaint.file", "complaint.start_review", "complaint.refer",
                          "complaint.findings", "complaint.close"]


def test_a_received_complaint_can_be_dismissed_directly(world, complaint):
    services.close(world["regulator"], complaint.id, "dismissed", "经核实，投诉内容与事实不符。")

    assert complaint.status is ComplaintStatus.DISMISSED
    tracking = services.track(complaint.reference)
    assert tracking.outcome == "经核实，投诉内容与事实不符。"


@pytest.mark.parametrize("status, call", [
    (ComplaintStatus.IN_PROGRESS, lambda w, c: services.start_review(w["regulator"], c.id)),
    (ComplaintStatus.REFERRED, lambda w, c: services.start_review(w["regulator"], c.id)),
    (ComplaintStatus.REFERRED,
     lambda w, c: services.refer(w["regulator"], c.id, w["association"].id)),
    (ComplaintStatus.RESOLVED,
     lambda w, c: services.refer(w["regulator"], c.id, w["association"].id)),
    (ComplaintStatus.RESOLVED, lambda w, c: services.close(w["regulator"], c.id, "resolved", "再办")),
    (ComplaintStatus.DISMISSED, lambda w, c: services.start_review(w["regulator"], c.id)),
    (ComplaintStatus.IN_PROGRESS,
     lambda w, c: services.record_findings(w["assessor"], c.id, "结果")),
])
def test_wrong_state_is_refused_and_changes_nothing(world, complaint, status, call):
    complaint.status = status
    complaint.association_id = world["association"].id
    db.session.commit()
    events = len(_actions())

    with pytest.raises(StateConflict):
        call(world, complaint)

    db.session.rollback()
    assert db.session.get(Complaint, complaint.id).status is status
    assert len(_actions()) == events


def test_closing_needs_an_outcome_and_a_text(world, complaint):
    with pytest.raises(ValidationFailed) as failed:
        services.close(world["regulator"], complaint.id, "resolved", "  ")
    assert "resolution" in failed.value.errors
    with pytest.raises(ValidationFailed) as failed:
        services.close(world["regulator"], complaint.id, "referred", "已处理")
    assert "outcome" in failed.value.errors
    db.session.rollback()
    assert db.session.get(Complaint, complaint.id).status is ComplaintStatus.RECEIVED


def test_referral_needs_an_association_covering_the_region(world, complaint):
    with pytest.raises(ValidationFailed) as failed:
        services.refer(world["regulator"], complaint.id, world["far_association"].id)
    assert "association_id" in failed.value.errors
    with pytest.raises(ValidationFailed):
        services.refer(world["regulator"], complaint.id, "")
    db.session.rollback()
    assert db.session.get(Complaint, complaint.id).status is ComplaintStatus.RECEIVED
    assert [a.id for a in services.referral_associations(complaint)] == sorted(
        [world["association"].id, world["other_association"].id],
        key=lambda i: db.session.get(type(world["association"]), i).name)


@pytest.mark.parametrize("who", ["regulator_outside", "assessor", "org"])
def test_only_the_jurisdictions_regulators_handle(world, complaint, who):
    actor = world[who]
    for call in (lambda: services.start_review(actor, complaint.id),
                 lambda: services.refer(actor, complaint.id, world["association"].id),
                 lambda: services.close(actor, complaint.id, "resolved", "已处理")):
        with pytest.raises(PermissionDenied):
            call()
        db.session.rollback()
    assert db.session.get(Complaint, complaint.id).status is ComplaintStatus.RECEIVED


@pytest.mark.parametrize("who", ["assessor_other", "assessor_outside", "regulator", "org"])
def test_only_the_referred_associations_assessors_record_findings(world, complaint, who):
    services.refer(world["regulator"], complaint.id, world["association"].id)

    with pytest.raises(PermissionDenied):
        services.record_findings(world[who], complaint.id, "结果")
    db.session.rollback()
    assert db.session.get(Complaint, complaint.id).status is ComplaintStatus.REFERRED


def test_the_queue_holds_the_jurisdiction_oldest_open_first(world):
    first, second, third = file(world), file(world), file(world)
    services.close(world["regulator"], second.id, "dismissed", "不成立")
    outside_org = factories.make_organisation(region_code="510703")
    db.session.commit()
    services.file_complaint(form_values(), organisation_id=outside_org.id)

    assert [row.complaint.id for row in services.complaint_queue(world["regulator"])] == [
        first.id, third.id]
    assert [row.complaint.id for row in services.complaint_queue(world["regulator"], "all")] == [
        first.id, third.id, second.id]
    assert [row.complaint.id for row in services.complaint_queue(
        world["regulator"], "dismissed")] == [second.id]
    assert len(services.complaint_queue(world["admin"], "all")) == 4
    assert len(services.complaint_queue(world["regulator_outside"])) == 1
    with pytest.raises(PermissionDenied):
        services.complaint_queue(world["assessor"])


def test_assessors_see_only_their_associations_referrals(world):
    mine, other, unreferred = file(world), file(world), file(world)
    services.refer(world["regulator"], mine.id, world["association"].id)
    services.refer(world["regulator"], other.id, world["other_association"].id)

    assert [row.complaint.id for row in services.referred_complaints(world["assessor"])] == [
        mine.id]
    assert unreferred.id not in [row.complaint.id
                                 for row in services.referred_complaints(world["admin"])]
    with pytest.raises(PermissionDenied):
        services.referred_complaints(world["regulator"])


def test_detail_shows_the_complainant_to_regulators_only(world, complaint):
    services.refer(world["regulator"], complaint.id, world["association"].id)

    for who in ("regulator", "admin"):
        detail = services.complaint_detail(world[who], complaint.id)
        assert (detail.complainant_name, detail.complainant_contact) == (NAME, CONTACT)
    detail = services.complaint_detail(world["assessor"], complaint.id)
    assert not detail.shows_complainant
    assert detail.complainant_name is None and detail.complainant_contact is None
    assert detail.may_record_findings and not detail.may_handle


def test_complaint_for_link_checks_who_may_see_it(world, complaint):
    assert services.complaint_for_link(world["regulator"], complaint.id) is complaint
    for who in ("assessor", "regulator_outside", "org"):
        with pytest.raises(PermissionDenied):
            services.complaint_for_link(world[who], complaint.id)
    services.refer(world["regulator"], complaint.id, world["association"].id)
    assert services.complaint_for_link(world["assessor"], complaint.id) is complaint
    with pytest.raises(PermissionDenied):
        services.complaint_for_link(world["assessor_other"], complaint.id)
    with pytest.raises(NotFound):
        services.complaint_for_link(world["regulator"], 999999)


def test_tracking_answers_by_reference_in_any_spelling(world, complaint):
    typed = " " + complaint.reference.lower()[:6] + "-" + complaint.reference.lower()[6:] + " "

    tracking = services.track(typed)

    assert tracking.reference == complaint.reference
    assert tracking.status is ComplaintStatus.RECEIVED and tracking.outcome is None
    assert tracking.subject_name == world["organisation"].name
    assert services.track("TS20260101AAAAAAAA") is None
    assert services.track("x" * 300) is None
