"""Demo complaints (投诉) in every state: received, under review, referred to the city's
association, returned with the association's findings, resolved and dismissed.

About one complaint per twenty public organisations (at least one per state), some about a
practitioner. Dates lie before ``REFERENCE_DATE``; tracking numbers come from the phase's
random stream, so they are deterministic; the complainants' names and contacts are encrypted
with the PII key (the ciphertexts differ between runs, as encrypted ID numbers do).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from registry.complaints.models import ComplaintStatus
from registry.complaints.services import (
    REFERENCE_ALPHABET,
    REFERENCE_PREFIX,
    REFERENCE_RANDOM,
    encrypt_private,
)
from registry.demo.accounts import DemoStaff
from registry.demo.clock import CHINA, REFERENCE_DATE, local_time
from registry.demo.organisations import OrgPlan
from registry.orgs.models import OrganisationStatus

ORGS_PER_COMPLAINT = 20
# Filed at least this many days before REFERENCE_DATE: three handling steps of up to five
# days each still end before it.
LATEST_FILING_DAYS = 20
# (state, referred to the association, findings reported): the scenarios, cycled through.
SCENARIOS = (
    (ComplaintStatus.RECEIVED, False, False),
    (ComplaintStatus.IN_PROGRESS, False, False),
    (ComplaintStatus.REFERRED, True, False),
    (ComplaintStatus.IN_PROGRESS, True, True),
    (ComplaintStatus.RESOLVED, True, True),
    (ComplaintStatus.DISMISSED, False, False),
)
PRACTITIONER_SHARE = 0.25
CONTACT_SHARE = 0.6


@dataclass(frozen=True)
class Story:
    """What a complaint of one category says, and how it may end."""

    category: str
    summary: str
    details: str
    findings: str
    resolved: str
    dismissed: str


STORIES = (
    Story("fees", "咨询结束后被要求额外支付测评费（演示数据）",
          "预约时告知每次咨询 300 元，第一次咨询结束后被要求另付 500 元“心理测评费”，"
          "事先没有任何说明，也没有看到公示的收费标准。（演示数据）",
          "经现场核查，机构未在服务场所公示收费标准，测评费未事先告知来访者。",
          "已责令机构退还测评费并在服务场所显著位置公示收费标准。",
          "经核实，机构在预约时已书面告知测评费用，投诉人签字确认，投诉不成立。"),
    Story("privacy_breach", "咨询内容被咨询师在朋友圈提及（演示数据）",
          "咨询师在朋友圈发布的“案例分享”中提到了我的工作单位和家庭情况，"
          "熟人可以认出是我。（演示数据）",
          "咨询师承认发布了可识别来访者身份的案例内容，已删除。",
          "已对机构负责人进行约谈，责令开展职业伦理培训，并对咨询师作出书面警告。",
          "经核查，所涉内容未包含可识别身份的信息，投诉不成立。"),
    Story("unqualified_practice", "接待的咨询师没有相应资格（演示数据）",
          "为孩子预约青少年心理咨询，接待的老师自称是“心理专家”，但无法出示任何资格证书，"
          "还建议孩子停止服用医生开的药。（演示数据）",
          "该人员未取得心理咨询相关资格，系机构新聘行政人员临时接待。",
          "已责令机构停止安排无资质人员提供服务，相关情况纳入年度评估。",
          "经核查，接待人员持有有效的二级心理咨询师证书，建议停药一事查无实据。"),
    Story("false_advertising", "宣传“三次咨询治愈抑郁症”（演示数据）",
          "机构在短视频平台宣传“三次咨询告别抑郁”“不吃药治愈焦虑”，"
          "我按宣传购买了套餐，但没有任何效果。（演示数据）",
          "机构确在网络平台发布含有保证疗效内容的宣传。",
          "已责令机构删除相关宣传内容，并移送市场监督管理部门依法处理。",
          "所涉宣传系他人冒用机构名义发布，机构已报警并发表声明，不予支持。"),
    Story("service_quality", "咨询过程中咨询师多次接听私人电话（演示数据）",
          "五十分钟的咨询中，咨询师接听私人电话三次，还让我在走廊等候，"
          "提出意见后态度很差。（演示数据）",
          "机构承认咨询师在服务过程中接听私人电话，服务不规范。",
          "机构已向投诉人致歉并退还当次费用，对咨询师进行了批评教育。",
          "经调阅预约记录并询问双方，投诉所述情况无法核实，不予支持。"),
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
MOBILE_PREFIXES = ("139", "138", "137", "136", "135", "158", "159", "188", "186", "177")


@dataclass(frozen=True)
class Subject:
    """The organisation complained about, and the practitioners currently working there."""

    plan: OrgPlan
    practitioner_ids: tuple[int, ...]


class ComplaintMaker:
    """Complaint rows, their states cycled through ``SCENARIOS``."""

    def __init__(self, rng: random.Random, take_id, staff: DemoStaff):
        self.rng, self.take_id, self.staff = rng, take_id, staff
        self._references: set[str] = set()

    @staticmethod
    def candidates(plans: list[OrgPlan]) -> list[OrgPlan]:
        """Organisations the public sees and may complain about (active or suspended), approved
        long enough before ``REFERENCE_DATE`` for a complaint to have been handled."""
        settled = REFERENCE_DATE - timedelta(days=LATEST_FILING_DAYS + 10)
        return [plan for plan in plans
                if plan.status in (OrganisationStatus.ACTIVE, OrganisationStatus.SUSPENDED)
                and plan.approved is not None and plan.approved.date() <= settled]

    def pick(self, candidates: list[OrgPlan]) -> list[OrgPlan]:
        """The organisations complained about: one complaint per ``ORGS_PER_COMPLAINT``
        candidates, at least one per scenario (an organisation may be picked twice)."""
        if not candidates:
            return []
        wanted = max(len(SCENARIOS), len(candidates) // ORGS_PER_COMPLAINT)
        return [self.rng.choice(candidates) for _ in range(wanted)]

    def rows_for(self, subjects: list[Subject]) -> list[dict]:
        """A complaint per subject (from ``pick``), the states cycled through ``SCENARIOS``."""
        return [self._row(subject, SCENARIOS[index % len(SCENARIOS)])
                for index, subject in enumerate(subjects)]

    def _row(self, subject: Subject, scenario: tuple) -> dict:
        rng, plan = self.rng, subject.plan
        status, referred, reported = scenario
        story = rng.choice(STORIES)
        latest = REFERENCE_DATE - timedelta(days=LATEST_FILING_DAYS)
        filed_on = max(latest - timedelta(days=rng.randint(0, 130)),
                       plan.approved.date() + timedelta(days=5))
        filed = local_time(rng, min(filed_on, latest))
        city = plan.city.code
        practitioner = (rng.choice(subject.practitioner_ids)
                        if subject.practitioner_ids and rng.random() < PRACTITIONER_SHARE else None)
        name, contact = self._complainant()
        steps = _Steps(rng, filed)
        handled = status is not ComplaintStatus.RECEIVED
        referred_at = steps.next() if referred else None
        findings_at = steps.next() if reported else None
        closed = status in (ComplaintStatus.RESOLVED, ComplaintStatus.DISMISSED)
        closed_at = steps.next() if closed else None
        resolution = None
        if closed:
            resolution = story.resolved if status is ComplaintStatus.RESOLVED else story.dismissed
        return {
            "id": self.take_id("complaints"), "reference": self._reference(filed),
            "organisation_id": None if practitioner else plan.id,
            "practitioner_id": practitioner, "region_code": plan.county.code,
            "category": story.category, "summary": story.summary, "details": story.details,
            "complainant_name": encrypt_private(name), "complainant_contact": encrypt_private(contact),
            "status": status,
            "handled_by_id": self.staff.regulators[city] if handled else None,
            "association_id": self.staff.associations[city] if referred else None,
            "referred_at": referred_at,
            "findings": story.findings if reported else None, "findings_at": findings_at,
            "resolution": resolution, "closed_at": closed_at,
            "created_at": filed, "updated_at": steps.last,
        }

    def _complainant(self) -> tuple[Optional[str], Optional[str]]:
        rng = self.rng
        if rng.random() >= CONTACT_SHARE:
            return None, None
        name = rng.choice(SURNAMES) + rng.choice(("女士", "先生"))
        digits = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"
        return name, f"{digits[:3]} {digits[3:7]} {digits[7:]}"

    def _reference(self, filed: datetime) -> str:
        while True:
            tail = "".join(self.rng.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_RANDOM))
            reference = f"{REFERENCE_PREFIX}{filed.astimezone(CHINA):%Y%m%d}{tail}"
            if reference not in self._references:
                self._references.add(reference)
                return reference


class _Steps:
    """Later moments of one complaint's handling, a few days apart, in order."""

    def __init__(self, rng: random.Random, start: datetime):
        self.rng, self.last = rng, start

    def next(self) -> datetime:
        """A moment one to five days after the previous one."""
        self.last = self.last + timedelta(days=self.rng.randint(1, 5),
                                          minutes=self.rng.randint(0, 300))
        return self.last
