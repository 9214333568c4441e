"""Chinese labels (translated through the Babel catalog) for the enumerations the public sees.

Vocabulary codes (types, services, …) have their labels in ``registry.vocabulary``; these
are the model enumerations, which carry no labels of their own.
"""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from registry.auth.models import Role
from registry.evaluation.models import Grade
from registry.orgs.models import OrganisationStatus
from registry.practitioners.models import AffiliationRole, Gender, VerificationState
from registry.sanctions.models import SanctionType

ORGANISATION_STATUS = {
    OrganisationStatus.DRAFT: _l("草稿"),
    OrganisationStatus.SUBMITTED: _l("待审核"),
    OrganisationStatus.ACTIVE: _l("正常"),
    OrganisationStatus.REJECTED: _l("未通过审核"),
    OrganisationStatus.SUSPENDED: _l("暂停服务"),
    OrganisationStatus.EXITED: _l("已退出登记"),
}

GRADE = {
    Grade.EXCELLENT: _l("优秀"),
    Grade.GOOD: _l("良好"),
    Grade.PASS: _l("合格"),
    Grade.FAIL: _l("不合格"),
}

SANCTION_TYPE = {
    SanctionType.WARNING: _l("警告"),
    SanctionType.CIRCULATED_CRITICISM: _l("通报批评"),
    SanctionType.RECTIFICATION: _l("责令整改"),
    SanctionType.SUSPENSION: _l("暂停服务"),
    SanctionType.ABNORMAL_LIST: _l("列入异常名录"),
    SanctionType.EXIT: _l("退出登记"),
    SanctionType.LICENCE_REVOCATION_REFERRAL: _l("提请吊销营业执照"),
}

GENDER = {
    Gender.FEMALE: _l("女"),
    Gender.MALE: _l("男"),
}

AFFILIATION_ROLE = {
    AffiliationRole.FULL_TIME: _l("全职"),
    AffiliationRole.PART_TIME: _l("兼职"),
    AffiliationRole.SUPERVISOR: _l("督导"),
    AffiliationRole.VOLUNTEER: _l("志愿者"),
}

VERIFICATION_STATE = {
    VerificationState.UNVERIFIED: _l("待核验"),
    VerificationState.VERIFIED: _l("已核验"),
    VerificationState.REJECTED: _l("核验未通过"),
    VerificationState.REVOKED: _l("已撤销"),
    VerificationState.EXPIRED: _l("已过期"),
}

ROLE = {
    Role.ORG: _l("机构账号"),
    Role.ASSESSOR: _l("行业组织评估人员"),
    Role.REGULATOR: _l("主管部门"),
    Role.ADMIN: _l("平台管理员"),
}

_MAPS: dict[type[enum.Enum], dict] = {
    Role: ROLE,
    OrganisationStatus: ORGANISATION_STATUS,
    Grade: GRADE,
    SanctionType: SANCTION_TYPE,
    Gender: GENDER,
    AffiliationRole: AFFILIATION_ROLE,
    VerificationState: VERIFICATION_STATE,
}


def label(member: enum.Enum | None) -> str:
    """The label of an enumeration member in the current locale ('' for None)."""
    if member is None:
        return ""
    labels = _MAPS.get(type(member), {})
    return str(labels.get(member, member.value))
