"""Identifiers for demo data: unified social credit codes (统一社会信用代码) and resident ID
numbers (身份证号) with correct check digits and plausible structure.

Generated ID numbers are handed straight to ``protect_id_number``; they are never printed
or logged.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from stdnum import numdb
from stdnum.cn import ric, uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_MULTIPLIER = 7919  # a prime: coprime with 31**6 and 10**7, so index → body is one-to-one


def organisation_code_check(body: str) -> str:
    """Check character of an 8-character organisation code (GB 11714): 0–9 or X."""
    total = sum(_char_value(char) * weight for char, weight in zip(body, _ORG_CODE_WEIGHTS))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def _char_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def make_uscc(authority: str, county_code: str, index: int, salt: int) -> str:
    """A USCC: registration authority and entity type (``authority``, e.g. 91 for a company,
    12 for a public institution, 52 for a private non-enterprise unit), the county code,
    an organisation code unique for ``index`` (given the same ``salt``), and the check digit."""
    if authority[0] in "59":  # newer codes: MA… (market regulation), MJ… (civil affairs)
        value = (index * _MULTIPLIER + salt) % 31 ** 6
        body = ("MA" if authority[0] == "9" else "MJ") + _base31(value, 6)
    else:  # older numeric codes of public bodies
        value = (index * _MULTIPLIER + salt) % 10 ** 7
        body = ("4" if authority == "12" else "0") + f"{value:07d}"
    base = authority + county_code + body + organisation_code_check(body)
    return base + uscc.calc_check_digit(base)


def _base31(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, digit = divmod(value, len(USCC_ALPHABET))
        chars.append(USCC_ALPHABET[digit])
    return "".join(reversed(chars))


def make_id_number(place_code: str, birth: date, order: int) -> str:
    """An 18-character resident ID number; ``order`` (0–999) is odd for men, even for women."""
    base = f"{place_code}{birth:%Y%m%d}{order:03d}"
    # ``calc_check_digit`` expects the whole number and ignores its last character.
    return base + ric.calc_check_digit(base + "0")


@dataclass(frozen=True)
class PlaceCode:
    """A division code in stdnum's table, with the years it was in use (None: open)."""

    code: str
    name: str
    start: int | None
    end: int | None

    def valid_in(self, year: int) -> bool:
        """Whether an ID number issued for someone born in ``year`` may carry this code."""
        return (self.start is None or year >= self.start) and (self.end is None or year <= self.end)


_RANGE = re.compile(r"^\[(\d*)-(\d*)\](.*)$")


@lru_cache(maxsize=1)
def place_codes() -> tuple[PlaceCode, ...]:
    """Every county-level code of stdnum's ``cn/loc`` table, one entry per naming period."""
    codes = []
    for _, low, high, props, children in numdb.get("cn/loc").prefixes:
        for _, child_low, child_high, child_props, _ in children:
            for suffix in range(int(child_low), int(child_high) + 1):
                code = f"{low}{suffix:04d}"
                codes.extend(_periods(code, child_props.get("county", "")))
    return tuple(codes)


def _periods(code: str, value: str) -> list[PlaceCode]:
    periods = []
    for part in value.split(","):
        match = _RANGE.match(part)
        if match is None:
            periods.append(PlaceCode(code, part, None, None))
        else:
            start, end, name = match.groups()
            periods.append(PlaceCode(code, name, int(start) if start else None,
                                     int(end) if end else None))
    return periods


@lru_cache(maxsize=None)
def name_stem(name: str) -> str:
    """北川 for 北川羌族自治县, 临沂 for 临沂地区 or 临沂市."""
    for suffix in ("自治县", "自治州", "地区", "市", "县", "区", "旗"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            name = name[: -len(suffix)]
            break
    return re.sub(r"^(.{2,}?)[^族]{1,3}族$", r"\1", name)


class BirthPlaces:
    """Chooses the place code at the start of an ID number for someone working in a county.

    The code must have been in use in the birth year (stdnum checks this). Preference:
    the county's own code; a code of the same name (郯城县 372822 before 1994); another
    county of the same city; a code of the city's predecessor (临沂地区 3728xx); anywhere
    in the province.
    """

    def __init__(self) -> None:
        self._groups: dict[tuple[str, str], tuple[tuple[PlaceCode, ...], ...]] = {}
        self._cache: dict[tuple[str, str, int], tuple[str, ...]] = {}

    def choose(self, rng: random.Random, county_code: str, city_name: str, year: int) -> str:
        """A place code valid in ``year`` for a person now working in ``county_code``."""
        key = (county_code, city_name, year)
        if key not in self._cache:
            self._cache[key] = self._candidates(county_code, city_name, year)
        candidates = self._cache[key]
        return candidates[0] if candidates[0] == county_code else rng.choice(candidates)

    def _candidates(self, county_code: str, city_name: str, year: int) -> tuple[str, ...]:
        if (county_code, city_name) not in self._groups:
            self._groups[county_code, city_name] = _preference_groups(county_code, city_name)
        for group in self._groups[county_code, city_name]:
            valid = [p.code for p in group if p.valid_in(year)]
            if valid:
                return tuple(dict.fromkeys(valid))
        raise ValueError(f"no place code in use in {year} for province {county_code[:2]}")


def _preference_groups(county_code: str, city_name: str) -> tuple[tuple[PlaceCode, ...], ...]:
    """Codes for a person working in ``county_code``, best first (see ``BirthPlaces``)."""
    everything = _province_codes(county_code[:2])
    province = tuple(p for p in everything if not p.code.endswith("00") and p.name != "市辖区")
    current = next((p.name for p in everything if p.code == county_code), "")
    own = tuple(p for p in province if p.code == county_code)
    same_name = tuple(p for p in province if current and name_stem(p.name) == name_stem(current))
    same_city = tuple(p for p in province if p.code[:4] == county_code[:4])
    stem = name_stem(city_name)
    predecessors = {p.code[:4] for p in everything if name_stem(p.name) == stem}
    predecessor = tuple(p for p in province if p.code[:4] in predecessors)
    return own, same_name, same_city, predecessor, province


@lru_cache(maxsize=64)
def _province_codes(province: str) -> tuple[PlaceCode, ...]:
    return tuple(p for p in place_codes() if p.code[:2] == province)
