"""Demo sanctions (惩戒): the planned suspensions and exits, and a few milder measures.

Only organisations with invented names are sanctioned (see ``orgnames``). Dates are placed
around ``REFERENCE_DATE``; suspensions and exits stay publicly disclosed beyond 2027.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from typing import NamedTuple

from registry.demo.clock import REFERENCE_DATE, add_years, local_midnight, local_time
from registry.demo.organisations import OrgPlan
from registry.demo.places import CountyProfile
from registry.sanctions.models import SanctionState, SanctionType

GUIDANCE = "《关于加强心理健康服务的指导意见》（国卫疾控发〔2016〕77号）"
MENTAL_HEALTH_LAW = "《中华人民共和国精神卫生法》"


class Finding(NamedTuple):
    """Facts, legal basis and the department that decides (health, market or civil)."""

    facts: str
    basis: str
    department: str


FINDINGS: dict[SanctionType, tuple[Finding, ...]] = {
    SanctionType.WARNING: (
        Finding("未在服务场所显著位置公示收费标准，存在收费前未告知来访者的情况。",
                "《中华人民共和国价格法》第十三条、第四十二条", "market"),
        Finding("未按规定建立来访者咨询档案，知情同意书缺失。", GUIDANCE, "health"),
    ),
    SanctionType.CIRCULATED_CRITICISM: (
        Finding("在网络平台发布“保证治愈抑郁症”“三次咨询告别焦虑”等虚假宣传内容。",
                "《中华人民共和国广告法》第二十八条、第五十五条", "market"),
    ),
    SanctionType.RECTIFICATION: (
        Finding("部分从业人员未取得相应资质即独立开展心理咨询服务。",
                f"{MENTAL_HEALTH_LAW}第二十三条；{GUIDANCE}", "health"),
        Finding("咨询室隔音条件不符合保护来访者隐私的要求，且未配备危机转介流程。", GUIDANCE, "health"),
    ),
    SanctionType.ABNORMAL_LIST: (
        Finding("未按要求报送年度服务情况，通过登记的联系方式无法取得联系。", GUIDANCE, "health"),
    ),
    SanctionType.SUSPENSION: (
        Finding("心理咨询人员为来访者作出精神障碍诊断并建议服用精神类药物，超出心理咨询服务范围。",
                f"{MENTAL_HEALTH_LAW}第二十三条、第七十六条", "health"),
        Finding("未经来访者书面同意，在公开培训中使用可识别来访者身份的个案资料。",
                f"{MENTAL_HEALTH_LAW}第四条；《中华人民共和国个人信息保护法》第六十六条", "health"),
    ),
    SanctionType.EXIT: (
        Finding("年度评估结果为不合格，经责令整改后逾期仍未达到要求。", GUIDANCE, "health"),
        Finding("登记的服务场所已停止运营，连续 12 个月未开展服务且无法取得联系。", GUIDANCE, "health"),
        Finding("心理咨询人员从事心理治疗并延误来访者就医，情节严重。",
                f"{MENTAL_HEALTH_LAW}第二十三条、第七十六条", "health"),
    ),
    SanctionType.LICENCE_REVOCATION_REFERRAL: (
        Finding("机构已被退出登记，其营业执照经营范围仍包含心理咨询服务，移送市场监督管理部门依法处理。",
                f"{MENTAL_HEALTH_LAW}第七十六条", "health"),
    ),
}
CIVIL_AFFAIRS_BASIS = "《社会组织信用信息管理办法》（民政部令第 60 号）"
DOCUMENT_KINDS = {
    SanctionType.WARNING: "罚", SanctionType.SUSPENSION: "罚", SanctionType.CIRCULATED_CRITICISM: "通",
    SanctionType.RECTIFICATION: "改", SanctionType.ABNORMAL_LIST: "异", SanctionType.EXIT: "退",
    SanctionType.LICENCE_REVOCATION_REFERRAL: "移",
}
DEPARTMENT_ABBR = {"health": "卫", "market": "市监", "civil": "民"}


class SanctionMaker:
    """Sanction rows with decision numbers such as 烟卫罚〔2025〕12号."""

    def __init__(self, rng: random.Random, take_id, regulators: dict[str, int]):
        self.rng, self.take_id, self.regulators = rng, take_id, regulators
        self._serials: dict[tuple[str, int], int] = {}

    def rows_for(self, plans: list[OrgPlan]) -> list[dict]:
        """Every planned sanction of ``plans``."""
        rows: list[dict] = []
        for plan in plans:
            if plan.fate == "suspension":
                rows.extend(self._suspension(plan))
            elif plan.fate == "exit":
                rows.extend(self._exit(plan))
            elif plan.fate is not None:
                rows.append(self._mild(plan, SanctionType(plan.fate), plan.fate_on))
        return rows

    def _suspension(self, plan: OrgPlan) -> list[dict]:
        rows = []
        if self.rng.random() < 0.5:
            earlier = max(plan.fate_on - timedelta(days=self.rng.randint(90, 240)),
                          plan.approved.date() + timedelta(days=10))
            rows.append(self._mild(plan, SanctionType.RECTIFICATION, earlier))
        rows.append(self._row(plan, SanctionType.SUSPENSION, plan.fate_on, plan.fate_until,
                              add_years(plan.fate_until, 2), SanctionState.IN_FORCE))
        return rows

    def _exit(self, plan: OrgPlan) -> list[dict]:
        disclosure = add_years(plan.fate_on, 3)
        rows = [self._row(plan, SanctionType.EXIT, plan.fate_on, None, disclosure,
                          SanctionState.IN_FORCE)]
        if plan.named.authority == "91" and self.rng.random() < 0.4:
            rows.append(self._row(plan, SanctionType.LICENCE_REVOCATION_REFERRAL, plan.fate_on,
                                  None, disclosure, SanctionState.IN_FORCE))
        return rows

    def _mild(self, plan: OrgPlan, kind: SanctionType, starts: date) -> dict:
        """A warning, criticism, rectification order or abnormal listing."""
        rng = self.rng
        if kind in (SanctionType.WARNING, SanctionType.CIRCULATED_CRITICISM):
            months = 12 if kind is SanctionType.WARNING else 6
            return self._row(plan, kind, starts, starts, starts + timedelta(days=months * 30),
                             SanctionState.ENDED)
        if kind is SanctionType.RECTIFICATION:
            ends = starts + timedelta(days=rng.randint(30, 90))
            state = SanctionState.ENDED if ends < REFERENCE_DATE else SanctionState.IN_FORCE
            return self._row(plan, kind, starts, ends, ends + timedelta(days=180), state)
        if starts < REFERENCE_DATE - timedelta(days=200):  # listed, then repaired its credit
            ends = starts + timedelta(days=rng.randint(120, 200))
            return self._row(plan, kind, starts, ends, add_years(starts, 2), SanctionState.LIFTED)
        return self._row(plan, kind, starts, None, add_years(starts, 2), SanctionState.IN_FORCE)

    def _row(self, plan: OrgPlan, kind: SanctionType, starts: date, ends: date | None,
             disclosure: date, state: SanctionState) -> dict:
        finding = self.rng.choice(FINDINGS[kind])
        department, basis = finding.department, finding.basis
        if plan.org_type == "social_work_org" and department == "health":
            department = "civil"  # social-work organisations answer to civil affairs
            if kind is SanctionType.ABNORMAL_LIST:
                basis = CIVIL_AFFAIRS_BASIS
        county = plan.county
        decided = local_time(self.rng, starts)
        # Lifted = credit repaired (信用修复): the repair also ended the public disclosure.
        lifted = local_time(self.rng, ends) if state is SanctionState.LIFTED and ends else None
        return {
            "id": self.take_id("sanctions"),
            "organisation_id": plan.id,
            "practitioner_id": None,
            "sanction_type": kind,
            "facts": finding.facts,
            "legal_basis": basis,
            "decision_number": self._number(county, department, kind, starts.year),
            "decision_date": starts,
            "deciding_body": deciding_body(county, department),
            "decided_by_id": self.regulators[plan.city.code],
            "recommendation_id": None,
            "complaint_id": None,
            "region_code": county.code,
            "starts_on": starts,
            "ends_on": ends,
            "disclosure_until": disclosure,
            "disclosure_withdrawn_at": lifted,
            "disclosure_ended_at": lifted or (local_midnight(disclosure + timedelta(days=1))
                                             if disclosure < REFERENCE_DATE else None),
            "state": state,
            "lifted_at": lifted,
            "created_at": decided,
            "updated_at": decided,
        }

    def _number(self, county: CountyProfile, department: str, kind: SanctionType,
                year: int) -> str:
        prefix = f"{county.decision_abbr}{DEPARTMENT_ABBR[department]}{DOCUMENT_KINDS[kind]}"
        key = (prefix, year)
        serial = self._serials.get(key, self.rng.randint(0, 20)) + self.rng.randint(1, 6)
        self._serials[key] = serial
        return f"{prefix}〔{year}〕{serial}号"


def deciding_body(county: CountyProfile, department: str) -> str:
    """The department of the city (for districts) or of the county that decides."""
    if department == "health":
        return county.health_body
    if department == "civil":
        return county.civil_affairs_body
    place = county.city.name if county.is_district else county.name
    return f"{place}市场监督管理局"
