"""Builders for test data. Each returns a flushed object; the caller commits when needed.

Regions must be loaded first (the ``regions`` fixture).
"""
from __future__ import annotations

import functools
import itertools
from datetime import date, timedelta

from stdnum.cn import ric, uscc
from werkzeug.security import generate_password_hash

from registry.auth.models import Role, User
from registry.database import utcnow
from registry.evaluation.models import (
    Association,
    DemonstrationDesignation,
    Evaluation,
    EvaluationState,
    Grade,
    Rubric,
    RubricCriterion,
    Score,
)
from registry.extensions import db
from registry.orgs.models import Organisation, OrganisationStatus  # noqa: F401 (re-exported for tests)
from registry.practitioners.identity import protect_id_number
from registry.practitioners.models import (
    Affiliation,
    AffiliationRole,
    Gender,
    Practitioner,
    Qualification,
    VerificationState,
)
from registry.sanctions.models import Sanction, SanctionType

_counter = itertools.count(1)


@functools.cache
def password_hash() -> str:
    """The hash of the test password, computed once."""
    from tests.conftest import TEST_HASH_METHOD

    return generate_password_hash("correct horse battery", method=TEST_HASH_METHOD)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def valid_uscc(region_code: str = "370602", serial: int | None = None) -> str:
    """A USCC with a correct check digit (registration authority 9, type 1: a company)."""
    serial = next(_counter) if serial is None else serial
    body = ""
    for _ in range(9):
        serial, digit = divmod(serial, len(USCC_ALPHABET))
        body = USCC_ALPHABET[digit] + body
    base = "91" + region_code + body
    return base + uscc.calc_check_digit(base)


def valid_id_number(region_code: str = "370602", birth: date = date(1985, 6, 15),
                    serial: int | None = None) -> str:
    """A resident ID number with a valid check digit and birth date."""
    serial = (next(_counter) if serial is None else serial) % 1000
    base = f"{region_code}{birth:%Y%m%d}{serial:03d}"
    return base + ric.calc_check_digit(base + "0")


def make_organisation(**values) -> Organisation:
    """An active organisation in 芝罘区 (烟台市) unless told otherwise."""
    region_code = values.pop("region_code", "370602")
    defaults = dict(
        name=f"烟台市心海心理咨询有限公司{next(_counter)}",
        uscc=valid_uscc(region_code),
        org_type="social_counselling",
        legal_representative="张明",
        address="山东省烟台市芝罘区南大街 88 号",
        region_code=region_code,
        phone="0535-6612345",
        website="https://xinhai.example.cn",
        opening_hours="周一至周五 9:00–17:00",
        fees="个体咨询 300 元/50 分钟",
        offers_public_benefit=True,
        public_benefit_note="每月第一个周六免费心理健康讲座",
        description="提供青少年与家庭心理咨询服务。",
        services=["counselling", "parenting"],
        populations=["adolescents", "adults"],
        modalities=["in_person", "online"],
        languages=["zh"],
        status=OrganisationStatus.ACTIVE,
        approved_at=utcnow(),
    )
    defaults.update(values)
    organisation = Organisation(**defaults)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_practitioner(organisation: Organisation | None = None, id_number: str | None = None,
                      **values) -> Practitioner:
    """A practitioner, affiliated to ``organisation`` when one is given."""
    protected = protect_id_number(id_number or valid_id_number())
    defaults = dict(
        name="李华", gender=Gender.FEMALE, specialties=["anxiety_depression"], ce_hours=24,
        bio="从事心理咨询工作十年。",
        id_number_digest=protected.digest, id_number_encrypted=protected.encrypted,
    )
    defaults.update(values)
    practitioner = Practitioner(**defaults)
    db.session.add(practitioner)
    db.session.flush()
    if organisation is not None:
        db.session.add(Affiliation(practitioner_id=practitioner.id, organisation_id=organisation.id,
                                   role=AffiliationRole.FULL_TIME, start_date=date(2020, 3, 1)))
        db.session.flush()
    return practitioner


def make_qualification(practitioner: Practitioner, **values) -> Qualification:
    """A verified 二级心理咨询师 certificate unless told otherwise."""
    defaults = dict(
        kind="counsellor_l2", certificate_number=f"1511000000{next(_counter):06d}",
        issuer="人力资源和社会保障部", issued_on=date(2015, 5, 20),
        state=VerificationState.VERIFIED, verified_at=utcnow(),
    )
    defaults.update(values)
    qualification = Qualification(practitioner_id=practitioner.id, **defaults)
    db.session.add(qualification)
    db.session.flush()
    return qualification


def make_association(region_code: str = "370600", **values) -> Association:
    """An industry association for 烟台市."""
    defaults = dict(name=f"烟台市心理咨询师协会{next(_counter)}", region_code=region_code)
    defaults.update(values)
    association = Association(**defaults)
    db.session.add(association)
    db.session.flush()
    return association


def make_user(role: Role = Role.REGULATOR, **values) -> User:
    """An account; regulators and assessors default to the 烟台市 jurisdiction."""
    defaults = dict(
        email=f"user{next(_counter)}@example.cn",
        password_hash=password_hash(),
        role=role,
        region_code="370600" if role in (Role.REGULATOR, Role.ASSESSOR) else None,
    )
    defaults.update(values)
    user = User(**defaults)
    db.session.add(user)
    db.session.flush()
    return user


def make_rubric(**values) -> Rubric:
    """A two-criterion rubric worth 100 points."""
    rubric = Rubric(name=values.pop("name", f"机构评估细则{next(_counter)}"), **values)
    db.session.add(rubric)
    db.session.flush()
    for position, (name, points) in enumerate([("资质与人员", 60), ("服务质量", 40)], start=1):
        db.session.add(RubricCriterion(rubric_id=rubric.id, position=position, name=name,
                                       max_points=points))
    db.session.flush()
    return rubric


def make_evaluation(organisation: Organisation, association: Association, rubric: Rubric,
                    points: tuple[float, float] = (55, 37), cycle: int = 2025,
                    grade: Grade = Grade.EXCELLENT) -> Evaluation:
    """A published evaluation with one score per criterion."""
    evaluation = Evaluation(
        organisation_id=organisation.id, association_id=association.id, rubric_id=rubric.id,
        cycle=cycle, state=EvaluationState.PUBLISHED, total=sum(points), grade=grade,
        conflict_declared=True, published_at=utcnow(),
    )
    db.session.add(evaluation)
    db.session.flush()
    for criterion, value in zip(rubric.criteria, points):
        db.session.add(Score(evaluation_id=evaluation.id, criterion_id=criterion.id, points=value,
                             comment="符合要求"))
    db.session.flush()
    return evaluation


def make_designation(organisation: Organisation, year: int = 2025) -> DemonstrationDesignation:
    """A demonstration-unit title valid for ``year``."""
    designation = DemonstrationDesignation(
        organisation_id=organisation.id, year=year, designating_body="烟台市卫生健康委员会",
        valid_from=date(year, 1, 1), valid_to=date(year + 2, 12, 31),
    )
    db.session.add(designation)
    db.session.flush()
    return designation


def make_sanction(organisation: Organisation, **values) -> Sanction:
    """A warning (警告) disclosed for a year from today."""
    today = date.today()
    defaults = dict(
        sanction_type=SanctionType.WARNING, facts="未按规定公示收费标准。",
        legal_basis="《中华人民共和国精神卫生法》第二十三条", decision_number="烟卫罚〔2026〕12号",
        decision_date=today, deciding_body="烟台市卫生健康委员会", starts_on=today,
        disclosure_until=today + timedelta(days=365), region_code=organisation.region_code,
    )
    defaults.update(values)
    sanction = Sanction(organisation_id=organisation.id, **defaults)
    db.session.add(sanction)
    db.session.flush()
    return sanction
