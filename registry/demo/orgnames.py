"""Organisation names that fit their type: 烟台市心海心理咨询有限公司, 芝罘区向阳街道社区心理
咨询室, 滕州市第一中学心理辅导室, 绵阳市精神卫生中心 …

Public bodies get ordinary institutional names; only organisations with an invented brand
(字号) are ``fictional``, and only those receive negative demo records (rejections,
sanctions, failing grades), so that no plausible real institution is shown as sanctioned.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Optional

from registry.demo.names import COMMUNITY_NAMES, INDUSTRIES, brand, chinese_number, village
from registry.demo.places import CountyProfile


@dataclass(frozen=True)
class NamedOrg:
    """A candidate organisation name and what goes with it."""

    name: str
    authority: str  # first two characters of the USCC: 91 company, 12 public institution …
    fictional: bool
    county: CountyProfile
    town: Optional[str] = None
    community: Optional[str] = None  # 兴华社区 or 玉泉村, repeated in the address
    road: Optional[str] = None  # for schools named after their road
    brand: Optional[str] = None
    host: Optional[str] = None  # the hospital, school or agency the room belongs to


Generator = Callable[[random.Random, CountyProfile], Optional[NamedOrg]]
TRIES = 12


class OrgNamer:
    """Hands out names that are unique across the whole demo register."""

    def __init__(self) -> None:
        self._names: set[str] = set()
        self._hosts: set[str] = set()
        self._generators: dict[str, Generator] = {
            "social_counselling": _social_counselling,
            "social_work_org": _social_work_org,
            "mental_health_specialist": _mental_health_specialist,
            "hospital_psych_dept": _hospital_dept,
            "primary_care_room": _primary_care,
            "university_centre": _university,
            "school_room": _school,
            "community_room": _community,
            "workplace_room": _workplace,
            "hotline": _hotline,
            "community_rehab": _community_rehab,
        }

    def make(self, rng: random.Random, org_type: str, county: CountyProfile) -> Optional[NamedOrg]:
        """A fresh name of ``org_type`` in ``county``, or None when that kind is used up."""
        generator = self._generators[org_type]
        for _ in range(TRIES):
            candidate = generator(rng, county)
            if candidate is None or candidate.name in self._names:
                continue
            if candidate.host is not None and candidate.host in self._hosts:
                continue
            self._names.add(candidate.name)
            if candidate.host is not None:
                self._hosts.add(candidate.host)
            return candidate
        return None

    def make_branch(self, rng: random.Random, county: CountyProfile) -> NamedOrg:
        """A counselling company's branch, for when plain names run out."""
        while True:
            base = _social_counselling(rng, county)
            name = f"{base.name}{rng.choice(county.roads)}分公司"
            if name not in self._names:
                self._names.add(name)
                return NamedOrg(name, "91", True, county, brand=base.brand)


def _pick(rng: random.Random, options: list[tuple[float, Callable[[], NamedOrg | None]]]):
    weights = [weight for weight, _ in options]
    return rng.choices([make for _, make in options], weights=weights)[0]()


def _is_township(town: str) -> bool:
    return town.endswith(("镇", "乡"))


def _social_counselling(rng: random.Random, county: CountyProfile) -> NamedOrg:
    word = brand(rng)
    form, authority = rng.choices(
        [("心理咨询有限公司", "91"), ("心理咨询中心", "91"), ("心理健康管理有限公司", "91"),
         ("心理咨询服务有限公司", "91"), ("心理咨询工作室", "92"), ("心理科技有限公司", "91"),
         ("心理健康服务中心", "91")],
        weights=[30, 15, 12, 12, 12, 6, 8])[0]
    prefix = county.name if authority == "92" or rng.random() < 0.25 else county.trade_prefix
    return NamedOrg(f"{prefix}{word}{form}", authority, True, county, brand=word)


def _social_work_org(rng: random.Random, county: CountyProfile) -> NamedOrg:
    word = brand(rng)
    form = rng.choices(["社会工作服务中心", "社工服务社", "社会工作服务社", "社会工作发展中心"],
                       weights=[5, 2, 2, 1])[0]
    prefix = county.name if rng.random() < 0.4 else county.trade_prefix
    return NamedOrg(f"{prefix}{word}{form}", "52", True, county, brand=word)


def _mental_health_specialist(rng: random.Random, county: CountyProfile) -> NamedOrg | None:
    city = county.city

    def city_centre():
        return NamedOrg(f"{city.name}精神卫生中心", "12", False, city.main_district)

    def county_centre():
        if county.is_district:
            return None
        return NamedOrg(f"{county.name}精神卫生中心", "12", False, county)

    def private():
        word = brand(rng)
        form = rng.choice(["精神专科医院", "心理医院", "精神心理医院"])
        return NamedOrg(f"{county.trade_prefix}{word}{form}", "52", True, county, brand=word)

    return _pick(rng, [(2, city_centre), (4, county_centre), (4, private)])


def _hospital_dept(rng: random.Random, county: CountyProfile) -> NamedOrg | None:
    city = county.city
    dept = rng.choice(["精神心理科", "心理科", "临床心理科", "心身医学科", "精神科", "睡眠心理科"])

    def public(hospital: str, where: CountyProfile):
        unit = "儿童心理门诊" if hospital.endswith("妇幼保健院") else dept
        return NamedOrg(f"{hospital}{unit}", "12", False, where, host=hospital)

    def city_hospital():
        name = rng.choice(["人民医院", "中心医院", "中医医院", "第二人民医院", "妇幼保健院"])
        return public(city.name + name, city.main_district)

    def county_hospital():
        name = rng.choice(["人民医院", "中医医院", "第二人民医院", "妇幼保健院"])
        return public(county.name + name, county)

    def private():
        word = brand(rng)
        hospital = f"{county.trade_prefix}{word}医院"
        return NamedOrg(f"{hospital}{dept}", "52", True, county, brand=word, host=hospital)

    return _pick(rng, [(3, city_hospital), (5, county_hospital), (3, private)])


def _primary_care(rng: random.Random, county: CountyProfile) -> NamedOrg:
    town, community = rng.choice(county.towns), None
    if rng.random() < 0.3:
        community = rng.choice(COMMUNITY_NAMES) + "社区"
        name = f"{county.name}{town}{community}卫生服务站心理咨询室"
    elif _is_township(town):
        name = f"{county.name}{town}卫生院心理咨询室"
    else:
        name = f"{county.name}{town}社区卫生服务中心心理咨询室"
    return NamedOrg(name, "12", False, county, town=town, community=community)


def _university(rng: random.Random, county: CountyProfile) -> NamedOrg | None:
    city = county.city
    if not city.universities:
        return None
    university, county_code = rng.choice(city.universities)
    where = next((c for c in city.counties if c.code == county_code), city.main_district)
    suffix = "心理健康教育与咨询中心" if "大学" in university or "学院" in university \
        else "大学生心理健康教育中心"
    return NamedOrg(f"{university}{suffix}", "12", False, where, host=university)


def _school(rng: random.Random, county: CountyProfile) -> NamedOrg:
    city, town, road = county.city, rng.choice(county.towns), None
    roll = rng.random()
    if roll < 0.25:
        owner = city.name if county.is_district else county.name
        school = f"{owner}第{chinese_number(rng.randint(1, 20 if county.is_district else 12))}中学"
    elif roll < 0.42:
        school = county.name + rng.choice(["实验中学", "实验小学", "实验初级中学",
                                           f"第{chinese_number(rng.randint(1, 6))}实验小学"])
    elif roll < 0.58 or not _is_township(town) and roll < 0.75:
        road = rng.choice(county.roads)
        school = f"{county.name}{road}小学"
    elif roll < 0.98 and not _is_township(town):
        school = f"{county.name}{town[:-2]}{rng.choice(['小学', '中学'])}"
    elif roll < 0.8:
        school = county.name + town + rng.choice(["中心小学", "初级中学", "中学"])
    elif roll < 0.98:
        school = f"{county.name}{town}{village(rng, city.names, city.sichuan_style)}小学"
    else:
        school = county.name + rng.choice(["职业中等专业学校", "特殊教育学校"])
    suffix = "心理健康教育中心" if school.endswith("中学") and rng.random() < 0.1 else "心理辅导室"
    return NamedOrg(school + suffix, "12", False, county, town=town, road=road, host=school)


def _community(rng: random.Random, county: CountyProfile) -> NamedOrg:
    city, town = county.city, rng.choice(county.towns)
    suffix = rng.choices(["心理咨询室", "心理辅导室", "心理服务站", "社会工作室", "心理健康服务站"],
                         weights=[4, 3, 2, 2, 1])[0]
    roll = rng.random()
    if not _is_township(town) and roll < 0.15:
        return NamedOrg(f"{county.name}{town}社区心理咨询室", "11", False, county, town=town)
    if _is_township(town) and roll < 0.6:
        community = village(rng, city.names, city.sichuan_style) + "村"
    else:
        community = rng.choice(COMMUNITY_NAMES) + "社区"
    return NamedOrg(f"{county.name}{town}{community}{suffix}", "11", False, county, town=town,
                    community=community)


def _workplace(rng: random.Random, county: CountyProfile) -> NamedOrg:
    if rng.random() < 0.4:
        agency = rng.choice([
            f"{county.name}人民法院", f"{county.name}人民检察院", f"{county.name}公安局",
            f"国家税务总局{county.city.name}{county.name}税务局", f"{county.name}消防救援大队",
            f"{county.name}教育和体育局", f"{county.name}应急管理局", f"{county.name}总工会",
        ])
        suffix = "警务心理服务站" if agency.endswith("公安局") else "心理健康辅导室"
        return NamedOrg(agency + suffix, "11", False, county, host=agency)
    word = brand(rng)
    company = f"{county.trade_prefix}{word}{rng.choice(INDUSTRIES)}有限公司"
    suffix = rng.choice(["员工心理健康辅导室", "员工心理援助（EAP）中心", "职工心理服务站"])
    return NamedOrg(company + suffix, "91", True, county, brand=word, host=company)


def _hotline(rng: random.Random, county: CountyProfile) -> NamedOrg | None:
    city = county.city
    roll = rng.random()
    if roll < 0.3:
        return NamedOrg(f"{city.name}心理援助热线", "12", False, city.main_district)
    if roll < 0.75:
        return NamedOrg(f"{county.name}心理援助热线", "12", False, county)
    word = brand(rng)
    return NamedOrg(f"{county.trade_prefix}{word}心理援助热线服务中心", "52", True, county,
                    brand=word)


def _community_rehab(rng: random.Random, county: CountyProfile) -> NamedOrg:
    town = rng.choice(county.towns)
    if rng.random() < 0.5:
        return NamedOrg(f"{county.name}{town}精神障碍社区康复站", "12", False, county, town=town)
    word = brand(rng)
    form = rng.choice(["精神康复服务中心", "康复家园", "精神障碍社区康复服务中心"])
    prefix = county.name if rng.random() < 0.5 else county.trade_prefix
    return NamedOrg(f"{prefix}{word}{form}", "52", True, county, brand=word)
