"""Identifier builders of the demo data, without a database."""
from __future__ import annotations

import random
from datetime import date

import pytest
from stdnum.cn import ric, uscc

from registry.demo.certificates import FORMATS, ISSUE_YEARS, CertificateMaker
from registry.demo.identifiers import (
    USCC_ALPHABET,
    BirthPlaces,
    make_id_number,
    make_uscc,
    name_stem,
)
from registry.demo.places import COUNTY_EXTRAS

CITY_NAMES = {"3706": "烟台市", "3713": "临沂市", "3704": "枣庄市", "5107": "绵阳市"}


@pytest.mark.parametrize("authority", ["91", "92", "52", "12", "11"])
def test_usccs_are_valid_and_distinct_per_index(authority):
    codes = [make_uscc(authority, "370481", index, salt=98765) for index in range(3000)]
    assert len(set(codes)) == len(codes)
    for code in codes[:300]:
        assert uscc.is_valid(code)
        assert code.startswith(authority + "370481")
        assert set(code[8:]) <= set(USCC_ALPHABET)


def test_birth_places_are_valid_for_every_demo_county_and_year():
    places, rng = BirthPlaces(), random.Random(1)
    for county_code in COUNTY_EXTRAS:
        for year in range(1960, 2006):
            place = places.choose(rng, county_code, CITY_NAMES[county_code[:4]], year)
            number = make_id_number(place, date(year, 2, 28), 123)
            assert ric.is_valid(number), (county_code, year)
            assert place[:2] == county_code[:2]


def test_a_county_keeps_its_own_code_when_it_existed():
    places, rng = BirthPlaces(), random.Random(2)
    assert places.choose(rng, "370481", "枣庄市", 1990) == "370481"
    # 临沂's codes start in 1994: someone born earlier has a 临沂地区 (3728xx) code.
    assert places.choose(rng, "371322", "临沂市", 1980) == "372822"


def test_name_stem():
    assert name_stem("北川羌族自治县") == "北川"
    assert name_stem("临沂地区") == name_stem("临沂市") == "临沂"


def test_certificate_numbers_match_their_format_and_are_unique():
    maker, rng = CertificateMaker(), random.Random(3)
    for kind, (first, last) in ISSUE_YEARS.items():
        numbers = [maker.make(rng, kind, rng.randint(first, last), "370602", "烟台市", "山东省",
                              "烟台市卫生健康委员会").number for _ in range(500)]
        assert len(set(numbers)) == len(numbers), kind
        assert all(FORMATS[kind].match(number) for number in numbers), kind


def test_registered_psychologist_numbers_run_out_gracefully():
    maker, rng = CertificateMaker(), random.Random(4)
    numbers = []
    while maker.has_room("cps_registered"):
        numbers.append(maker.make(rng, "cps_registered", rng.randint(2008, 2025), "370602",
                                  "烟台市", "山东省", "烟台市卫生健康委员会").number)
    assert len(numbers) > 10_000 and len(set(numbers)) == len(numbers)
    assert all(FORMATS["cps_registered"].match(number) for number in numbers)
    with pytest.raises(OverflowError):
        for _ in range(1000):
            maker.make(rng, "cps_registered", 2020, "370602", "烟台市", "山东省", "烟台市卫健委")
