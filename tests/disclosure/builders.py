"""A small public register for the disclosure tests: public and private records side by side,
with the private values a public response must never carry."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from registry.auth import services as auth_services
from registry.auth.models import Role
from registry.complaints.models import Complaint
from registry.evaluation.models import Evaluation, EvaluationState, Score
from registry.extensions import db
from registry.orgs.models import OrganisationStatus
from registry.sanctions.models import SanctionType
from tests import factories

ID_NUMBER = factories.valid_id_number(serial=17)


@dataclass
class Register:
    """The records, and the private strings to look for."""

    records: dict = field(default_factory=dict)
    secrets: dict = field(default_factory=dict)


def build_register() -> Register:
    """Active, suspended, draft organisations; practitioners; evaluations (published and a
    draft); sanctions in and out of disclosure; a designation; a complaint; a token."""
    today = date.today()
    active = factories.make_organisation(name="烟台市心海心理咨询中心", region_code="370602")
    suspended = factories.make_organisation(name="烟台市暂停心理咨询中心", region_code="370602",
                                            status=OrganisationStatus.SUSPENDED)
    outside = factories.make_organisation(name="绵阳市涪城心理咨询中心", region_code="510703")
    draft = factories.make_organisation(name="未审核草稿心理工作室", region_code="370602",
                                        status=OrganisationStatus.DRAFT, approved_at=None)
    person = factories.make_practitioner(active, id_number=ID_NUMBER, name="王心怡",
                                         bio="私密简介：不应公开")
    factories.make_qualification(person, certificate_number="1511000000123456")
    unverified = factories.make_practitioner(draft, name="赵未审")
    factories.make_qualification(unverified, certificate_number="1511000000999999",
                                 state=factories.VerificationState.UNVERIFIED, verified_at=None)
    association = factories.make_association()
    rubric = factories.make_rubric()
    published = factories.make_evaluation(active, association, rubric)
    draft_evaluation = Evaluation(organisation_id=suspended.id, association_id=association.id,
                                  rubric_id=rubric.id, cycle=2025, state=EvaluationState.DRAFT,
                                  summary="草稿评语：尚未公布")
    db.session.add(draft_evaluation)
    db.session.flush()
    db.session.add(Score(evaluation_id=draft_evaluation.id, criterion_id=rubric.criteria[0].id,
                         points=13.5, comment="草稿评分意见：尚未公布"))
    in_disclosure = factories.make_sanction(suspended, region_code="370602",
                                            sanction_type=SanctionType.SUSPENSION,
                                            ends_on=today + timedelta(days=60),
                                            facts="超范围开展诊疗活动。")
    factories.make_sanction(outside, region_code="510703", facts="绵阳的惩戒事实。")
    factories.make_sanction(active, region_code="370602", facts="已过公示期的惩戒事实。",
                            starts_on=today - timedelta(days=800),
                            decision_date=today - timedelta(days=800),
                            disclosure_until=today - timedelta(days=400))
    designation = factories.make_designation(active, year=today.year)
    db.session.add(Complaint(reference="TS-0001", organisation_id=active.id, region_code="370602",
                             category=_complaint_category(), summary="投诉摘要",
                             details="投诉详情", complainant_name="投诉人甲乙丙",
                             complainant_contact="13900001111"))
    user = factories.make_user(Role.ORG, organisation_id=active.id, email="owner@example.cn")
    db.session.commit()
    token, raw = auth_services.create_token(user, "mirror")
    register = Register()
    register.records = {"active": active, "suspended": suspended, "outside": outside,
                        "draft": draft, "person": person, "unverified": unverified,
                        "published": published, "draft_evaluation": draft_evaluation,
                        "sanction": in_disclosure, "designation": designation, "token": raw}
    register.secrets = {
        "id number": ID_NUMBER, "id digest": person.id_number_digest,
        "id ciphertext": person.id_number_encrypted, "biography": "私密简介",
        "draft summary": "草稿评语", "draft comment": "草稿评分意见", "score comment": "符合要求",
        "complainant name": "投诉人甲乙丙", "complainant contact": "13900001111",
        "password hash": user.password_hash, "token digest": token.token_digest,
        "raw token": raw, "draft organisation": "未审核草稿心理工作室",
        "unverified certificate": "1511000000999999", "expired sanction": "已过公示期的惩戒事实",
    }
    return register


def _complaint_category() -> str:
    from registry import vocabulary

    return vocabulary.COMPLAINT_CATEGORIES.codes[0]
