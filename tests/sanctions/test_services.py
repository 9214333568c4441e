"""Recording sanctions and their consequences, the schedule at a fixed "today", referrals,
and refusals that change nothing."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.auth.policy import PermissionDenied
from registry.extensions import db
from registry.orgs.models import OrganisationStatus
from registry.practitioners.models import Affiliation, VerificationState
from registry.sanctions import publication, services, status
from registry.sanctions.models import (
    LicenceReferral,
    ReferralOutcome,
    Sanction,
    SanctionState,
)
from registry.validation import StateConflict, ValidationFailed
from tests import factories
from tests.matrix import fingerprint
from tests.sanctions.conftest import TODAY, sanction_values, suspension_values


def _record(setting, values, kind="organisation", subject=None, actor=None, today=TODAY):
    subject_id = subject if subject is not None else setting.organisation.id
    return services.record_sanction(actor or setting.regulator, kind, subject_id, values,
                                    today=today)


def _actions(entity_type=None) -> list[str]:
    query = sa.select(AuditEvent.action).order_by(AuditEvent.id)
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    return list(db.session.scalars(query))


def test_a_warning_is_recorded_disclosed_and_audited(setting):
    sanction = _record(setting, sanction_values())

    assert sanction.state is SanctionState.IN_FORCE
    assert sanction.ends_on == TODAY  # a warning is carried out on the day
    assert sanction.region_code == "370602"
    assert sanction.is_disclosed(TODAY)
    assert setting.organisation.status is OrganisationStatus.ACTIVE
    assert _actions() == ["sanction.record"]


@pytest.mark.parametrize("until, accepted", [
    ("2026-06-09", False),  # a day short of the 3-month minimum
    ("2026-06-10", True),  # the minimum
    ("2027-03-10", True),  # the 12-month maximum
    ("2027-03-11", False),  # a day beyond it
])
def test_disclosure_period_must_fit_the_rule(setting, until, accepted):
    values = sanction_values(disclosure_until=until)
    if accepted:
        assert _record(setting, values).disclosure_until == date.fromisoformat(until)
    else:
        before = fingerprint()
        with pytest.raises(ValidationFailed) as failed:
            _record(setting, values)
        assert "2026-06-10" in failed.value.errors["disclosure_until"]
        assert fingerprint() == before


def test_permanent_types_take_no_disclosure_end(setting):
    with pytest.raises(ValidationFailed) as failed:
        _record(setting, sanction_values(sanction_type="exit", disclosure_until="2029-03-10"))
    assert "disclosure_until" in failed.value.errors


@pytest.mark.parametrize("values, field", [
    (suspension_values(ends_on="2026-03-01"), "ends_on"),  # an end before the start
    (sanction_values(starts_on="2026-03-01"), "starts_on"),  # a start before the decision
    (sanction_values(decision_date="2026-03-11", starts_on="2026-03-11"), "decision_date"),
    (suspension_values(ends_on=""), "ends_on"),  # a suspension needs a term
    (sanction_values(decision_date="2026-13-01"), "decision_date"),
    (sanction_values(facts="  "), "facts"),
    (sanction_values(sanction_type="fine"), "sanction_type"),
])
def test_bad_dates_and_fields_are_refused_and_nothing_changes(setting, values, field):
    before = fingerprint()

    with pytest.raises(ValidationFailed) as failed:
        _record(setting, values)

    assert field in failed.value.errors
    assert fingerprint() == before


def test_a_regulator_outside_the_jurisdiction_is_refused(setting):
    before = fingerprint()

    with pytest.raises(PermissionDenied):
        _record(setting, sanction_values(), actor=setting.outsider)
    with pytest.raises(PermissionDenied):
        _record(setting, sanction_values(), actor=setting.assessor)

    assert fingerprint() == before


def test_a_suspension_suspends_until_its_end_then_the_schedule_reactivates(setting):
    sanction = _record(setting, suspension_values())
    organisation = setting.organisation

    assert organisation.status is OrganisationStatus.SUSPENDED
    assert organisation.suspended_until.date() == date(2026, 6, 29)  # 00:00 in China, in UTC
    assert "organisation.suspend" in _actions()

    report = services.run_schedule(date(2026, 6, 30))  # the last day: still suspended
    assert report.reactivated == 0 and organisation.status is OrganisationStatus.SUSPENDED

    report = services.run_schedule(date(2026, 7, 1))
    assert (report.sanctions_ended, report.reactivated) == (1, 1)
    assert organisation.status is OrganisationStatus.ACTIVE
    assert organisation.suspended_until is None
    assert sanction.state is SanctionState.ENDED
    assert sanction.is_disclosed(date(2026, 7, 1))  # disclosure runs on after the term
    assert services.run_schedule(date(2026, 7, 1)).total == 0  # running again changes nothing


def test_a_suspension_starting_later_begins_on_its_day(setting):
    _record(setting, suspension_values(starts_on="2026-04-01"))
    assert setting.organisation.status is OrganisationStatus.ACTIVE

    standing = status.organisation_standing
    assert standing(setting.organisation, date(2026, 3, 31)).status is OrganisationStatus.ACTIVE
    on_the_day = standing(setting.organisation, date(2026, 4, 1))
    assert on_the_day.status is OrganisationStatus.SUSPENDED
    assert on_the_day.suspended_until.date() == date(2026, 6, 30)  # its last day
    assert setting.organisation.status is OrganisationStatus.ACTIVE  # reading wrote nothing

    services.run_schedule(date(2026, 4, 1))
    assert setting.organisation.status is OrganisationStatus.SUSPENDED
    assert "organisation.suspend" in _actions()


def test_status_is_a_function_of_the_date_and_only_the_schedule_writes_it(setting):
    _record(setting, suspension_values())
    events = len(_actions())

    later = status.organisation_standing(setting.organisation, date(2026, 7, 1))
    assert later.status is OrganisationStatus.ACTIVE and later.suspended_until is None
    assert setting.organisation.status is OrganisationStatus.SUSPENDED
    assert len(_actions()) == events

    services.run_schedule(date(2026, 7, 1))
    assert setting.organisation.status is OrganisationStatus.ACTIVE
    assert _actions()[-1] == "organisation.reactivate"
    assert status.standings([setting.organisation], date(2026, 7, 1))[
        setting.organisation.id] == later


def test_an_organisation_exited_during_a_suspension_stays_exited(setting):
    _record(setting, suspension_values())
    _record(setting, sanction_values(sanction_type="exit", decision_number="烟卫退〔2026〕1号",
                                     disclosure_until=""))

    services.run_schedule(date(2026, 7, 1))

    assert setting.organisation.status is OrganisationStatus.EXITED


def test_exit_ends_affiliations_and_a_second_exit_is_refused(setting):
    _record(setting, sanction_values(sanction_type="exit", disclosure_until=""))
    organisation = setting.organisation

    assert organisation.status is OrganisationStatus.EXITED
    affiliations = db.session.scalars(sa.select(Affiliation)).all()
    assert [a.end_date for a in affiliations] == [TODAY]
    before = fingerprint()
    with pytest.raises(StateConflict):
        _record(setting, sanction_values(sanction_type="exit", disclosure_until=""))
    with pytest.raises(StateConflict):
        _record(setting, sanction_values())  # a warning for an organisation that left
    assert fingerprint() == before


def test_a_licence_referral_records_the_referral_and_its_outcome(setting):
    _record(setting, sanction_values(sanction_type="exit", disclosure_until=""))
    sanction = _record(setting, sanction_values(
        sanction_type="licence_revocation_referral", disclosure_until="",
        referred_to="烟台市芝罘区市场监督管理局", referred_on="2026-03-10",
        reference_number="烟卫移〔2026〕3号"))

    referral = db.session.scalar(sa.select(LicenceReferral))
    assert referral.sanction_id == sanction.id and referral.outcome is ReferralOutcome.PENDING

    with pytest.raises(ValidationFailed) as failed:
        services.record_referral_outcome(setting.regulator, referral.id,
                                         {"outcome": "revoked", "outcome_on": ""})
    assert "outcome_on" in failed.value.errors
    services.record_referral_outcome(setting.regulator, referral.id,
                                     {"outcome": "revoked", "outcome_on": "2026-04-20",
                                      "outcome_note": "已吊销营业执照。"})
    assert referral.outcome is ReferralOutcome.REVOKED
    assert _actions("licence_referral") == ["licence_referral.create", "licence_referral.outcome"]
    with pytest.raises(PermissionDenied):
        services.record_referral_outcome(setting.outsider, referral.id, {"outcome": "other"})


def test_a_referral_needs_its_fields_and_never_concerns_a_person(setting):
    with pytest.raises(ValidationFailed) as failed:
        _record(setting, sanction_values(sanction_type="licence_revocation_referral",
                                         disclosure_until=""))
    assert {"referred_to", "referred_on"} <= set(failed.value.errors)
    with pytest.raises(ValidationFailed) as failed:
        _record(setting, sanction_values(sanction_type="licence_revocation_referral",
                                         disclosure_until=""),
                kind="practitioner", subject=setting.practitioner.id)
    assert "sanction_type" in failed.value.errors


def test_a_serious_sanction_revokes_the_designation_a_warning_does_not(setting):
    designation = factories.make_designation(setting.organisation, year=2026)
    db.session.commit()

    _record(setting, sanction_values())
    assert designation.revoked_at is None

    _record(setting, suspension_values(decision_number="烟卫罚〔2026〕13号"))
    assert designation.revoked_at is not None
    assert "烟卫罚〔2026〕13号" in designation.revoked_reason
    assert "designation.revoke_auto" in _actions()


def test_a_practitioner_sanction_can_revoke_a_certificate(setting):
    qualification = setting.qualification
    sanction = _record(setting, sanction_values(revoke_qualification_ids=[qualification.id]),
                       kind="practitioner", subject=setting.practitioner.id)

    assert sanction.practitioner_id == setting.practitioner.id
    assert sanction.region_code == "370602"
    assert qualification.state is VerificationState.REVOKED
    assert sanction.decision_number in qualification.state_reason


def test_a_practitioner_exit_ends_every_affiliation_and_shows_as_exited(setting):
    practitioner = setting.practitioner
    assert status.practitioner_status(practitioner.id, TODAY) == "active"

    _record(setting, sanction_values(sanction_type="exit", disclosure_until=""),
            kind="practitioner", subject=practitioner.id)

    assert all(a.end_date == TODAY for a in practitioner.affiliations)
    assert status.practitioner_status(practitioner.id, TODAY) == "exited"
    with pytest.raises(StateConflict):
        _record(setting, sanction_values(sanction_type="exit", disclosure_until=""),
                kind="practitioner", subject=practitioner.id)


def test_a_practitioner_suspension_shows_while_it_runs(setting):
    _record(setting, suspension_values(), kind="practitioner", subject=setting.practitioner.id)

    assert status.practitioner_status(setting.practitioner.id, TODAY) == "suspended"
    assert status.practitioner_status(setting.practitioner.id, date(2026, 7, 1)) == "active"


def test_the_schedule_ends_disclosures_once(setting):
    sanction = _record(setting, sanction_values(disclosure_until="2026-06-10"))

    assert services.run_schedule(date(2026, 6, 10)).disclosures_ended == 0
    assert services.run_schedule(date(2026, 6, 11)).disclosures_ended == 1
    assert sanction.disclosure_ended_at is not None
    assert services.run_schedule(date(2026, 6, 12)).disclosures_ended == 0
    assert _actions().count("sanction.disclosure_end") == 1


def test_the_public_list_filters_by_region_type_and_subject(setting):
    _record(setting, sanction_values())
    _record(setting, suspension_values(), kind="practitioner", subject=setting.practitioner.id)
    services.record_sanction(setting.admin, "organisation", setting.outside.id,
                             sanction_values(deciding_body="绵阳市卫生健康委员会"), today=TODAY)

    def listed(**filters):
        return db.session.scalars(publication.public_sanctions(TODAY, **filters)).all()

    assert len(listed()) == 3
    assert len(listed(region="370600")) == 2
    assert len(listed(region="510000")) == 1
    assert [s.sanction_type.value for s in listed(subject_kind="practitioner")] == ["suspension"]
    assert len(listed(region="370600", subject_kind="organisation")) == 1
    assert listed(region="370000", sanction_type=publication.SanctionType.EXIT) == []
    assert db.session.scalars(publication.public_sanctions(date(2029, 1, 1))).all() == []


def test_no_sanction_row_is_ever_deleted(setting):
    _record(setting, sanction_values(disclosure_until="2026-06-10"))
    services.run_schedule(date(2030, 1, 1))

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Sanction)) == 1


def test_a_sanction_recorded_before_its_start_is_announced_when_it_starts(setting):
    _record(setting, suspension_values(starts_on="2026-04-01", ends_on="2026-06-30",
                                       disclosure_until="2027-04-01"))
    _record(setting, sanction_values(decision_number="烟卫罚〔2026〕2号"))  # starts at once

    assert services.run_schedule(date(2026, 3, 31)).disclosures_started == 0
    assert services.run_schedule(date(2026, 4, 1)).disclosures_started == 1
    assert services.run_schedule(date(2026, 4, 2)).disclosures_started == 0
    assert _actions().count("sanction.disclosure_start") == 1
