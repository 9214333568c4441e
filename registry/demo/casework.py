"""Demo casework around the sanctions: the associations' recommendations (pending, accepted by
a sanction, declined), appeals and credit-repair requests (pending, accepted, rejected), and
the referrals of 提请吊销营业执照 decisions to the market regulator.

Runs after ``SanctionMaker`` made the sanction rows and before they are written: an accepted
recommendation's id goes into its sanction's ``recommendation_id``.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from registry.demo.clock import REFERENCE_DATE, local_time
from registry.demo.organisations import OrgPlan
from registry.orgs.models import OrganisationStatus
from registry.sanctions.models import (
    AppealKind,
    AppealStatus,
    RecommendationStatus,
    ReferralOutcome,
    SanctionState,
    SanctionType,
)

PENDING_FACTS = (
    ("warning", "评估中发现未按规定公示收费标准，且咨询协议未载明退费规则。"),
    ("rectification", "评估中发现个案记录保管不规范，存在纸质档案未加锁存放的情况。"),
    ("circulated_criticism", "机构公众号发布“七天走出抑郁”等夸大疗效的宣传内容。"),
)
DECLINE_REASONS = (
    "经核查，机构已在评估后一周内完成整改，暂不作出惩戒决定。",
    "现有证据不足以认定违规事实，请协会补充来访者陈述等材料后再提出。",
)
APPEAL_STATEMENTS = {
    AppealKind.APPEAL: "机构对认定事实有异议：相关建议系来访者转述有误，咨询记录可以证明。",
    AppealKind.CREDIT_REPAIR: "机构已按要求完成整改并报送整改报告，申请提前结束公示。",
}
REPAIR_EVIDENCE = "整改报告、整改后现场照片及年度服务情况报告。"


@dataclass
class Casework:
    """The rows to write, in foreign-key order: recommendations before sanctions."""

    recommendations: list[dict] = field(default_factory=list)
    appeals: list[dict] = field(default_factory=list)
    referrals: list[dict] = field(default_factory=list)


class CaseworkMaker:
    """Recommendations, appeals and referrals consistent with the sanction rows."""

    def __init__(self, rng: random.Random, take_id, staff, associations: dict[str, int]):
        self.rng, self.take_id = rng, take_id
        self.regulators, self.assessors = staff.regulators, staff.assessors
        self.associations = associations

    def rows_for(self, plans: list[OrgPlan], sanctions: list[dict]) -> Casework:
        """Casework for ``plans`` and their ``sanctions`` (whose rows it may amend)."""
        work = Casework()
        by_id = {plan.id: plan for plan in plans}
        for row in sanctions:
            plan = by_id[row["organisation_id"]]
            if row["sanction_type"] in (SanctionType.SUSPENSION, SanctionType.EXIT) \
                    and self.rng.random() < 0.6:
                self._accepted(work, plan, row)
            if row["sanction_type"] is SanctionType.LICENCE_REVOCATION_REFERRAL:
                work.referrals.append(self._referral(row))
            appeal = self._appeal(plan, row)
            if appeal is not None:
                work.appeals.append(appeal)
        self._undecided(work, plans)
        return work

    def _recommendation(self, plan: OrgPlan, kind: SanctionType, facts: str, filed: date,
                        status: RecommendationStatus) -> dict:
        city = plan.city.code
        when = local_time(self.rng, filed)
        return {"id": self.take_id("sanction_recommendations"),
                "association_id": self.associations[city], "filed_by_id": self.assessors[city],
                "organisation_id": plan.id, "practitioner_id": None,
                "region_code": plan.county.code, "proposed_type": kind, "facts": facts,
                "evidence": "评估现场记录及来访者书面陈述（演示数据）。", "complaint_id": None,
                "evaluation_id": None, "status": status, "decided_by_id": None,
                "decided_at": None, "decision_reason": None,
                "created_at": when, "updated_at": when}

    def _accepted(self, work: Casework, plan: OrgPlan, sanction: dict) -> None:
        filed = sanction["decision_date"] - timedelta(days=self.rng.randint(10, 40))
        row = self._recommendation(plan, sanction["sanction_type"], sanction["facts"], filed,
                                   RecommendationStatus.ACCEPTED)
        row["decided_by_id"] = sanction["decided_by_id"]
        row["decided_at"] = sanction["created_at"]
        work.recommendations.append(row)
        sanction["recommendation_id"] = row["id"]

    def _undecided(self, work: Casework, plans: list[OrgPlan]) -> None:
        """Per city at least one pending and one declined recommendation."""
        seen: dict[tuple[str, str], int] = {}
        for plan in plans:
            if plan.status is not OrganisationStatus.ACTIVE or plan.fate is not None:
                continue
            for state, share in (("pending", 0.01), ("declined", 0.005)):
                key = (plan.city.code, state)
                if seen.get(key) and self.rng.random() >= share:
                    continue
                seen[key] = seen.get(key, 0) + 1
                kind, facts = self.rng.choice(PENDING_FACTS)
                filed = REFERENCE_DATE - timedelta(days=self.rng.randint(3, 45))
                status = (RecommendationStatus.PENDING if state == "pending"
                          else RecommendationStatus.DECLINED)
                row = self._recommendation(plan, SanctionType(kind), facts, filed, status)
                if state == "declined":
                    row["decided_by_id"] = self.regulators[plan.city.code]
                    row["decided_at"] = local_time(self.rng, filed + timedelta(days=7))
                    row["decision_reason"] = self.rng.choice(DECLINE_REASONS)
                work.recommendations.append(row)
                break

    def _appeal(self, plan: OrgPlan, sanction: dict) -> dict | None:
        """A repair that lifted a listing; a rejected or pending appeal of a suspension."""
        kind, state = sanction["sanction_type"], sanction["state"]
        if state is SanctionState.LIFTED:
            filed = sanction["lifted_at"].date() - timedelta(days=self.rng.randint(10, 30))
            return self._appeal_row(sanction, AppealKind.CREDIT_REPAIR, filed,
                                    AppealStatus.ACCEPTED, sanction["lifted_at"],
                                    "整改到位，已履行报送义务，同意移出异常名录并提前结束公示。")
        if kind is not SanctionType.SUSPENSION or self.rng.random() >= 0.5:
            return None
        filed = sanction["decision_date"] + timedelta(days=self.rng.randint(5, 25))
        if filed > REFERENCE_DATE - timedelta(days=20):
            return self._appeal_row(sanction, AppealKind.APPEAL, min(filed, REFERENCE_DATE),
                                    AppealStatus.PENDING)
        decided = local_time(self.rng, filed + timedelta(days=self.rng.randint(10, 20)))
        return self._appeal_row(sanction, AppealKind.APPEAL, filed, AppealStatus.REJECTED,
                                decided, "经复核，原认定事实清楚、证据充分，维持原决定。")

    def _appeal_row(self, sanction: dict, kind: AppealKind, filed: date, status: AppealStatus,
                    decided=None, reason: str | None = None) -> dict:
        when = local_time(self.rng, filed)
        return {"id": self.take_id("sanction_appeals"), "sanction_id": sanction["id"],
                "kind": kind, "statement": APPEAL_STATEMENTS[kind],
                "evidence": REPAIR_EVIDENCE if kind is AppealKind.CREDIT_REPAIR else None,
                "filed_by_id": None, "status": status,
                "decided_by_id": sanction["decided_by_id"] if decided else None,
                "decided_at": decided, "decision_reason": reason,
                "created_at": when, "updated_at": decided or when}

    def _referral(self, sanction: dict) -> dict:
        referred = sanction["starts_on"]
        decided = referred < REFERENCE_DATE - timedelta(days=90)
        body = sanction["deciding_body"].replace("卫生健康委员会", "市场监督管理局") \
            .replace("卫生健康局", "市场监督管理局").replace("民政局", "市场监督管理局")
        when = sanction["created_at"]
        return {"id": self.take_id("licence_referrals"), "sanction_id": sanction["id"],
                "referred_to": body, "referred_on": referred,
                "reference_number": sanction["decision_number"],
                "outcome": ReferralOutcome.REVOKED if decided else ReferralOutcome.PENDING,
                "outcome_on": referred + timedelta(days=60) if decided else None,
                "outcome_note": "已依法吊销营业执照。" if decided else None,
                "recorded_by_id": sanction["decided_by_id"],
                "created_at": when, "updated_at": when}
