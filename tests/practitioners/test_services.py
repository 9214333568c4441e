"""Practitioner registration, qualification verification, expiry and certificate lookup through
the service layer: each transition, the refused ones (wrong role, outside the jurisdiction,
wrong state) changing nothing, and ID numbers never reaching the audit log."""
from __future__ import annotations

import json
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.auth.models import Role
from registry.auth.policy import PermissionDenied
from registry.database import utcnow
from registry.extensions import db
from registry.orgs.models import OrganisationStatus
from registry.practitioners import services
from registry.practitioners.models import (
    Affiliation,
    AffiliationRole,
    Practitioner,
    Qualification,
    VerificationState,
)
from registry.validation import StateConflict, ValidationFailed
from tests import factories
from tests.matrix import fingerprint

TODAY = date(2026, 3, 15)


@pytest.fixture
def world(regions):
    """Two organisations (烟台 inside, 绵阳 outside) and an account of every kind."""
    inside = factories.make_organisation(region_code="370602")
    outside = factories.make_organisation(region_code="510703")
    association = factories.make_association(region_code="370600")
    make = factories.make_user
    accounts = SimpleNamespace(
        owner=make(Role.ORG, organisation_id=inside.id),
        other_org=make(Role.ORG, organisation_id=outside.id),
        regulator=make(Role.REGULATOR, region_code="370600"),
        regulator_out=make(Role.REGULATOR, region_code="510700"),
        province=make(Role.REGULATOR, region_code="370000", display_name="山东省卫生健康委员会"),
        assessor=make(Role.ASSESSOR, association_id=association.id, region_code="370600"),
        assessor_out=make(Role.ASSESSOR, association_id=association.id, region_code="510700"),
        admin=make(Role.ADMIN, region_code=None),
    )
    db.session.commit()
    return SimpleNamespace(inside=inside, outside=outside, association=association,
                           **vars(accounts))


def person(number: str | None = None, **values) -> dict:
    defaults = {"name": "王芳", "gender": "女",
                "id_number": factories.valid_id_number() if number is None else number,
                "specialties": ["trauma", "anxiety_depression"], "ce_hours": "48",
                "bio": "擅长创伤与哀伤辅导。"}
    defaults.update(values)
    return defaults


def certificate(number: str = "1511000000123456", **values) -> dict:
    defaults = {"kind": "counsellor_l2", "certificate_number": number,
                "issuer": "人力资源和社会保障部", "issued_on": "2015-05-20", "expires_on": ""}
    defaults.update(values)
    return defaults


def audit_text() -> str:
    """Every audit event's content, as one searchable text."""
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))
    return "\n".join(json.dumps([e.action, e.before, e.after], ensure_ascii=False) for e in events)


def last_event(action: str) -> AuditEvent:
    return db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == action)
                             .order_by(AuditEvent.id.desc()).limit(1))


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def assert_no_id_data(number: str, practitioner: Practitioner | None = None) -> None:
    text = audit_text()
    assert number not in text and number.lower() not in text
    assert "id_number_digest" not in text and "id_number_encrypted" not in text
    if practitioner is not None:
        assert practitioner.id_number_digest not in text
        assert practitioner.id_number_encrypted not in text


# --- adding -------------------------------------------------------------------------------------

def test_organisation_adds_practitioner_with_waiting_certificates(world):
    number = factories.valid_id_number()
    registration = services.register_practitioner(
        world.owner, world.inside.id, person(number),
        [certificate(), certificate("20191234567", kind="social_worker", issuer="民政部")],
        role="part_time", start_date="2024-09-01", today=TODAY)
    added = registration.practitioner
    assert not registration.linked and added.name == "王芳" and added.ce_hours == 48
    assert registration.affiliation.is_current
    assert registration.affiliation.role is AffiliationRole.PART_TIME
    assert registration.affiliation.start_date == date(2024, 9, 1)
    assert [q.state for q in registration.qualifications] == [VerificationState.UNVERIFIED] * 2
    assert actions()[-4:] == ["practitioner.create", "affiliation.start",
                              "qualification.add", "qualification.add"]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("%.%"))).all()
    assert {event.region_code for event in events} == {"370602"}
    assert_no_id_data(number, added)


def test_add_practitioner_returns_the_practitioner_for_the_importer(world):
    added = services.add_practitioner(world.regulator, world.inside.id, person(), [certificate()])
    assert isinstance(added, Practitioner) and added.id is not None


def test_errors_name_each_field_and_each_certificate_row(world):
    before = fingerprint()
    with pytest.raises(ValidationFailed) as error:
        services.register_practitioner(
            world.owner, world.inside.id,
            person("370602199002301234", name="<script>alert(1)</script>", ce_hours="abc"),
            [certificate(), certificate("1511-0000"), certificate(kind="unknown")],
            role="boss", start_date="2099-01-01", today=TODAY)
    errors = error.value.errors
    assert {"name", "id_number", "ce_hours", "role", "start_date",
            "qualifications.1.certificate_number", "qualifications.2.kind"} <= set(errors)
    assert "qualifications.0.certificate_number" not in errors
    assert "370602199002301234" not in repr(errors)
    assert fingerprint() == before


def test_the_same_certificate_twice_in_one_submission_is_refused(world):
    with pytest.raises(ValidationFailed) as error:
        services.register_practitioner(world.owner, world.inside.id, person(),
                                       [certificate(), certificate(" 1511 0000 0012 3456 ")])
    assert "qualifications.1.certificate_number" in error.value.errors


def test_a_new_person_needs_a_certificate(world):
    with pytest.raises(ValidationFailed) as error:
        services.register_practitioner(world.owner, world.inside.id, person(), [])
    assert "qualifications" in error.value.errors


@pytest.mark.parametrize("actor", ["other_org", "regulator_out", "assessor", "assessor_out"])
def test_others_may_not_add_practitioners(world, actor):
    before = fingerprint()
    with pytest.raises(PermissionDenied):
        services.register_practitioner(getattr(world, actor), world.inside.id, person(),
                                       [certificate()])
    assert fingerprint() == before


@pytest.mark.parametrize("actor", ["owner", "regulator", "province", "admin"])
def test_owner_regulators_of_the_jurisdiction_and_admin_may_add(world, actor):
    registration = services.register_practitioner(getattr(world, actor), world.inside.id,
                                                  person(), [certificate()])
    assert registration.affiliation.organisation_id == world.inside.id


def test_the_system_may_add_for_the_command_line(world):
    """``actor=None`` is an operator at the command line (``flask import practitioners``)."""
    services.add_practitioner(None, world.inside.id, person(), [certificate()])
    event = last_event("practitioner.create")
    assert event.actor_id is None and event.actor_role == "system"


def test_commit_false_only_flushes(world):
    services.add_practitioner(world.regulator, world.inside.id, person(), [certificate()],
                              commit=False)
    assert db.session.scalar(sa.select(sa.func.count(Practitioner.id))) == 1
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Practitioner.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Qualification.id))) == 0


def test_exited_organisation_takes_no_new_practitioners(world):
    world.inside.status = OrganisationStatus.EXITED
    db.session.commit()
    with pytest.raises(StateConflict):
        services.register_practitioner(world.owner, world.inside.id, person(), [certificate()])
    assert db.session.scalar(sa.select(sa.func.count(Practitioner.id))) == 0


# --- the same person at another organisation ------------------------------------------------------

def test_same_id_number_links_the_registered_person(world):
    number = factories.valid_id_number()
    first = services.register_practitioner(world.owner, world.inside.id, person(number),
                                           [certificate()])
    # The new organisation types the number in full-width digits, the name with a space.
    full_width = "".join(chr(ord(digit) + 0xFEE0) for digit in number)
    second = services.register_practitioner(
        world.other_org, world.outside.id,
        person(full_width, name="王 芳",
               bio="另一家机构写的简介"),
        [certificate(), certificate("ZL20190001", kind="psychotherapist", issuer="国家卫健委")],
        role="supervisor")
    assert second.linked and second.practitioner.id == first.practitioner.id
    assert db.session.scalar(sa.select(sa.func.count(Practitioner.id))) == 1
    assert second.practitioner.bio == "擅长创伤与哀伤辅导。"  # the record is not overwritten
    assert [q.certificate_number for q in second.already_held] == ["1511000000123456"]
    assert [q.certificate_number for q in second.qualifications] == ["ZL20190001"]
    affiliations = db.session.scalars(sa.select(Affiliation).order_by(Affiliation.id)).all()
    assert [(a.organisation_id, a.is_current) for a in affiliations] == [
        (world.inside.id, True), (world.outside.id, True)]  # nothing else ended
    assert "practitioner.link" in actions() and actions().count("practitioner.create") == 1
    link = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "practitioner.link"))
    assert link.after["linked_existing_person"] is True and link.region_code == "510703"
    assert_no_id_data(number, first.practitioner)


def test_a_person_already_working_here_is_not_linked_twice(world):
    number = factories.valid_id_number()
    services.register_practitioner(world.owner, world.inside.id, person(number), [certificate()])
    before = fingerprint()
    with pytest.raises(ValidationFailed) as error:
        services.register_practitioner(world.owner, world.inside.id, person(number), [])
    assert "本机构" in error.value.errors["id_number"]
    assert number not in str(error.value)
    assert fingerprint() == before


def test_linking_under_another_name_is_refused_without_disclosing_the_name(world):
    number = factories.valid_id_number()
    services.register_practitioner(world.owner, world.inside.id, person(number), [certificate()])
    with pytest.raises(ValidationFailed) as error:
        services.register_practitioner(world.other_org, world.outside.id,
                                       person(number, name="李四"), [])
    assert "姓名" in error.value.errors["name"] and "王芳" not in str(error.value)


def test_a_practitioner_who_left_can_return(world):
    number = factories.valid_id_number()
    first = services.register_practitioner(world.owner, world.inside.id, person(number),
                                           [certificate()], start_date="2020-01-01")
    services.end_affiliation(world.owner, world.inside.id, first.practitioner.id, "2023-06-30",
                             today=TODAY)
    again = services.register_practitioner(world.owner, world.inside.id, person(number), [],
                                           start_date="2025-01-01", today=TODAY)
    assert again.linked
    history = services.managed_practitioner(world.owner, world.inside.id, first.practitioner.id)
    assert [(a.start_date, a.end_date) for a in history.history] == [
        (date(2025, 1, 1), None), (date(2020, 1, 1), date(2023, 6, 30))]


# --- changing ------------------------------------------------------------------------------------

def test_update_public_fields_and_correct_the_id_number(world):
    number, corrected = factories.valid_id_number(), factories.valid_id_number()
    added = services.add_practitioner(world.owner, world.inside.id, person(number), [certificate()])
    old_digest = added.id_number_digest
    services.update_practitioner(world.owner, world.inside.id, added.id,
                                 person(corrected, name="王芳芳", ce_hours="60", bio=""))
    assert added.name == "王芳芳" and added.ce_hours == 60 and added.bio is None
    assert added.id_number_digest != old_digest
    event = last_event("practitioner.update")
    assert event.after["id_number_corrected"] is True and event.after["name"] == "王芳芳"
    assert_no_id_data(number, added)
    assert_no_id_data(corrected, added)


def test_leaving_the_id_number_empty_keeps_it(world):
    added = services.add_practitioner(world.owner, world.inside.id, person(), [certificate()])
    digest = added.id_number_digest
    services.update_practitioner(world.owner, world.inside.id, added.id, person("", ce_hours="1"))
    assert added.id_number_digest == digest and added.ce_hours == 1


def test_the_id_number_of_another_person_is_refused_without_echo(world):
    taken = factories.valid_id_number()
    services.add_practitioner(world.owner, world.inside.id, person(taken, name="李雷"),
                              [certificate("1511000000000111")])
    added = services.add_practitioner(world.owner, world.inside.id, person(), [certificate()])
    before = fingerprint()
    with pytest.raises(ValidationFailed) as error:
        services.update_practitioner(world.owner, world.inside.id, added.id, person(taken))
    assert "已经登记" in error.value.errors["id_number"] and taken not in str(error.value)
    assert fingerprint() == before


def test_an_organisation_cannot_change_the_identity_of_someone_working_elsewhere(world):
    number = factories.valid_id_number()
    added = services.add_practitioner(world.owner, world.inside.id, person(number), [certificate()])
    services.add_practitioner(world.other_org, world.outside.id, person(number), [])
    with pytest.raises(ValidationFailed) as error:
        services.update_practitioner(world.owner, world.inside.id, added.id,
                                     person(factories.valid_id_number()))
    assert "主管部门" in error.value.errors["id_number"]
    services.update_practitioner(world.regulator, world.inside.id, added.id,
                                 person(factories.valid_id_number()))  # the regulator may


def test_others_may_not_edit_and_a_past_practitioner_is_not_editable(world):
    added = services.add_practitioner(world.owner, world.inside.id, person(), [certificate()])
    with pytest.raises(PermissionDenied):
        services.update_practitioner(world.other_org, world.inside.id, added.id, person(""))
    with pytest.raises(LookupError):  # not a practitioner of the other organisation
        services.update_practitioner(world.other_org, world.outside.id, added.id, person(""))
    services.end_affiliation(world.owner, world.inside.id, added.id)
    with pytest.raises(LookupError):
        services.update_practitioner(world.owner, world.inside.id, added.id, person(""))


def test_certificates_can_be_added_corrected_and_removed_until_verified(world):
    added = services.add_practitioner(world.owner, world.inside.id, person(), [certificate()])
    extra = services.add_qualification(world.owner, world.inside.id, added.id,
                                       certificate("20191234567", kind="social_worker"))
    assert extra.state is VerificationState.UNVERIFIED
    services.update_qualification(world.owner, world.inside.id, extra.id,
                                  certificate("20191234568", kind="social_worker"))
    assert extra.certificate_number == "20191234568"
    services.remove_qualification(world.owner, world.inside.id, extra.id)
    assert db.session.get(Qualification, extra.id) is None
    removed = db.session.scalar(sa.select(AuditEvent)
                                .where(AuditEvent.action == "qualification.remove"))
    assert removed.before["certificate_number"] == "20191234568"  # history kept in the log


@pytest.mark.parametrize("state", [VerificationState.VERIFIED, VerificationState.EXPIRED,
                                   VerificationState.REVOKED])
def test_a_vouched_for_certificate_cannot_be_edited_or_removed(world, state):
    holder = factories.make_practitioner(world.inside)
    qualification = factories.make_qualification(holder, state=state,
                                                  state_reason="处罚" if state.value == "revoked"
                                                  else None)
    db.session.commit()
    before = fingerprint()
    with pytest.raises(StateConflict):
        services.update_qualification(world.owner, world.inside.id, qualification.id,
                                      certificate("1511000000999999"))
    with pytest.raises(StateConflict):
        services.remove_qualification(world.owner, world.inside.id, qualification.id)
    db.session.rollback()
    assert fingerprint() == before


def test_correcting_a_rejected_certificate_resubmits_it(world):
    added = services.add_practitioner(world.owner, world.inside.id, person(), [certificate()])
    qualification = added.qualifications[0]
    services.reject_qualification(world.regulator, qualification.id, "编号与记录不符")
    services.update_qualification(world.owner, world.inside.id, qualification.id,
                                  certificate("1511000000654321"))
    assert qualification.state is VerificationState.UNVERIFIED
    assert qualification.state_reason is None and qualification.verified_by_id is None


def test_ending_an_affiliation_keeps_it_as_history(world):
    added = services.add_practitioner(world.owner, world.inside.id, person(), [certificate()],
                                      start_date="2021-04-01")
    for bad, message in (("2021-03-31", "早于"), ("2026-03-16", "晚于"), ("昨天", "YYYY")):
        with pytest.raises(ValidationFailed) as error:
            services.end_affiliation(world.owner, world.inside.id, added.id, bad, today=TODAY)
        assert message in error.value.errors["end_date"]
    affiliation = services.end_affiliation(world.owner, world.inside.id, added.id, "2026-03-15",
                                           today=TODAY)
    assert affiliation.end_date == TODAY and not affiliation.is_current
    roster = services.organisation_roster(world.owner, world.inside.id)
    assert roster.current == [] and [e.practitioner.id for e in roster.past] == [added.id]
    with pytest.raises(LookupError):  # already ended
        services.end_affiliation(world.owner, world.inside.id, added.id, today=TODAY)


# --- verification --------------------------------------------------------------------------------

@pytest.fixture
def waiting(world):
    """An unverified certificate of a practitioner of the inside organisation."""
    added = services.add_practitioner(world.owner, world.inside.id, person(),
                                      [certificate(expires_on="2030-12-31")])
    return added.qualifications[0]


def test_regulator_verifies_and_the_public_marking_names_the_verifier(world, waiting):
    services.verify_qualification(world.regulator, waiting.id)
    assert waiting.state is VerificationState.VERIFIED
    assert waiting.verified_by_id == world.regulator.id and waiting.verified_at is not None
    marking = services.verification_marking(waiting)
    assert marking.verifier == "烟台市主管部门" and "核验" in str(marking)
    event = last_event("qualification.verify")
    assert event.before["state"] == "unverified" and event.after["state"] == "verified"
    assert event.region_code == "370602"


def test_the_marking_prefers_the_verifying_account_display_name(world, waiting):
    services.verify_qualification(world.province, waiting.id)
    assert services.verification_marking(waiting).verifier == "山东省卫生健康委员会"


def test_a_certificate_already_past_its_date_is_verified_as_expired(world):
    added = services.add_practitioner(world.owner, world.inside.id, person(),
                                      [certificate(issued_on="2010-01-01",
                                                   expires_on="2015-01-01")])
    services.verify_qualification(world.regulator, added.qualifications[0].id)
    assert added.qualifications[0].state is VerificationState.EXPIRED


def test_reject_needs_a_reason_and_only_a_waiting_certificate(world, waiting):
    with pytest.raises(ValidationFailed) as error:
        services.reject_qualification(world.regulator, waiting.id, "   ")
    assert "reason" in error.value.errors and waiting.state is VerificationState.UNVERIFIED
    services.reject_qualification(world.regulator, waiting.id, "发证机构查无此证")
    assert waiting.state is VerificationState.REJECTED and waiting.state_reason == "发证机构查无此证"
    with pytest.raises(StateConflict):
        services.verify_qualification(world.regulator, waiting.id)
    with pytest.raises(StateConflict):
        services.revoke_qualification(world.regulator, waiting.id, "处罚")


def test_revoke_a_verified_certificate(world, waiting):
    with pytest.raises(StateConflict):  # not verified yet
        services.revoke_qualification(world.regulator, waiting.id, "处罚")
    services.verify_qualification(world.regulator, waiting.id)
    revoked = services.revoke_qualification(world.regulator, waiting.id, "烟卫罚〔2026〕3号",
                                            commit=False)
    db.session.commit()
    assert revoked.state is VerificationState.REVOKED and revoked.state_reason == "烟卫罚〔2026〕3号"
    assert actions()[-1] == "qualification.revoke"


@pytest.mark.parametrize("actor", ["owner", "other_org", "regulator_out", "assessor"])
def test_others_may_not_verify_reject_or_revoke(world, waiting, actor):
    before = fingerprint()
    for call in (lambda a: services.verify_qualification(a, waiting.id),
                 lambda a: services.reject_qualification(a, waiting.id, "理由")):
        with pytest.raises(PermissionDenied):
            call(getattr(world, actor))
    assert fingerprint() == before
    services.verify_qualification(world.regulator, waiting.id)
    before = fingerprint()
    with pytest.raises(PermissionDenied):
        services.revoke_qualification(getattr(world, actor), waiting.id, "理由")
    assert fingerprint() == before


def test_verification_follows_the_current_affiliation(world, waiting):
    # The holder now works only outside: the inside regulator no longer verifies the certificate.
    services.end_affiliation(world.owner, world.inside.id, waiting.practitioner_id)
    with pytest.raises(PermissionDenied):
        services.verify_qualification(world.regulator, waiting.id)


def test_delegated_assessors_verify_when_configured_but_never_revoke(app, world, waiting):
    with pytest.raises(PermissionDenied):
        services.verify_qualification(world.assessor, waiting.id)
    app.config["QUALIFICATION_VERIFIERS"] = ("regulator", "assessor")
    with pytest.raises(PermissionDenied):  # still only inside the jurisdiction
        services.verify_qualification(world.assessor_out, waiting.id)
    services.verify_qualification(world.assessor, waiting.id)
    assert waiting.state is VerificationState.VERIFIED
    assert services.verification_marking(waiting).verifier == world.association.name
    with pytest.raises(PermissionDenied):
        services.revoke_qualification(world.assessor, waiting.id, "处罚")


def test_the_queue_lists_waiting_certificates_inside_oldest_first(world):
    def waiting_for(organisation, number, age_days):
        holder = factories.make_practitioner(organisation)
        qualification = factories.make_qualification(
            holder, certificate_number=number, state=VerificationState.UNVERIFIED, verified_at=None,
            created_at=utcnow() - timedelta(days=age_days))
        return holder, qualification

    _, newer = waiting_for(world.inside, "1511000000000001", 1)
    _, older = waiting_for(world.inside, "1511000000000002", 9)
    _, outside = waiting_for(world.outside, "1511000000000003", 30)
    gone, left = waiting_for(world.inside, "1511000000000004", 20)
    db.session.execute(sa.update(Affiliation).where(Affiliation.practitioner_id == gone.id)
                       .values(end_date=date(2025, 1, 1)))
    factories.make_qualification(factories.make_practitioner(world.inside),
                                 certificate_number="1511000000000005")  # already verified
    db.session.commit()
    page = services.verification_queue(world.regulator)
    assert [item.qualification.id for item in page.items] == [older.id, newer.id]
    assert page.items[0].waiting_days == 9 and page.items[0].organisations == [world.inside]
    everything = services.verification_queue(world.admin)
    assert [item.qualification.id for item in everything.items] == [outside.id, older.id, newer.id]
    with pytest.raises(PermissionDenied):
        services.verification_queue(world.owner)


# --- expiry --------------------------------------------------------------------------------------

def test_expiry_marks_verified_certificates_past_their_date(world):
    holder = factories.make_practitioner(world.inside)
    past = factories.make_qualification(holder, expires_on=TODAY - timedelta(days=1))
    last_day = factories.make_qualification(holder, expires_on=TODAY)
    waiting = factories.make_qualification(holder, expires_on=TODAY - timedelta(days=5),
                                           state=VerificationState.UNVERIFIED, verified_at=None)
    permanent = factories.make_qualification(holder, expires_on=None)
    db.session.commit()
    assert services.effective_state(past, TODAY) is VerificationState.EXPIRED  # before the run
    ticks: list[int] = []
    assert services.expire_qualifications(TODAY, progress=ticks.append) == 1
    assert sum(ticks) == 1
    assert past.state is VerificationState.EXPIRED
    assert {last_day.state, permanent.state} == {VerificationState.VERIFIED}
    assert waiting.state is VerificationState.UNVERIFIED
    event = last_event("qualification.expire")
    assert event.actor_id is None and event.actor_role == "system" and event.region_code == "370602"
    assert services.expire_qualifications(TODAY) == 0  # nothing left to do


def test_expire_command_reports_a_summary(world, runner):
    holder = factories.make_practitioner(world.inside)
    for offset in (1, 2, 3):
        factories.make_qualification(holder, expires_on=date(2025, 1, 1) - timedelta(days=offset))
    db.session.commit()
    result = runner.invoke(args=["qualifications", "expire", "--today", "2025-01-01"])
    assert result.exit_code == 0, result.output
    assert "3 qualification(s) expired" in result.output
    again = runner.invoke(args=["qualifications", "expire", "--today", "2025-01-01"])
    assert "0 qualification(s) expired" in again.output


# --- certificate lookup --------------------------------------------------------------------------

@pytest.fixture
def certificates(world):
    """One certificate in every state, all held by 张 伟."""
    holder = factories.make_practitioner(world.inside, name="张伟")
    make = factories.make_qualification
    return SimpleNamespace(
        valid=make(holder, certificate_number="1511000000100001", expires_on=TODAY + timedelta(1)),
        past_date=make(holder, certificate_number="1511000000100002",
                       expires_on=TODAY - timedelta(1)),
        expired=make(holder, certificate_number="1511000000100003", state=VerificationState.EXPIRED,
                     expires_on=date(2020, 1, 1)),
        revoked=make(holder, certificate_number="1511000000100004", state=VerificationState.REVOKED,
                     state_reason="处罚", expires_on=date(2030, 1, 1)),
        waiting=make(holder, certificate_number="1511000000100005",
                     state=VerificationState.UNVERIFIED, verified_at=None),
        rejected=make(holder, certificate_number="1511000000100006",
                      state=VerificationState.REJECTED, state_reason="不符", verified_at=None),
    )


@pytest.mark.parametrize("record, status", [
    ("valid", "valid"), ("past_date", "expired"), ("expired", "expired"), ("revoked", "revoked"),
    ("waiting", "not_found"), ("rejected", "not_found"),
])
def test_lookup_answers_by_state(certificates, record, status):
    qualification = getattr(certificates, record)
    answer = services.lookup_certificate(qualification.certificate_number, "张伟", today=TODAY)
    assert answer.status.value == status
    if status == "not_found":
        assert answer == services.NOT_FOUND
    else:
        assert answer.kind == "counsellor_l2" and answer.issuer == "人力资源和社会保障部"
    assert qualification.state is getattr(certificates, record).state  # a lookup never writes


def test_lookup_normalises_the_number_and_the_name(certificates):
    answer = services.lookup_certificate("１５１１ ０００００ 0100001", " 张　伟 ", today=TODAY)
    assert answer.status is services.CertificateStatus.VALID


def test_a_wrong_name_answers_like_an_unknown_number(certificates):
    wrong_name = services.lookup_certificate("1511000000100001", "张伟伟", today=TODAY)
    unknown = services.lookup_certificate("1511000009999999", "张伟", today=TODAY)
    assert wrong_name == unknown == services.NOT_FOUND
    assert wrong_name.as_dict() == unknown.as_dict() == {"status": "not_found"}


def test_control_characters_answer_not_found(certificates):
    # PostgreSQL refuses NUL in text: such input must never reach the query (found by schemathesis).
    assert services.lookup_certificate("1511\x00000100001", "张伟", today=TODAY) == \
        services.NOT_FOUND
    assert services.lookup_certificate("1511000000100001", "张\x07伟", today=TODAY) == \
        services.NOT_FOUND


def test_the_answer_carries_nothing_about_the_holder(certificates):
    body = services.lookup_certificate("1511000000100001", "张伟", today=TODAY).as_dict()
    assert body == {"status": "valid", "qualification": {
        "kind": "counsellor_l2", "kind_label": "心理咨询师（国家职业资格二级）",
        "issuer": "人力资源和社会保障部", "expires_on": (TODAY + timedelta(1)).isoformat()}}
    revoked = services.lookup_certificate("1511000000100004", "张伟", today=TODAY).as_dict()
    assert revoked["qualification"]["expires_on"] is None


def test_lookup_needs_both_inputs(world):
    with pytest.raises(ValidationFailed) as error:
        services.lookup_certificate(" ", None)
    assert set(error.value.errors) == {"number", "name"}
