"""Practitioner and qualification rules."""
from __future__ import annotations

from datetime import date

import pytest

from registry.extensions import db
from registry.practitioners.validation import clean_practitioner, clean_qualification
from registry.validation import ValidationFailed
from tests import factories


def test_practitioner_is_cleaned_and_id_protected(regions):
    number = factories.valid_id_number(serial=31)
    cleaned = clean_practitioner({"name": " 李 华 ", "gender": "女", "id_number": number.lower(),
                                  "specialties": ["trauma"], "ce_hours": "３２"})
    assert cleaned["name"] == "李 华" and cleaned["ce_hours"] == 32
    assert number not in repr(cleaned)
    assert len(cleaned["id_number_digest"]) == 64


@pytest.mark.parametrize("number", [
    "370602199002301234",   # 30 February
    "37060219900228123",    # 17 digits
    "370602199002281235",   # wrong check digit (almost surely)
])
def test_bad_id_numbers_are_refused_without_being_repeated(regions, number):
    with pytest.raises(ValidationFailed) as error:
        clean_practitioner({"name": "李华", "gender": "女", "id_number": number})
    assert "id_number" in error.value.errors
    assert number not in str(error.value) and number not in repr(error.value.errors)


def test_same_person_is_found_by_digest(regions):
    number = factories.valid_id_number(serial=32)
    existing = factories.make_practitioner(id_number=number)
    db.session.commit()
    with pytest.raises(ValidationFailed) as error:
        clean_practitioner({"name": "李华", "gender": "女", "id_number": number})
    assert "已经登记" in error.value.errors["id_number"]
    assert clean_practitioner({"name": "李华", "id_number": number},
                              exclude_id=existing.id)["id_number_digest"] == existing.id_number_digest


@pytest.mark.parametrize("kind, number, ok", [
    ("psychiatrist", "110370600012345", True),
    ("psychiatrist", "11037060001234X", False),
    ("cps_registered", "x-14-006", True),
    ("cps_registered", "X14006", False),
    ("psych_nurse", "201937000123", True),
    ("counsellor_l2", "1511000000000001", True),
    ("counsellor_l2", "1511-0000", False),
])
def test_certificate_formats_per_kind(regions, kind, number, ok):
    values = {"kind": kind, "certificate_number": number, "issuer": "人力资源和社会保障部"}
    if ok:
        assert clean_qualification(values)["certificate_number"] == number.upper()
    else:
        with pytest.raises(ValidationFailed) as error:
            clean_qualification(values)
        assert "certificate_number" in error.value.errors


def test_qualification_dates_and_uniqueness(regions):
    practitioner = factories.make_practitioner()
    factories.make_qualification(practitioner, kind="psychiatrist", certificate_number="110370600012345")
    db.session.commit()
    with pytest.raises(ValidationFailed) as error:
        clean_qualification({"kind": "psychiatrist", "certificate_number": "110370600012345",
                             "issuer": "烟台市卫生健康委员会", "issued_on": "2030-01-01",
                             "expires_on": "2020/1/1"}, today=date(2026, 11, 24))
    assert set(error.value.errors) == {"certificate_number", "issued_on", "expires_on"}
    cleaned = clean_qualification({"kind": "psych_nurse", "certificate_number": "201937000123",
                                   "issuer": "烟台市卫生健康委员会", "issued_on": "2019年7月1日"})
    assert cleaned["issued_on"] == date(2019, 7, 1)
