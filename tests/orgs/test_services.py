"""The registration workflow through the service layer: every transition, and the refused
ones (wrong role, wrong jurisdiction, wrong state) leave the database exactly as it was."""
from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.audit.services import verify_chain
from registry.auth.models import User
from registry.auth.policy import PermissionDenied
from registry.database import utcnow
from registry.extensions import db
from registry.orgs import services
from registry.orgs.models import (
    ChangeRequest,
    ChangeRequestKind,
    ChangeRequestStatus,
    Organisation,
    OrganisationStatus,
)
from registry.practitioners.models import Affiliation, AffiliationRole
from registry.public.services import organisation_profile
from registry.validation import ValidationFailed
from tests import factories
from tests.conftest import POSTGRES_URL
from tests.matrix import fingerprint
from tests.orgs.conftest import make_draft, profile

ACTIVE = OrganisationStatus.ACTIVE
DRAFT = OrganisationStatus.DRAFT
SUBMITTED = OrganisationStatus.SUBMITTED


def events(action: str | None = None) -> list[AuditEvent]:
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def refused(error_type, call, *args, **kwargs):
    """Assert the call raises ``error_type`` and changes nothing at all."""
    before = fingerprint()
    with pytest.raises(error_type) as raised:
        call(*args, **kwargs)
    db.session.rollback()
    assert fingerprint() == before
    return raised.value


def submitted(**values):
    values.setdefault("submitted_at", utcnow())
    organisation = make_draft(status=SUBMITTED, **values)
    db.session.commit()
    return organisation


def active(**values):
    organisation = factories.make_organisation(**values)
    db.session.commit()
    return organisation


# --- drafts ----------------------------------------------------------------------------------

def test_owner_saves_every_field_of_a_draft_and_the_change_is_audited(draft, people):
    values = profile(draft, name=" 烟台市芝罘区心海（心理）咨询有限公司 ", phone="１３８００１３８０００",
                     services=["psychotherapy", "counselling"], offers_public_benefit="否",
                     description="面向青少年\n与家庭。")
    services.save_draft(people.owner, draft.id, values)

    db.session.expire_all()
    assert draft.name == "烟台市芝罘区心海（心理）咨询有限公司"
    assert draft.phone == "138 0013 8000"
    assert draft.services == ["counselling", "psychotherapy"]
    assert draft.offers_public_benefit is False
    assert draft.status is DRAFT
    [event] = events("organisation.update")
    assert event.actor_id == people.owner.id and event.region_code == "370602"
    assert event.before["phone"] == "0535-6612345" and event.after["phone"] == "138 0013 8000"
    assert "uscc" not in event.after  # only what changed
    assert verify_chain().ok


def test_saving_the_same_values_writes_no_event(draft, people):
    services.save_draft(people.owner, draft.id, profile(draft))  # normalises the phone number
    services.save_draft(people.owner, draft.id, profile(draft))
    assert [event.after for event in events("organisation.update")] == [{"phone": "0535 661 2345"}]


def test_bad_values_are_all_reported_and_nothing_is_saved(draft, people):
    values = profile(draft, uscc=draft.uscc[:17], name="心海<script>", phone="12345",
                     region_code="370600", description="长" * 10000)
    error = refused(ValidationFailed, services.save_draft, people.owner, draft.id, values)
    assert set(error.errors) == {"uscc", "name", "phone", "region_code", "description"}
    assert "18 位" in error.errors["uscc"]


def test_a_draft_cannot_lose_its_name_type_or_region(draft, people):
    values = profile(draft, name="  ", org_type="", region_code="", phone="1")
    error = refused(ValidationFailed, services.save_draft, people.owner, draft.id, values)
    assert set(error.errors) == {"name", "org_type", "region_code", "phone"}
    assert error.errors["name"] == "此项为必填项。"


def test_a_draft_may_stay_incomplete(draft, people):
    services.save_draft(people.owner, draft.id, profile(draft, uscc="", phone="", services=[]))
    assert draft.uscc is None and draft.services == []


@pytest.mark.parametrize("who", ["other_owner", "regulator", "assessor"])
def test_only_the_owner_or_an_admin_edits_a_draft(draft, people, who):
    refused(PermissionDenied, services.save_draft, getattr(people, who), draft.id,
            profile(draft, name="别人改的名字"))
    services.save_draft(people.admin, draft.id, profile(draft, name="管理员改的名字"))
    assert draft.name == "管理员改的名字"


@pytest.mark.parametrize("status", [SUBMITTED, ACTIVE, OrganisationStatus.EXITED])
def test_drafts_only(regions, people, status):
    organisation = people.owner.organisation
    organisation.status = status
    organisation.submitted_at = utcnow()
    db.session.commit()
    refused(services.StateConflict, services.save_draft, people.owner, organisation.id,
            profile(organisation, name="新名字"))


def test_unknown_organisation(people):
    with pytest.raises(services.NotFound):
        services.save_draft(people.owner, 999999, {})


# --- submission --------------------------------------------------------------------------------

def test_submit_names_what_is_missing_and_changes_nothing(draft, people):
    services.save_draft(people.owner, draft.id, profile(draft, uscc="", phone="", services=[]))
    error = refused(ValidationFailed, services.submit, people.owner, draft.id)
    assert set(error.errors) == {"uscc", "phone", "services"}
    assert draft.status is DRAFT


def test_submit(draft, people):
    services.submit(people.owner, draft.id)
    assert draft.status is SUBMITTED and draft.submitted_at is not None
    [event] = events("organisation.submit")
    assert event.before["status"] == "draft" and event.after["status"] == "submitted"


@pytest.mark.parametrize("who", ["other_owner", "regulator", "outsider", "assessor"])
def test_only_the_owner_submits(draft, people, who):
    refused(PermissionDenied, services.submit, getattr(people, who), draft.id)


def test_submitting_twice_is_a_conflict(draft, people):
    services.submit(people.owner, draft.id)
    error = refused(services.StateConflict, services.submit, people.owner, draft.id)
    assert "等待主管部门审核" in error.message


# --- review ----------------------------------------------------------------------------------

def test_review_queue_is_the_jurisdiction_oldest_first_with_waiting_time(people):
    now = utcnow()
    newer = submitted(name="烟台新提交的机构", submitted_at=now - timedelta(hours=5))
    older = submitted(name="烟台早提交的机构", region_code="370613",
                      submitted_at=now - timedelta(days=3, hours=2))
    submitted(name="绵阳的机构", region_code="510703", submitted_at=now - timedelta(days=9))
    registered = active(name="烟台已登记的机构")
    change = services.request_change(people.admin, registered.id, profile(registered, fees="免费"))
    change.created_at = now - timedelta(days=1)
    db.session.commit()

    queue = services.review_queue(people.regulator, now=now)
    assert [item.organisation.name for item in queue] == [
        "烟台早提交的机构", "烟台已登记的机构", "烟台新提交的机构"]
    assert [item.kind for item in queue] == ["registration", "change", "registration"]
    assert (queue[0].days, queue[0].hours) == (3, 2)
    assert (queue[2].days, queue[2].hours) == (0, 5)
    assert queue[1].change_request.id == change.id
    assert older.id == queue[0].organisation.id and newer.id == queue[2].organisation.id

    assert [item.organisation.name for item in services.review_queue(people.outsider)] == ["绵阳的机构"]
    assert len(services.review_queue(people.admin)) == 4
    for who in ("owner", "assessor"):
        with pytest.raises(PermissionDenied):
            services.review_queue(getattr(people, who))


def test_approve_makes_the_organisation_active_and_public(people):
    organisation = submitted()
    assert organisation_profile(organisation.id, date.today()) is None
    services.approve(people.regulator, organisation.id)
    assert organisation.status is ACTIVE and organisation.approved_at is not None
    assert organisation_profile(organisation.id, date.today()).organisation.id == organisation.id
    [event] = events("organisation.approve")
    assert (event.before["status"], event.after["status"]) == ("submitted", "active")
    assert event.actor_id == people.regulator.id and event.actor_role == "regulator"


@pytest.mark.parametrize("who", ["outsider", "owner", "assessor"])
def test_approve_and_reject_outside_the_jurisdiction_or_role_are_refused(people, who):
    organisation = submitted(region_code="370602")
    actor = getattr(people, who)
    refused(PermissionDenied, services.approve, actor, organisation.id)
    refused(PermissionDenied, services.reject, actor, organisation.id, "不符合要求")
    assert organisation.status is SUBMITTED


def test_a_provincial_regulator_and_an_admin_may_approve(people):
    province = factories.make_user(factories.Role.REGULATOR, region_code="370000")
    first, second = submitted(), submitted()
    services.approve(province, first.id)
    services.approve(people.admin, second.id)
    assert first.status is second.status is ACTIVE


@pytest.mark.parametrize("status", [DRAFT, ACTIVE, OrganisationStatus.REJECTED])
def test_only_submitted_registrations_are_decided(people, status):
    organisation = make_draft(status=status, rejection_reason="缺少材料")
    db.session.commit()
    error = refused(services.StateConflict, services.approve, people.regulator, organisation.id)
    assert "不在待审核状态" in error.message
    refused(services.StateConflict, services.reject, people.regulator, organisation.id, "理由")


@pytest.mark.parametrize("reason, fragment", [("", "必填"), ("  \n ", "必填"), ("退" * 501, "500")])
def test_reject_needs_a_reason_of_at_most_500_characters(people, reason, fragment):
    organisation = submitted()
    error = refused(ValidationFailed, services.reject, people.regulator, organisation.id, reason)
    assert fragment in error.errors["reason"]


def test_reject_then_edit_and_resubmit(people):
    organisation = submitted()
    owner = factories.make_user(factories.Role.ORG, organisation_id=organisation.id)
    services.reject(people.regulator, organisation.id, " 请补充收费标准的明细。 ")
    assert organisation.status is OrganisationStatus.REJECTED
    assert organisation.rejection_reason == "请补充收费标准的明细。"

    services.save_draft(owner, organisation.id,
                        profile(organisation, fees="个体咨询 300 元/50 分钟；团体 80 元/次"))
    services.submit(owner, organisation.id)
    assert organisation.status is SUBMITTED and organisation.rejection_reason is None
    [event] = events("organisation.submit")
    assert event.before["rejection_reason"] == "请补充收费标准的明细。"


# --- change requests -------------------------------------------------------------------------

@pytest.fixture
def registered(people):
    """The owner's organisation, approved."""
    organisation = people.owner.organisation
    organisation.status, organisation.approved_at = ACTIVE, utcnow()
    db.session.commit()
    return organisation


def test_a_change_keeps_the_public_version_until_approved(registered, people):
    old_phone = registered.phone
    change = services.request_change(people.owner, registered.id,
                                     profile(registered, phone="13800138000", fees="免费"))
    assert change.kind is ChangeRequestKind.CHANGE and change.status is ChangeRequestStatus.PENDING
    assert change.changes == {"phone": "138 0013 8000", "fees": "免费"}  # only the changed fields
    db.session.expire_all()
    public = organisation_profile(registered.id, date.today()).organisation
    assert public.phone == old_phone and public.fees != "免费"

    services.approve_change(people.regulator, change.id, revision=services.change_revision(change))
    db.session.expire_all()
    assert registered.phone == "138 0013 8000" and registered.fees == "免费"
    assert change.status is ChangeRequestStatus.APPROVED
    assert change.decided_by_id == people.regulator.id
    [update] = events("organisation.update")
    assert update.before == {"phone": old_phone, "fees": "个体咨询 300 元/50 分钟"}
    assert update.after == {"phone": "138 0013 8000", "fees": "免费"}
    assert [e.action for e in events()][-3:] == [
        "change_request.create", "organisation.update", "change_request.approve"]


def test_a_new_edit_updates_the_pending_request(registered, people):
    first = services.request_change(people.owner, registered.id, profile(registered, fees="免费"))
    second = services.request_change(people.owner, registered.id,
                                     profile(registered, fees="免费", opening_hours="每天 8:00–20:00"))
    assert second.id == first.id
    assert second.changes == {"opening_hours": "每天 8:00–20:00", "fees": "免费"}
    assert db.session.scalar(sa.select(sa.func.count(ChangeRequest.id))) == 1
    [update] = events("change_request.update")
    assert update.before["changes"] == {"fees": "免费"}


def test_an_edit_that_changes_nothing_is_refused(registered, people):
    error = refused(ValidationFailed, services.request_change, people.owner, registered.id,
                    profile(registered))
    assert "changes" in error.errors


def test_a_registered_organisation_cannot_empty_a_required_field(registered, people):
    error = refused(ValidationFailed, services.request_change, people.owner, registered.id,
                    profile(registered, phone="", services=[]))
    assert set(error.errors) == {"phone", "services"}


def test_change_requests_are_for_registered_organisations_only(draft, people):
    refused(services.StateConflict, services.request_change, people.owner, draft.id,
            profile(draft, fees="免费"))


@pytest.mark.parametrize("who", ["other_owner", "regulator", "assessor"])
def test_only_the_owner_requests_changes(registered, people, who):
    refused(PermissionDenied, services.request_change, getattr(people, who), registered.id,
            profile(registered, fees="免费"))


def test_change_diff_reads_like_the_form(registered, people):
    change = services.request_change(people.owner, registered.id, profile(
        registered, services=["counselling", "crisis_intervention"], offers_public_benefit=False,
        region_code="370613", website=""))
    rows = {row.field: row for row in services.change_diff(change)}
    assert list(rows) == ["region_code", "website", "offers_public_benefit", "services"]
    assert rows["services"].label == "服务项目"
    assert rows["services"].before == "心理咨询、亲子与家庭教育指导"
    assert rows["services"].after == "心理咨询、心理危机干预"
    assert (rows["offers_public_benefit"].before, rows["offers_public_benefit"].after) == ("是", "否")
    assert rows["region_code"].after == "山东省 烟台市 莱山区"
    assert rows["website"].after == ""


@pytest.mark.parametrize("who", ["outsider", "owner", "assessor"])
def test_change_decisions_are_refused_outside_the_jurisdiction_or_role(registered, people, who):
    change = services.request_change(people.owner, registered.id, profile(registered, fees="免费"))
    actor = getattr(people, who)
    refused(PermissionDenied, services.approve_change, actor, change.id)
    refused(PermissionDenied, services.reject_change, actor, change.id, "不同意")
    assert change.status is ChangeRequestStatus.PENDING


def test_a_request_edited_after_the_reviewer_looked_is_not_decided_unseen(registered, people):
    change = services.request_change(people.owner, registered.id, profile(registered, fees="免费"))
    seen = services.change_revision(change)
    services.request_change(people.owner, registered.id, profile(registered, fees="每次 1000 元"))
    error = refused(services.StateConflict, services.approve_change, people.regulator, change.id,
                    revision=seen)
    assert "重新查看" in error.message
    refused(services.StateConflict, services.reject_change, people.regulator, change.id, "不同意",
            revision=seen)


def test_a_uscc_taken_meanwhile_is_caught_at_approval(registered, people):
    wanted = factories.valid_uscc("370602", serial=777)
    change = services.request_change(people.owner, registered.id, profile(registered, uscc=wanted))
    active(uscc=wanted)  # another organisation registers it first
    error = refused(ValidationFailed, services.approve_change, people.regulator, change.id)
    assert "已被其他机构登记" in error.errors["uscc"]
    assert change.status is ChangeRequestStatus.PENDING


def test_moving_out_of_the_jurisdiction_needs_a_reviewer_of_both_places(registered, people):
    change = services.request_change(people.owner, registered.id,
                                     profile(registered, region_code="510703"))
    refused(PermissionDenied, services.approve_change, people.regulator, change.id)
    services.approve_change(people.admin, change.id)
    assert registered.region_code == "510703"


def test_reject_and_withdraw_change_requests(registered, people):
    change = services.request_change(people.owner, registered.id, profile(registered, fees="免费"))
    refused(ValidationFailed, services.reject_change, people.regulator, change.id, "")
    services.reject_change(people.regulator, change.id, "收费标准需与物价备案一致。")
    assert change.status is ChangeRequestStatus.REJECTED
    assert change.decision_reason == "收费标准需与物价备案一致。"
    assert registered.fees == "个体咨询 300 元/50 分钟"
    refused(services.StateConflict, services.approve_change, people.regulator, change.id)
    refused(services.StateConflict, services.withdraw_change, people.owner, change.id)

    second = services.request_change(people.owner, registered.id, profile(registered, fees="免费"))
    assert second.id != change.id
    refused(PermissionDenied, services.withdraw_change, people.other_owner, second.id)
    refused(PermissionDenied, services.withdraw_change, people.regulator, second.id)
    services.withdraw_change(people.owner, second.id)
    assert second.status is ChangeRequestStatus.WITHDRAWN
    assert [e.action for e in events()][-1] == "change_request.withdraw"


# --- deregistration --------------------------------------------------------------------------

def test_deregistration_exits_and_ends_current_affiliations(registered, people):
    current = factories.make_practitioner(registered)
    past = factories.make_practitioner(registered)
    past_affiliation = past.affiliations[0]
    past_affiliation.end_date = date(2022, 6, 30)
    elsewhere = factories.make_organisation()
    db.session.add(Affiliation(practitioner_id=current.id, organisation_id=elsewhere.id,
                               role=AffiliationRole.PART_TIME, start_date=date(2021, 1, 1)))
    db.session.commit()

    change = services.request_deregistration(people.owner, registered.id, "机构停业。")
    assert change.kind is ChangeRequestKind.DEREGISTRATION and registered.status is ACTIVE
    services.approve_change(people.regulator, change.id)

    assert registered.status is OrganisationStatus.EXITED and registered.exited_at is not None
    ends = {a.organisation_id: a.end_date for a in current.affiliations}
    assert ends[registered.id] >= date.today() - timedelta(days=1)  # today, in China
    assert ends[elsewhere.id] is None  # the other organisation's affiliation goes on
    assert past_affiliation.end_date == date(2022, 6, 30)
    assert [e.action for e in events()][-3:] == ["organisation.exit", "affiliation.end",
                                                  "change_request.approve"]
    exit_event = events("organisation.exit")[0]
    assert (exit_event.before["status"], exit_event.after["status"]) == ("active", "exited")
    profile_now = organisation_profile(registered.id, date.today())
    assert profile_now.organisation.status is OrganisationStatus.EXITED and profile_now.staff == []
    refused(services.StateConflict, services.request_change, people.owner, registered.id,
            profile(registered, fees="免费"))


def test_one_pending_request_at_a_time(registered, people):
    change = services.request_change(people.owner, registered.id, profile(registered, fees="免费"))
    error = refused(services.StateConflict, services.request_deregistration, people.owner,
                    registered.id, "停业")
    assert "先撤回" in error.message
    services.withdraw_change(people.owner, change.id)
    services.request_deregistration(people.owner, registered.id, "停业")
    refused(services.StateConflict, services.request_change, people.owner, registered.id,
            profile(registered, fees="免费"))
    refused(services.StateConflict, services.request_deregistration, people.owner,
            registered.id, "停业")


def test_deregistration_needs_a_reason_and_a_registered_organisation(draft, registered, people):
    refused(ValidationFailed, services.request_deregistration, people.owner, registered.id, " ")
    refused(PermissionDenied, services.request_deregistration, people.other_owner,
            registered.id, "停业")
    registered.status = DRAFT
    db.session.commit()
    refused(services.StateConflict, services.request_deregistration, people.owner,
            registered.id, "停业")


def test_a_rejected_deregistration_leaves_the_organisation_active(registered, people):
    change = services.request_deregistration(people.owner, registered.id, "停业")
    services.reject_change(people.regulator, change.id, "尚有未办结的投诉。")
    assert registered.status is ACTIVE


# --- history ---------------------------------------------------------------------------------

def test_history_covers_the_organisation_and_its_requests_newest_first(draft, people):
    services.save_draft(people.owner, draft.id, profile(draft, fees="免费"))
    services.submit(people.owner, draft.id)
    services.reject(people.regulator, draft.id, "请补充资质说明。")
    services.submit(people.owner, draft.id)
    services.approve(people.regulator, draft.id)
    change = services.request_change(people.owner, draft.id, profile(draft, phone="13800138000"))
    services.reject_change(people.regulator, change.id, "电话无法接通。")
    factories.make_organisation()  # another organisation's events stay out
    db.session.commit()

    entries = services.history(people.owner, draft.id)
    assert [e.action for e in entries] == [
        "change_request.reject", "change_request.create", "organisation.approve",
        "organisation.submit", "organisation.reject", "organisation.submit", "organisation.update"]
    assert entries[0].reason == "电话无法接通。"
    assert entries[1].fields == ("对外服务电话",)
    assert entries[4].reason == "请补充资质说明。" and entries[4].actor_role == "regulator"
    assert entries[-1].fields == ("对外服务电话", "收费标准")  # the phone number was normalised
    assert services.history(people.regulator, draft.id) == entries
    for who in ("other_owner", "outsider", "assessor"):
        with pytest.raises(PermissionDenied):
            services.history(getattr(people, who), draft.id)


# --- concurrency (PostgreSQL: row locks; SQLite admits one writer at a time anyway) -----------

@pytest.mark.skipif(not POSTGRES_URL, reason="row locks need PostgreSQL")
def test_a_decision_waits_for_another_in_progress_and_then_sees_it(app, people):
    organisation = submitted()
    regulator_id, organisation_id = people.regulator.id, organisation.id
    outcome: list = []

    def second_reviewer():
        with app.app_context():
            try:
                services.reject(db.session.get(User, regulator_id), organisation_id, "不同意")
                outcome.append("rejected")
            except services.StateConflict:
                outcome.append("conflict")
            finally:
                db.session.remove()

    # The first reviewer is in the middle of approving: the row is locked, not yet committed.
    db.session.scalar(sa.select(Organisation).where(Organisation.id == organisation_id)
                      .with_for_update())
    organisation.status, organisation.approved_at = ACTIVE, utcnow()
    db.session.flush()
    thread = threading.Thread(target=second_reviewer)
    thread.start()
    time.sleep(0.5)
    assert outcome == []  # waiting for the lock
    db.session.commit()
    thread.join(timeout=10)
    assert outcome == ["conflict"]
    db.session.expire_all()
    assert organisation.status is ACTIVE and organisation.rejection_reason is None
