"""The organisation field rules, with the bad input people really type."""
from __future__ import annotations

import pytest

from registry.extensions import db
from registry.orgs.validation import clean_organisation, missing_for_submission
from registry.validation import ValidationFailed
from tests import factories

GOOD_USCC = factories.valid_uscc("370602", serial=424242)


def _errors(**values) -> dict:
    with pytest.raises(ValidationFailed) as error:
        clean_organisation(values, fields=tuple(values))
    return error.value.errors


def test_clean_values(regions):
    cleaned = clean_organisation({
        "name": " 烟台市心海（心理）咨询有限公司 ", "uscc": GOOD_USCC.lower(), "org_type": "social_counselling",
        "legal_representative": "买买提·艾力", "region_code": "370602", "address": "芝罘区南大街 88 号",
        "phone": "0535-6612345", "website": "xinhai.example.cn", "offers_public_benefit": "是",
        "services": ["parenting", "counselling", "counselling"], "populations": "adults",
        "modalities": ["online"], "languages": [],
    })
    assert cleaned["name"] == "烟台市心海（心理）咨询有限公司"
    assert cleaned["uscc"] == GOOD_USCC
    assert cleaned["phone"] == "0535 661 2345"
    assert cleaned["website"] == "https://xinhai.example.cn"
    assert cleaned["offers_public_benefit"] is True
    assert cleaned["services"] == ["counselling", "parenting"]  # vocabulary order, no repeats
    assert cleaned["populations"] == ["adults"]


def test_full_width_input_is_normalised(regions):
    full_width_uscc = GOOD_USCC.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"})
    cleaned = clean_organisation({"uscc": full_width_uscc, "phone": "１３８００１３８０００"},
                                 fields=("uscc", "phone"))
    assert cleaned == {"uscc": GOOD_USCC, "phone": "138 0013 8000"}


@pytest.mark.parametrize("uscc, fragment", [
    (GOOD_USCC[:-1] + ("0" if GOOD_USCC[-1] != "0" else "1"), "校验位"),
    (GOOD_USCC[:17], "18 位"),
    ("91370602MA3C4XYZ1I", "格式"),
])
def test_bad_uscc(regions, uscc, fragment):
    assert fragment in _errors(uscc=uscc)["uscc"]


def test_uscc_in_use_is_refused_but_not_for_its_own_organisation(regions):
    organisation = factories.make_organisation(uscc=GOOD_USCC)
    db.session.commit()
    assert "已被其他机构登记" in _errors(uscc=GOOD_USCC)["uscc"]
    assert clean_organisation({"uscc": GOOD_USCC}, fields=("uscc",),
                              exclude_id=organisation.id) == {"uscc": GOOD_USCC}


@pytest.mark.parametrize("name", ["<script>alert(1)</script>心海", "心海心理😊咨询", "心海<b>咨询</b>"])
def test_names_refuse_markup_and_emoji(regions, name):
    assert "符号" in _errors(name=name)["name"]


def test_oversized_fields_are_refused_with_their_length(regions):
    errors = _errors(name="心" * 10000, description="长" * 10000)
    assert "120" in errors["name"] and "10000" in errors["description"]


@pytest.mark.parametrize("field, value", [
    ("phone", "12345"), ("phone", "+1 415 555 2671"), ("website", "ftp://x.cn"),
    ("website", "javascript:alert(1)"), ("region_code", "370600"), ("region_code", "999999"),
    ("org_type", "casino"), ("services", ["counselling", "astrology"]),
    ("offers_public_benefit", "maybe"),
])
def test_bad_values_name_their_field(regions, field, value):
    assert field in _errors(**{field: value})


def test_every_bad_field_is_reported_at_once(regions):
    errors = _errors(name="<x>", uscc="123", phone="1", website="nope")
    assert set(errors) == {"name", "uscc", "phone", "website"}


def test_missing_for_submission(regions):
    draft = factories.make_organisation(uscc=None, phone=None, services=[],
                                        status=factories.OrganisationStatus.DRAFT)
    assert set(missing_for_submission(draft)) == {"uscc", "phone", "services"}
    complete = factories.make_organisation()
    assert missing_for_submission(complete) == {}
