"""Demo organisations: who they are (type, name, place), their lifecycle and their rows."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, Optional

from pypinyin import Style, lazy_pinyin

from registry import vocabulary
from registry.demo.clock import REFERENCE_DATE, days_between, local_midnight, local_time
from registry.demo.identifiers import make_uscc
from registry.demo.orgnames import NamedOrg, OrgNamer
from registry.demo.places import BUILDINGS, CityProfile, CountyProfile
from registry.demo.profiles import PROFILES, TypeProfile
from registry.orgs.models import OrganisationStatus

# Share of each type among generated organisations (capped types fall back to counselling).
TYPE_WEIGHTS: dict[str, float] = {
    "social_counselling": 30, "community_room": 17, "school_room": 15, "primary_care_room": 9,
    "workplace_room": 7, "social_work_org": 7, "hospital_psych_dept": 5, "community_rehab": 4,
    "mental_health_specialist": 2, "hotline": 2, "university_centre": 2,
}

# Shares of the non-active statuses; at least one of each once there are 20 organisations.
STATUS_SHARES: dict[OrganisationStatus, float] = {
    OrganisationStatus.DRAFT: 0.03, OrganisationStatus.SUBMITTED: 0.04,
    OrganisationStatus.REJECTED: 0.025, OrganisationStatus.SUSPENDED: 0.015,
    OrganisationStatus.EXITED: 0.025,
}
MILD_SANCTION_SHARE = 0.03
MILD_SANCTIONS = ("warning", "warning", "rectification", "rectification", "circulated_criticism",
                  "abnormal_list")
# Statuses that only organisations with invented names receive.
NEGATIVE_STATUSES = (OrganisationStatus.REJECTED, OrganisationStatus.SUSPENDED,
                     OrganisationStatus.EXITED)

REJECTION_REASONS = (
    "营业执照经营范围未包含心理咨询服务，请补充相关材料后重新提交。",
    "未上传从业人员资质证书扫描件，无法核验人员资质。",
    "服务场所地址与营业执照登记地址不一致，请说明情况或更正。",
    "收费标准填写不完整，请按服务项目分别列明收费标准。",
    "法定代表人信息与营业执照不一致，请核对后重新提交。",
)

REGISTRATION_START = date(2021, 1, 4)
LATEST_APPROVAL = date(2026, 4, 30)


@dataclass
class OrgPlan:
    """Everything later phases need to know about one generated organisation."""

    id: int
    org_type: str
    named: NamedOrg
    quality: float
    status: OrganisationStatus = OrganisationStatus.ACTIVE
    fate: Optional[str] = None  # a sanction planned for it: suspension, exit, warning …
    fate_on: Optional[date] = None
    fate_until: Optional[date] = None
    created: Optional[datetime] = None
    submitted: Optional[datetime] = None
    approved: Optional[datetime] = None
    updated: Optional[datetime] = None

    @property
    def county(self) -> CountyProfile:
        return self.named.county

    @property
    def city(self) -> CityProfile:
        return self.named.county.city

    @property
    def fictional(self) -> bool:
        return self.named.fictional

    @property
    def exited_on(self) -> Optional[date]:
        """The exit decision's date, for exited organisations."""
        return self.fate_on if self.fate == "exit" else None

    @property
    def registered(self) -> bool:
        """Approved once (active, suspended or exited)."""
        return self.approved is not None


def plan_organisations(rng: random.Random, cities: list[CityProfile], count: int,
                       take_id: Callable[[str], int],
                       advance: Callable[[int], None] = lambda steps: None) -> list[OrgPlan]:
    """Types, names, places and lifecycles of ``count`` organisations (``advance`` is called
    with the number planned so far, in steps of a thousand)."""
    counties = [county for city in cities for county in city.counties]
    weights = [county.weight for county in counties]
    types, type_weights = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    namer = OrgNamer()
    plans = []
    for _ in range(count):
        county = rng.choices(counties, weights=weights)[0]
        org_type = rng.choices(types, weights=type_weights)[0]
        named = namer.make(rng, org_type, county)
        if named is None:
            org_type = "social_counselling"
            named = namer.make(rng, org_type, county) or namer.make_branch(rng, county)
        quality = _quality(rng, named.fictional)
        plans.append(OrgPlan(take_id("organisations"), org_type, named, quality))
        if len(plans) % 1000 == 0:
            advance(1000)
    advance(len(plans) % 1000)
    assign_statuses(rng, plans)
    for plan in plans:
        _plan_dates(rng, plan)
    return plans


def _quality(rng: random.Random, fictional: bool) -> float:
    """A latent quality in [0.45, 0.98] that drives evaluation scores."""
    value = rng.gauss(0.83, 0.07)
    return min(0.98, max(0.72 if not fictional else 0.45, value))


def assign_statuses(rng: random.Random, plans: list[OrgPlan]) -> None:
    """Mostly active; fixed shares of the other statuses, negative ones only for fictional
    organisations; a few active ones get a mild sanction."""
    order = list(range(len(plans)))
    rng.shuffle(order)
    taken: set[int] = set()
    for status, share in STATUS_SHARES.items():
        wanted = _quota(len(plans), share)
        eligible = [i for i in order if i not in taken
                    and (plans[i].fictional or status not in NEGATIVE_STATUSES)]
        for i in eligible[:wanted]:
            plans[i].status = status
            taken.add(i)
    mild = [i for i in order if i not in taken and plans[i].fictional]
    for i in mild[:_quota(len(plans), MILD_SANCTION_SHARE)]:
        plans[i].fate = rng.choice(MILD_SANCTIONS)
    for plan in plans:
        if plan.status is OrganisationStatus.SUSPENDED:
            plan.fate = "suspension"
        elif plan.status is OrganisationStatus.EXITED:
            plan.fate = "exit"
        if plan.fate in ("suspension", "exit"):
            plan.quality = min(plan.quality, rng.uniform(0.5, 0.62))
        elif plan.fate is not None:
            plan.quality = min(plan.quality, rng.uniform(0.62, 0.78))


def _quota(total: int, share: float) -> int:
    wanted = round(total * share)
    return max(wanted, 1) if total >= 20 else wanted


def _plan_dates(rng: random.Random, plan: OrgPlan) -> None:
    """Creation, submission, approval and sanction dates consistent with the status."""
    ref = REFERENCE_DATE
    if plan.fate == "suspension":
        plan.fate_on = days_between(rng, ref - timedelta(days=180), ref - timedelta(days=10))
        plan.fate_until = plan.fate_on + timedelta(days=rng.randint(200, 420))
    elif plan.fate == "exit":
        plan.fate_on = days_between(rng, date(2025, 1, 6), ref - timedelta(days=10))
    elif plan.fate is not None:
        plan.fate_on = days_between(rng, date(2023, 3, 1), ref - timedelta(days=5))
    if plan.status in (OrganisationStatus.DRAFT, OrganisationStatus.SUBMITTED,
                       OrganisationStatus.REJECTED):
        _plan_unregistered(rng, plan)
        return
    latest = LATEST_APPROVAL if plan.fate_on is None else plan.fate_on - timedelta(days=150)
    approved_on = days_between(rng, REGISTRATION_START, max(latest, REGISTRATION_START))
    plan.approved = local_time(rng, approved_on)
    plan.submitted = local_time(rng, approved_on - timedelta(days=rng.randint(3, 20)))
    plan.created = local_time(rng, plan.submitted.date() - timedelta(days=rng.randint(1, 30)))
    plan.updated = plan.approved
    if plan.fate in ("suspension", "exit"):
        plan.updated = local_time(rng, plan.fate_on)


def _plan_unregistered(rng: random.Random, plan: OrgPlan) -> None:
    ref = REFERENCE_DATE
    if plan.status is OrganisationStatus.DRAFT:
        plan.created = local_time(rng, days_between(rng, ref - timedelta(days=150), ref))
        plan.updated = plan.created + timedelta(days=rng.randint(0, 20))
        return
    submitted_on = days_between(rng, ref - timedelta(days=60), ref - timedelta(days=1))
    plan.submitted = local_time(rng, submitted_on)
    plan.created = local_time(rng, submitted_on - timedelta(days=rng.randint(1, 40)))
    plan.updated = plan.submitted
    if plan.status is OrganisationStatus.REJECTED:
        plan.updated = plan.submitted + timedelta(days=rng.randint(2, 15))


class OrgRowMaker:
    """Turns plans into ``organisations`` rows (contact details, services, fees …)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self._salts = {authority: rng.randrange(31 ** 6)
                       for authority in ("91", "92", "52", "12", "11")}
        self._sites: set[str] = set()

    def row(self, plan: OrgPlan) -> dict:
        """One row for ``sa.insert(Organisation)``."""
        rng, named, profile = self.rng, plan.named, PROFILES[plan.org_type]
        county = named.county
        rejected = plan.status is OrganisationStatus.REJECTED
        mobile_share = 0.25 if named.fictional else 0.0
        benefit = profile.public or rng.random() < 0.45
        return {
            "id": plan.id,
            "name": named.name,
            "uscc": make_uscc(named.authority, county.code, plan.id, self._salts[named.authority]),
            "org_type": plan.org_type,
            "legal_representative": county.city.names.full_name(rng, rng.random() < 0.45),
            "address": self._address(plan),
            "region_code": county.code,
            "phone": county.phone(rng, mobile_share),
            "website": self._website(plan, profile.website_share),
            "opening_hours": rng.choice(profile.hours),
            "fees": profile.fees(rng, county),
            "offers_public_benefit": benefit,
            "public_benefit_note": self._benefit_note(profile) if benefit else None,
            "description": rng.choice(profile.descriptions) + "（演示数据）",
            "services": _codes(rng, vocabulary.SERVICES, profile.services, profile.more_services),
            "populations": _codes(rng, vocabulary.POPULATIONS, self._populations(plan, profile),
                                  profile.more_populations),
            "modalities": _codes(rng, vocabulary.MODALITIES, profile.modalities,
                                 profile.more_modalities),
            "languages": self._languages(plan),
            "status": plan.status,
            "rejection_reason": rng.choice(REJECTION_REASONS) if rejected else None,
            "submitted_at": plan.submitted,
            "approved_at": plan.approved,
            "suspended_until": (local_midnight(plan.fate_until)
                                if plan.status is OrganisationStatus.SUSPENDED else None),
            "exited_at": (local_time(rng, plan.fate_on)
                          if plan.status is OrganisationStatus.EXITED else None),
            "created_at": plan.created,
            "updated_at": plan.updated,
        }

    def _address(self, plan: OrgPlan) -> str:
        rng, named = self.rng, plan.named
        county = named.county
        town = named.town or rng.choice(county.towns)
        if named.community and named.community.endswith("村"):
            return county.full_address(town, f"{named.community}村民委员会")
        road, number = named.road or rng.choice(county.roads), rng.randint(1, 399)
        extra = ""
        if plan.org_type in ("social_counselling", "social_work_org") and rng.random() < 0.6:
            floor = rng.randint(2, 22)
            extra = f"{rng.choice(BUILDINGS)} {floor} 楼 {floor}{rng.randint(1, 20):02d} 室"
        elif plan.org_type == "community_room":
            centre = f"{named.community}党群服务中心" if named.community else "社区服务中心"
            extra = f"（{centre} {rng.randint(1, 3)} 楼）"
        return county.full_address(town, f"{road} {number} 号", extra)

    def _website(self, plan: OrgPlan, share: float) -> Optional[str]:
        if self.rng.random() >= share:
            return None
        named = plan.named
        if named.brand:
            slug = "".join(lazy_pinyin(named.brand)) + "-" + _initials(named.county.city.short)
        else:
            slug = _initials(named.host or named.name)
        candidate, n = slug, 1
        while candidate in self._sites:
            n += 1
            candidate = f"{slug}{n}"
        self._sites.add(candidate)
        return f"https://{candidate}.example.cn"

    def _benefit_note(self, profile: TypeProfile) -> Optional[str]:
        return self.rng.choice(profile.benefit_notes) if profile.benefit_notes else None

    def _populations(self, plan: OrgPlan, profile: TypeProfile) -> tuple[str, ...]:
        if plan.org_type == "school_room":
            return ("children",) if "小学" in plan.named.name else ("adolescents",)
        if plan.org_type == "hospital_psych_dept" and "妇幼" in plan.named.name:
            return ("children", "women")
        return profile.populations

    def _languages(self, plan: OrgPlan) -> list[str]:
        rng, county = self.rng, plan.named.county
        languages = ["zh"]
        if plan.org_type in ("community_room", "primary_care_room", "community_rehab", "hotline") \
                and rng.random() < 0.3:
            languages.append("local_dialect")
        if plan.org_type == "university_centre" and rng.random() < 0.5 or \
                plan.org_type == "social_counselling" and rng.random() < 0.05:
            languages.append("en")
        if rng.random() < 0.03:
            languages.append("sign")
        if "羌族" in county.name or county.code == "510727":
            if rng.random() < 0.3:
                languages.append("minority")
        return languages


def _initials(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()


def _codes(rng: random.Random, vocab, core: tuple[str, ...], more: tuple[str, ...]) -> list[str]:
    """Core codes plus a random selection of the others, in the vocabulary's order."""
    chosen = set(core)
    if more:
        chosen.update(rng.sample(more, rng.randint(0, min(3, len(more)))))
    return [code for code in vocab.codes if code in chosen]
