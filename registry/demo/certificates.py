"""Certificate numbers and issuers for demo qualifications, one format per kind.

The formats imitate the structure of real certificates (year, province, level, serial)
without claiming to be official; ``FORMATS`` holds one pattern per kind, which the tests
check and a future validator may start from. Numbers are unique within their kind.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

FORMATS: dict[str, re.Pattern[str]] = {
    # 国家职业资格证书 (二级/三级, issued until 2017): YY PP 00 CC L NNNNNNN
    "counsellor_l2": re.compile(r"^\d{8}2\d{7}$"),
    "counsellor_l3": re.compile(r"^\d{8}3\d{7}$"),
    # 职业技能等级证书: S + evaluating organisation (6) + YY + level + serial (6)
    "counsellor_skill": re.compile(r"^S\d{6}\d{2}[1-5]\d{6}$"),
    # 卫生专业技术资格 (心理治疗): YYYY PP level serial (7)
    "psychotherapist": re.compile(r"^(19|20)\d{2}\d{2}[12]\d{7}$"),
    # 医师执业证书编码: level (1 医师 / 2 助理医师) 1 (临床) region (6) serial (7)
    "psychiatrist": re.compile(r"^[12]1\d{13}$"),
    # 中国心理学会注册系统: X (注册心理师) / D (注册督导师) - YY - serial
    "cps_registered": re.compile(r"^[XD]-\d{2}-\d{3}$"),
    # 社会工作者职业资格: YYYY PP CC level (1 助理 / 2 中级 / 3 高级) serial (7)
    "social_worker": re.compile(r"^(20)\d{2}\d{4}[123]\d{7}$"),
    # 护士执业证书: YYYY PP serial (6)
    "psych_nurse": re.compile(r"^(19|20)\d{2}\d{2}\d{6}$"),
    # 中小学心理健康教育教师 (A/B/C 证): PP level YYYY serial (5)
    "school_mh_teacher": re.compile(r"^\d{2}[ABC](20)\d{2}\d{5}$"),
}

# Kinds that were issued only in certain years.
ISSUE_YEARS: dict[str, tuple[int, int]] = {
    "counsellor_l2": (2004, 2017),
    "counsellor_l3": (2004, 2017),
    "counsellor_skill": (2020, 2025),
    "cps_registered": (2008, 2025),
    "social_worker": (2008, 2025),
    "psychotherapist": (2006, 2025),
    "psychiatrist": (1995, 2025),
    "psych_nurse": (2000, 2025),
    "school_mh_teacher": (2010, 2025),
}

# Kinds whose registration lapses (years of validity); others do not expire.
VALID_YEARS: dict[str, int] = {"cps_registered": 4, "psych_nurse": 5}

CPS_STEP = 2  # serials of 注册心理师 rise by 1 or 2
SKILL_EVALUATORS = (("000011", "中国心理卫生协会"), ("000037", "中国社会工作联合会"),
                    ("000120", "中国心理学会"))


@dataclass(frozen=True)
class Certificate:
    """A generated certificate: its number and who issued it."""

    number: str
    issuer: str


class CertificateMaker:
    """Numbers unique within each kind: every (kind, prefix) has its own rising serial."""

    def __init__(self) -> None:
        self._serials: dict[tuple[str, str], int] = {}

    def make(self, rng: random.Random, kind: str, year: int, region_code: str,
             city_name: str, province_name: str, health_body: str) -> Certificate:
        """A certificate of ``kind`` first issued in ``year`` to someone working in the region."""
        province, city = region_code[:2], region_code[2:4]
        yy = f"{year % 100:02d}"
        if kind in ("counsellor_l2", "counsellor_l3"):
            level = kind[-1]
            prefix = f"{yy}{province}00{city}{level}"
            return Certificate(self._next(rng, kind, prefix, 7),
                               f"{province_name}人力资源和社会保障厅")
        if kind == "counsellor_skill":
            code, issuer = rng.choice(SKILL_EVALUATORS)
            level = rng.choice("3332")
            return Certificate(self._next(rng, kind, f"S{code}{yy}{level}", 6), issuer)
        if kind == "psychotherapist":
            level = rng.choice("1122")
            return Certificate(self._next(rng, kind, f"{year}{province}{level}", 7),
                               "人力资源和社会保障部、国家卫生健康委员会")
        if kind == "psychiatrist":
            level = "1" if rng.random() < 0.85 else "2"
            return Certificate(self._next(rng, kind, f"{level}1{region_code}", 7), health_body)
        if kind == "cps_registered":
            grade = "D" if rng.random() < 0.12 else "X"
            return Certificate(self._cps(rng, grade, yy),
                               "中国心理学会临床与咨询心理学注册工作委员会")
        if kind == "social_worker":
            level = rng.choice("1122223")
            return Certificate(self._next(rng, kind, f"{year}{province}{city}{level}", 7),
                               "人力资源和社会保障部、民政部")
        if kind == "psych_nurse":
            return Certificate(self._next(rng, kind, f"{year}{province}", 6), health_body)
        if kind == "school_mh_teacher":
            level = rng.choice("CCCB")
            return Certificate(self._next(rng, kind, f"{province}{level}{year}", 5),
                               f"{province_name}教育厅")
        raise ValueError(f"unknown qualification kind {kind!r}")

    def _next(self, rng: random.Random, kind: str, prefix: str, width: int) -> str:
        key = (kind, prefix)
        serial = self._serials.get(key, rng.randint(1, 60)) + rng.randint(1, 7)
        if serial >= 10 ** width:
            raise OverflowError(f"serials of {kind} {prefix} exhausted")
        self._serials[key] = serial
        return f"{prefix}{serial:0{width}d}"

    def has_room(self, kind: str) -> bool:
        """False once a kind with a small number space (注册心理师: X-14-006) is used up."""
        if kind != "cps_registered":
            return True
        return any(self._serials.get((kind, key), 0) <= 999 - CPS_STEP
                   for key in _cps_keys("XD", "08"))

    def _cps(self, rng: random.Random, grade: str, yy: str) -> str:
        """X-14-006: three-digit serials per year; a full year spills into the next ones,
        a full grade into the other one."""
        for key in _cps_keys(grade + ("D" if grade == "X" else "X"), yy):
            serial = self._serials.get(("cps_registered", key), 0) + rng.randint(1, CPS_STEP)
            if serial <= 999:
                self._serials[("cps_registered", key)] = serial
                return f"{key[0]}-{key[1:]}-{serial:03d}"
        raise OverflowError("serials of cps_registered exhausted (check has_room first)")


def _cps_keys(grades: str, yy: str) -> list[str]:
    """Grade + year keys to try, starting with ``grades[0]`` in year ``yy``."""
    first, last = (year % 100 for year in ISSUE_YEARS["cps_registered"])
    years = list(range(int(yy), last + 1)) + list(range(first, int(yy)))
    return [f"{grade}{year:02d}" for grade in grades for year in years]
