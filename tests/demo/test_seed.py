"""The demo seeder's data: deterministic, valid identifiers, consistent records."""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

import phonenumbers
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from stdnum.cn import ric, uscc
from werkzeug.security import check_password_hash

from registry.audit.models import AuditEvent
from registry.auth.models import Role, User
from registry.demo import seed as seed_module
from registry.demo.accounts import DEMO_PASSWORD
from registry.audit.services import record, verify_chain
from registry.demo.certificates import FORMATS
from registry.demo.seed import SeedError
from registry.evaluation.models import (
    Association,
    DemonstrationDesignation,
    Evaluation,
    EvaluationState,
    Grade,
    Rubric,
    Score,
)
from registry.extensions import db
from registry.orgs.models import Organisation, OrganisationStatus
from registry.practitioners.models import Affiliation, Gender, Practitioner, Qualification
from registry.regions.models import Region, RegionLevel
from registry.sanctions.models import Sanction, SanctionState, SanctionType
from registry.vocabulary import LANGUAGES, MODALITIES, ORGANISATION_TYPES, POPULATIONS, SERVICES
from tests import factories
from tests.demo.helpers import count, data_digest, seed, wipe_all_but_regions

AREA_CODES = {"3706": "0535", "3713": "0539", "3704": "0632", "5107": "0816"}
NATIONAL = phonenumbers.PhoneNumberFormat.NATIONAL


def _organisations() -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).order_by(Organisation.id)))


def test_same_seed_gives_the_same_data_and_another_seed_other_data(regions):
    seed(orgs=25, seed_value=11)
    first = data_digest()
    wipe_all_but_regions()
    seed(orgs=25, seed_value=11)
    assert data_digest() == first
    wipe_all_but_regions()
    seed(orgs=25, seed_value=12)
    assert data_digest() != first


def test_usccs_are_valid_unique_and_carry_the_county_code(regions):
    seed(orgs=60)
    organisations = _organisations()
    codes = [organisation.uscc for organisation in organisations]
    assert len(codes) == 60 and None not in codes
    assert len(set(codes)) == len(codes)
    for organisation in organisations:
        assert uscc.is_valid(organisation.uscc), organisation.uscc
        assert organisation.uscc[2:8] == organisation.region_code


def test_organisations_lie_in_county_level_regions_of_the_chosen_cities(regions):
    seed(orgs=40, cities=("370400",))
    organisations = _organisations()
    assert {o.region_code[:4] for o in organisations} == {"3704"}
    levels = {db.session.get(Region, o.region_code).level for o in organisations}
    assert levels == {RegionLevel.COUNTY}
    tengzhou = sum(o.region_code == "370481" for o in organisations)
    assert tengzhou >= len(organisations) // 4  # 滕州市 is the city's most populous county


def test_default_cities_each_get_organisations(regions):
    seed(orgs=40)
    prefixes = {o.region_code[:4] for o in _organisations()}
    assert prefixes == set(AREA_CODES)


def test_contact_details_names_and_vocabulary_codes_fit(regions):
    seed(orgs=60)
    for organisation in _organisations():
        area = AREA_CODES[organisation.region_code[:4]]
        number = phonenumbers.parse(organisation.phone, "CN")
        assert phonenumbers.is_valid_number(number), organisation.phone
        assert phonenumbers.format_number(number, NATIONAL) == organisation.phone  # as stored
        if not organisation.phone.startswith("1"):
            assert organisation.phone.startswith(area + " ")
        region = db.session.get(Region, organisation.region_code)
        assert region.name in organisation.address and region.parent.name in organisation.address
        assert organisation.org_type in ORGANISATION_TYPES
        for codes, vocabulary in ((organisation.services, SERVICES),
                                  (organisation.populations, POPULATIONS),
                                  (organisation.modalities, MODALITIES),
                                  (organisation.languages, LANGUAGES)):
            assert codes and set(codes) <= set(vocabulary.codes)
        assert organisation.website is None or organisation.website.startswith("https://")
        assert (organisation.public_benefit_note is not None) == organisation.offers_public_benefit
    names = [o.name for o in _organisations()]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("org_type, pattern", [
    ("school_room", r"(学|学校)(心理辅导室|心理健康教育中心)$"),
    ("community_room", r"(社区|村)(心理咨询室|心理辅导室|心理服务站|社会工作室|心理健康服务站)$"),
    ("social_counselling", r"心理(咨询|健康|科技)"),
])
def test_names_fit_the_organisation_type(regions, org_type, pattern):
    seed(orgs=80)
    names = db.session.scalars(sa.select(Organisation.name)
                               .where(Organisation.org_type == org_type)).all()
    assert names
    for name in names:
        assert re.search(pattern, name), name


def test_id_numbers_are_valid_protected_and_consistent(app, regions):
    seed(orgs=30)
    fernet = Fernet(app.config["PII_KEY"])
    key = app.config["PII_KEY"].encode("ascii")
    practitioners = list(db.session.scalars(sa.select(Practitioner)))
    assert len(practitioners) >= 60
    numbers = set()
    for practitioner in practitioners:
        number = fernet.decrypt(practitioner.id_number_encrypted.encode()).decode()
        assert ric.is_valid(number)
        assert hmac.new(key, number.encode(), hashlib.sha256).hexdigest() \
            == practitioner.id_number_digest
        assert (int(number[16]) % 2 == 1) == (practitioner.gender is Gender.MALE)
        affiliation = db.session.scalars(sa.select(Affiliation).where(
            Affiliation.practitioner_id == practitioner.id)).first()
        assert number[:2] == affiliation.organisation.region_code[:2]  # born in the province
        numbers.add(number)
    assert len(numbers) == len(practitioners)


def test_statuses_are_mostly_active_with_matching_sanctions(regions):
    seed(orgs=60)
    organisations = _organisations()
    statuses = [o.status for o in organisations]
    assert statuses.count(OrganisationStatus.ACTIVE) > len(statuses) * 0.7
    for status in OrganisationStatus:
        assert status in statuses, status
    for organisation in organisations:
        sanctions = db.session.scalars(sa.select(Sanction).where(
            Sanction.organisation_id == organisation.id)).all()
        types = {s.sanction_type for s in sanctions}
        if organisation.status is OrganisationStatus.SUSPENDED:
            suspension = next(s for s in sanctions if s.sanction_type is SanctionType.SUSPENSION)
            assert suspension.state is SanctionState.IN_FORCE
            assert organisation.suspended_until is not None
            assert organisation.suspended_until.date() >= suspension.ends_on - date.resolution
        elif organisation.status is OrganisationStatus.EXITED:
            assert SanctionType.EXIT in types and organisation.exited_at is not None
            affiliations = db.session.scalars(sa.select(Affiliation).where(
                Affiliation.organisation_id == organisation.id)).all()
            assert all(a.end_date is not None for a in affiliations)
        else:
            assert not types & {SanctionType.SUSPENSION, SanctionType.EXIT}
        if organisation.status is OrganisationStatus.REJECTED:
            assert organisation.rejection_reason
        if organisation.status in (OrganisationStatus.DRAFT, OrganisationStatus.SUBMITTED,
                                   OrganisationStatus.REJECTED):
            assert organisation.approved_at is None


def test_sanctions_are_complete_and_some_stay_disclosed_after_2027(regions):
    seed(orgs=60)
    sanctions = list(db.session.scalars(sa.select(Sanction)))
    assert sanctions
    numbers = [s.decision_number for s in sanctions]
    assert len(set(numbers)) == len(numbers)
    for sanction in sanctions:
        assert re.fullmatch(r"\w{1,2}(卫|民|市监)[罚通改异退移]〔20\d\d〕\d+号", sanction.decision_number)
        assert sanction.facts and sanction.legal_basis.startswith("《")
        assert sanction.deciding_body.endswith(("委员会", "局"))
        assert sanction.decision_date == sanction.starts_on
        assert sanction.disclosure_until >= sanction.starts_on
        assert sanction.organisation.uscc.startswith(("91", "92", "52"))  # invented names only
    assert any(s.disclosure_until > date(2027, 12, 31) for s in sanctions)


def test_evaluations_add_up_and_grades_follow_the_thresholds(regions):
    seed(orgs=60)
    rubric = db.session.scalars(sa.select(Rubric)).one()
    maxima = {criterion.id: criterion.max_points for criterion in rubric.criteria}
    assert sum(maxima.values()) == 100
    assert (rubric.excellent_min, rubric.good_min, rubric.pass_min) == (90, 75, 60)
    evaluations = list(db.session.scalars(
        sa.select(Evaluation).where(Evaluation.state == EvaluationState.PUBLISHED)))
    assert len(evaluations) > 30
    for evaluation in evaluations:
        assert evaluation.state is EvaluationState.PUBLISHED and 2023 <= evaluation.cycle <= 2025
        points = [score.points for score in evaluation.scores]
        assert len(points) == len(maxima)
        assert evaluation.total == sum(points)
        for score in evaluation.scores:
            assert 0 <= score.points <= maxima[score.criterion_id]
            assert score.points * 2 == int(score.points * 2)
        expected = (Grade.EXCELLENT if evaluation.total >= 90 else Grade.GOOD
                    if evaluation.total >= 75 else Grade.PASS if evaluation.total >= 60
                    else Grade.FAIL)
        assert evaluation.grade is expected
        assert evaluation.association.region_code[:4] == evaluation.organisation.region_code[:4]
        assert evaluation.assessors and evaluation.assessors[0].role is Role.ASSESSOR
    grades = {evaluation.grade for evaluation in evaluations}
    assert {Grade.EXCELLENT, Grade.GOOD} <= grades


def test_designations_go_to_excellent_active_organisations(regions):
    seed(orgs=60)
    designations = list(db.session.scalars(sa.select(DemonstrationDesignation)))
    assert designations
    for designation in designations:
        evaluation = db.session.get(Evaluation, designation.evaluation_id)
        assert evaluation.grade is Grade.EXCELLENT
        assert evaluation.organisation_id == designation.organisation_id
        assert designation.year == evaluation.cycle + 1
        assert designation.organisation.status is OrganisationStatus.ACTIVE
        assert designation.valid_to > designation.valid_from


def test_qualification_numbers_follow_their_kind_and_states_have_reasons(regions):
    seed(orgs=40)
    qualifications = list(db.session.scalars(sa.select(Qualification)))
    assert len(qualifications) > 40
    seen = set()
    for qualification in qualifications:
        assert FORMATS[qualification.kind].match(qualification.certificate_number), \
            (qualification.kind, qualification.certificate_number)
        assert (qualification.kind, qualification.certificate_number) not in seen
        seen.add((qualification.kind, qualification.certificate_number))
        assert qualification.issuer and qualification.issued_on <= date(2026, 6, 1)
        if qualification.kind in ("counsellor_l2", "counsellor_l3"):
            assert qualification.issued_on.year <= 2017  # the national certificate ended in 2017
        if qualification.state.value in ("rejected", "revoked"):
            assert qualification.state_reason
        if qualification.state.value == "verified":
            assert qualification.verified_at is not None and qualification.verified_by_id


def test_accounts_and_associations(regions):
    result = seed(orgs=40)
    for city in ("370600", "371300", "370400", "510700"):
        regulator = db.session.scalars(sa.select(User).where(
            User.email == f"regulator.{city}@demo.example.cn")).one()
        assert regulator.role is Role.REGULATOR and regulator.region_code == city
        assessor = db.session.scalars(sa.select(User).where(
            User.email == f"assessor.{city}@demo.example.cn")).one()
        assert assessor.association.region_code == city
    admin = db.session.scalars(sa.select(User).where(User.role == Role.ADMIN)).one()
    assert check_password_hash(admin.password_hash, DEMO_PASSWORD)
    organisation_accounts = db.session.scalars(sa.select(User).where(User.role == Role.ORG)).all()
    assert organisation_accounts
    assert all(user.email == f"org.{user.organisation_id}@demo.example.cn"
               for user in organisation_accounts)
    assert count(Association) == 4 and result.counts["users"] == count(User)
    assert db.session.scalars(sa.select(Association.name)).all().count("烟台市心理咨询师协会") == 1


def test_one_audit_event_summarises_the_seed_and_extends_the_chain(regions):
    previous = record("test.setup", "database")
    db.session.commit()
    result = seed(orgs=20)
    events = list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
    assert [event.action for event in events] == ["test.setup", "demo.seed"]
    event = events[-1]
    assert event.actor_role == "system" and event.entity_type == "database"
    assert event.actor_id is None
    assert event.after["counts"] == result.counts
    assert event.after["counts"]["organisations"] == count(Organisation) == 20
    assert event.prev_hash == previous.hash
    report = verify_chain()
    assert report.ok and report.checked == 2 and report.head == event.hash


def test_failure_leaves_nothing_behind(regions, monkeypatch):
    def explode(self, plans):
        raise RuntimeError("boom")

    monkeypatch.setattr(seed_module.SanctionMaker, "rows_for", explode)
    with pytest.raises(RuntimeError):
        seed(orgs=20)
    for model in (Organisation, Practitioner, Evaluation, User, Association, Score, AuditEvent):
        assert count(model) == 0, model


def test_refuses_a_register_that_already_has_organisations(regions):
    factories.make_organisation()
    db.session.commit()
    with pytest.raises(SeedError, match="already has 1 organisations"):
        seed(orgs=10)
    assert count(Organisation) == 1 and count(User) == 0


def test_needs_cities_and_organisations(regions):
    with pytest.raises(SeedError, match="No demo cities"):
        seed(orgs=10, cities=())
    with pytest.raises(SeedError, match="at least 1"):
        seed(orgs=0)
    assert count(Organisation) == 0 and count(User) == 0


def test_ids_keep_working_after_the_bulk_insert(regions):
    seed(orgs=15)
    largest = db.session.scalar(sa.select(sa.func.max(Organisation.id)))
    organisation = factories.make_organisation()
    practitioner = factories.make_practitioner(organisation)
    db.session.commit()
    assert organisation.id > largest
    assert practitioner.id > 0 and count(Organisation) == 16


def test_pending_change_requests_can_be_reviewed(regions):
    """Every demo organisation account's active organisation has a change awaiting review,
    and the regulator of its city can read the diff and approve it."""
    from registry.orgs import services as org_services
    from registry.orgs.models import ChangeRequest, ChangeRequestStatus

    seed(orgs=80)
    pending = db.session.scalars(sa.select(ChangeRequest).where(
        ChangeRequest.status == ChangeRequestStatus.PENDING)).all()
    owners = db.session.scalars(sa.select(User).where(User.role == Role.ORG)).all()
    active_owned = {u.organisation_id for u in owners
                    if u.organisation.status is OrganisationStatus.ACTIVE}
    assert active_owned and active_owned <= {c.organisation_id for c in pending}
    change = next(c for c in pending if c.organisation_id in active_owned)
    assert org_services.change_diff(change)
    regulator = db.session.scalar(sa.select(User).where(
        User.role == Role.REGULATOR,
        User.region_code == change.organisation.region_code[:4] + "00"))
    field, value = next(iter(change.changes.items()))
    org_services.approve_change(regulator, change.id, revision=org_services.change_revision(change))
    assert getattr(db.session.get(Organisation, change.organisation_id), field) == value
