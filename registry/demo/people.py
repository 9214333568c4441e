"""Demo practitioners with their affiliations and qualifications.

ID numbers are generated here and passed straight to ``protect_id_number``: only the
digest and the encrypted token reach the database, and the number is never printed.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Optional

from registry.demo.certificates import ISSUE_YEARS, VALID_YEARS, CertificateMaker
from registry.demo.clock import REFERENCE_DATE, add_years, day_in_year, days_between, local_time
from registry.demo.identifiers import BirthPlaces, make_id_number
from registry.demo.organisations import OrgPlan
from registry.demo.profiles import PROFILES
from registry.practitioners.identity import protect_id_number
from registry.practitioners.models import AffiliationRole, Gender, VerificationState

SPECIALTY_LABELS = {
    "anxiety_depression": "焦虑与抑郁", "family_marriage": "婚姻家庭", "child_adolescent": "儿童青少年",
    "trauma": "创伤与哀伤", "crisis": "危机干预", "workplace": "职场压力", "sleep": "睡眠问题",
    "addiction": "成瘾行为", "elderly": "老年心理", "severe_mental_illness": "严重精神障碍康复",
}
FIELDS = {
    "mental_health_specialist": "精神卫生", "hospital_psych_dept": "精神心理临床",
    "primary_care_room": "基层心理健康服务", "school_room": "中小学心理健康教育",
    "university_centre": "高校心理健康教育", "community_room": "社区心理服务",
    "social_work_org": "社会工作", "community_rehab": "精神障碍社区康复", "hotline": "心理援助热线",
    "workplace_room": "员工心理援助",
}
REJECTION_REASONS = ("证书编号与发证机关记录不符。", "上传的证书扫描件不清晰，无法核验。",
                     "证书持有人姓名与登记信息不一致。")
REVOCATION_REASONS = ("发证机关已撤销该证书。", "经发证机关核查，证书信息不实，已撤销。")
MIN_AGE = {"psychiatrist": 25, "counsellor_l2": 27}
SECOND_AFFILIATION_SHARE = 0.05
VOLUNTEER_TYPES = ("community_room", "hotline", "social_work_org")


@dataclass
class PeopleRows:
    """Rows for one chunk of organisations."""

    practitioners: list[dict] = field(default_factory=list)
    affiliations: list[dict] = field(default_factory=list)
    qualifications: list[dict] = field(default_factory=list)


@dataclass
class _Person:
    id: int
    plan: OrgPlan
    birth: date
    start: date
    role: AffiliationRole
    created: datetime


class PeopleMaker:
    """Generates practitioners organisation by organisation."""

    def __init__(self, rng: random.Random, take_id, regulators: dict[str, int]):
        self.rng = rng
        self.take_id = take_id  # table name → next id
        self.regulators = regulators  # city code → regulator account id
        self.places = BirthPlaces()
        self.certificates = CertificateMaker()
        self._issued: set[str] = set()  # the first 17 digits of every ID number handed out

    def rows_for(self, plans: list[OrgPlan]) -> PeopleRows:
        """Practitioners, affiliations and qualifications for ``plans``."""
        rows = PeopleRows()
        people: list[_Person] = []
        for plan in plans:
            low, high = PROFILES[plan.org_type].staff
            for position in range(self.rng.randint(low, high)):
                people.append(self._person(plan, position, rows))
        self._second_affiliations(people, plans, rows)
        return rows

    def _person(self, plan: OrgPlan, position: int, rows: PeopleRows) -> _Person:
        rng, profile, city = self.rng, PROFILES[plan.org_type], plan.city
        female = rng.random() < profile.female_share
        birth = day_in_year(rng, int(rng.triangular(1962, 2001, 1986)))
        person = _Person(self.take_id("practitioners"), plan, birth, date.min,
                         self._role(plan, position), self._created(plan))
        person.start = self._start(plan, birth, founder=position == 0)
        protected = protect_id_number(self._id_number(plan, birth, female))
        specialties = rng.sample(profile.specialties,
                                 rng.randint(1, min(3, len(profile.specialties))))
        rows.practitioners.append({
            "id": person.id,
            "name": city.names.full_name(rng, female),
            "gender": Gender.FEMALE if female else Gender.MALE,
            "id_number_digest": protected.digest,
            "id_number_encrypted": protected.encrypted,
            "specialties": specialties,
            "ce_hours": 0 if person.role is AffiliationRole.VOLUNTEER and rng.random() < 0.5
            else int(rng.triangular(0, 120, 30)),
            "bio": self._bio(plan, person, specialties),
            "created_at": person.created,
            "updated_at": person.created,
        })
        rows.affiliations.append(self._affiliation(person, plan, person.role, person.start))
        for kind in self._kinds(plan, person):
            rows.qualifications.append(self._qualification(person, kind))
        return person

    def _id_number(self, plan: OrgPlan, birth: date, female: bool) -> str:
        """A valid, not yet used ID number for someone working in the plan's county."""
        place = self.places.choose(self.rng, plan.county.code, plan.city.name, birth.year)
        while True:
            order = self.rng.randrange(500) * 2 + (0 if female else 1)
            number = make_id_number(place, birth, order)
            if number[:17] not in self._issued:
                self._issued.add(number[:17])
                return number

    def _role(self, plan: OrgPlan, position: int) -> AffiliationRole:
        if position == 0:
            return AffiliationRole.FULL_TIME
        roll = self.rng.random()
        volunteers = 0.25 if plan.org_type in VOLUNTEER_TYPES else 0.05
        if position == 1 and roll < 0.3:
            return AffiliationRole.SUPERVISOR
        if roll < volunteers:
            return AffiliationRole.VOLUNTEER
        return AffiliationRole.PART_TIME if roll < volunteers + 0.2 else AffiliationRole.FULL_TIME

    def _created(self, plan: OrgPlan) -> datetime:
        day = min(plan.created.date() + timedelta(days=self.rng.randint(0, 15)),
                  REFERENCE_DATE - timedelta(days=1))
        return local_time(self.rng, day)

    def _start(self, plan: OrgPlan, birth: date, founder: bool) -> date:
        """When the person started working there: before registration for the first."""
        anchor = plan.created.date()
        limit = (plan.exited_on or REFERENCE_DATE) - timedelta(days=30)
        earliest = max(add_years(birth, 22), date(2005, 1, 1))
        first = max(earliest, add_years(anchor, -6 if founder else -3))
        last = min(anchor if founder else add_years(anchor, 2), limit)
        return days_between(self.rng, min(first, last), last)

    def _affiliation(self, person: _Person, plan: OrgPlan, role: AffiliationRole,
                     start: date) -> dict:
        return {
            "id": self.take_id("affiliations"),
            "practitioner_id": person.id,
            "organisation_id": plan.id,
            "role": role,
            "start_date": start,
            "end_date": plan.exited_on,
        }

    def _bio(self, plan: OrgPlan, person: _Person, specialties: list[str]) -> str:
        years = max(1, min(REFERENCE_DATE.year - person.start.year + self.rng.randint(0, 6),
                           REFERENCE_DATE.year - person.birth.year - 22))
        field_name = FIELDS.get(plan.org_type, "心理咨询")
        labels = "、".join(SPECIALTY_LABELS[code] for code in specialties)
        return f"从事{field_name}工作 {years} 年，擅长{labels}相关问题。"

    def _kinds(self, plan: OrgPlan, person: _Person) -> list[str]:
        """Which qualifications the person holds (none for some volunteers)."""
        rng = self.rng
        roll = rng.random()
        if person.role is AffiliationRole.VOLUNTEER and roll < 0.4 or roll < 0.05:
            return []
        count = 2 if roll > 0.75 else 1
        mix = PROFILES[plan.org_type].qualifications
        kinds: list[str] = []
        while len(kinds) < count:
            kind = rng.choices([k for k, _ in mix], weights=[w for _, w in mix])[0]
            kind = self._feasible(kind, person.birth.year)
            if kind is None or kind in kinds:
                count -= 1
                continue
            kinds.append(kind)
        return kinds

    def _feasible(self, kind: str, birth_year: int) -> Optional[str]:
        """``kind``, or 职业技能等级证书 for someone too young for the old national certificate
        (or when the few 注册心理师 numbers are used up)."""
        if _issue_range(kind, birth_year) is not None and self.certificates.has_room(kind):
            return kind
        if kind in ("counsellor_l2", "counsellor_l3", "cps_registered"):
            return "counsellor_skill" if _issue_range("counsellor_skill", birth_year) else None
        return None

    def _qualification(self, person: _Person, kind: str) -> dict:
        rng, plan = self.rng, person.plan
        low, high = _issue_range(kind, person.birth.year)
        year = rng.randint(low, high)
        certificate = self.certificates.make(
            rng, kind, year, plan.county.code, plan.city.name, plan.city.province_name,
            plan.county.health_body)
        issued, expires = self._validity(kind, year)
        state, reason = self._state(plan, expires)
        checked = None
        if state is not VerificationState.UNVERIFIED:
            first = max(issued, person.created.date())
            last = max(first, REFERENCE_DATE - timedelta(days=1))
            checked = local_time(rng, days_between(rng, first, last))
        return {
            "id": self.take_id("qualifications"),
            "practitioner_id": person.id,
            "kind": kind,
            "certificate_number": certificate.number,
            "issuer": certificate.issuer,
            "issued_on": issued,
            "expires_on": expires,
            "state": state,
            "state_reason": reason,
            "verified_by_id": self.regulators[plan.city.code] if checked else None,
            "verified_at": checked,
            "created_at": person.created,
            "updated_at": checked or person.created,
        }

    def _validity(self, kind: str, first_year: int) -> tuple[date, Optional[date]]:
        """Issue date (the latest renewal for kinds that lapse) and expiry date."""
        valid = VALID_YEARS.get(kind)
        if valid is None:
            return day_in_year(self.rng, first_year), None
        renewal = first_year + (REFERENCE_DATE.year - 1 - first_year) // valid * valid
        issued = day_in_year(self.rng, renewal)
        if self.rng.random() < 0.05 and renewal - valid >= first_year:
            issued = add_years(issued, -valid)  # a registration the holder let lapse
        return issued, add_years(issued, valid) - timedelta(days=1)

    def _state(self, plan: OrgPlan, expires: Optional[date]):
        """Verification state and reason: mostly verified for registered organisations."""
        roll = self.rng.random()
        if not plan.registered:
            return (VerificationState.VERIFIED, None) if roll < 0.2 else \
                (VerificationState.UNVERIFIED, None)
        if roll < 0.86:
            if expires is not None and expires < REFERENCE_DATE:
                return VerificationState.EXPIRED, None
            return VerificationState.VERIFIED, None
        if roll < 0.95:
            return VerificationState.UNVERIFIED, None
        if roll < 0.995:
            return VerificationState.REJECTED, self.rng.choice(REJECTION_REASONS)
        return VerificationState.REVOKED, self.rng.choice(REVOCATION_REASONS)

    def _second_affiliations(self, people: list[_Person], plans: list[OrgPlan],
                             rows: PeopleRows) -> None:
        """Some practitioners also work part-time or supervise at another organisation."""
        by_city: dict[str, list[OrgPlan]] = {}
        for plan in plans:
            if plan.registered:
                by_city.setdefault(plan.city.code, []).append(plan)
        for person in people:
            if self.rng.random() >= SECOND_AFFILIATION_SHARE:
                continue
            others = [p for p in by_city.get(person.plan.city.code, ()) if p.id != person.plan.id]
            if not others:
                continue
            other = self.rng.choice(others)
            limit = (other.exited_on or REFERENCE_DATE) - timedelta(days=30)
            if limit <= person.start:
                continue
            role = AffiliationRole.SUPERVISOR if person.role is AffiliationRole.SUPERVISOR \
                or self.rng.random() < 0.3 else AffiliationRole.PART_TIME
            start = days_between(self.rng, person.start, limit)
            rows.affiliations.append(self._affiliation(person, other, role, start))


def _issue_range(kind: str, birth_year: int) -> Optional[tuple[int, int]]:
    """The years in which someone born in ``birth_year`` could have been issued ``kind``."""
    low, high = ISSUE_YEARS[kind]
    low = max(low, birth_year + MIN_AGE.get(kind, 22))
    high = min(high, REFERENCE_DATE.year - 1)
    return (low, high) if low <= high else None
