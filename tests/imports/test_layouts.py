"""The layouts: header matching, label lookup, list splitting, and the README kept in step."""
from __future__ import annotations

from pathlib import Path

import pytest

from registry.imports.choices import ChoiceLookup, split_list
from registry.imports.layouts import LAYOUTS, ORGANISATIONS, header_key
from registry.imports.report import ImportReport, column_letter, echo, mask_id_numbers
from registry.orgs.validation import REQUIRED_FOR_SUBMISSION

README = Path(__file__).resolve().parents[2] / "registry" / "imports" / "README.md"


@pytest.mark.parametrize("kind", sorted(LAYOUTS))
def test_readme_documents_every_column_and_alias(kind):
    text = README.read_text("utf-8")
    for column in LAYOUTS[kind].columns:
        row = next((line for line in text.splitlines()
                    if line.startswith(f"| {column.header} |")), None)
        assert row is not None, f"README lacks a row for {column.header}"
        for alias in column.aliases:
            assert alias in row, f"README row of {column.header} lacks the alias {alias}"
        assert ("| yes |" in row) == column.required, f"README: is {column.header} required?"


def test_required_organisation_columns_are_what_a_submission_needs():
    assert {c.key for c in ORGANISATIONS.columns if c.required} == set(REQUIRED_FOR_SUBMISSION)


def test_headers_match_loosely():
    report = ImportReport("organisations", dry_run=True)
    headers = ("机构名称*", " 统一社会 信用代码 ", "TYPE", "Legal_Representative", "所在区县代码（6位）",
               "address", "电话", "services", "populations", "modalities")
    columns = ORGANISATIONS.match(headers, 1, report)
    assert report.ok and columns is not None
    assert columns.positions == {"name": 0, "uscc": 1, "org_type": 2, "legal_representative": 3,
                                 "region_code": 4, "address": 5, "phone": 6, "services": 7,
                                 "populations": 8, "modalities": 9}
    assert columns.header("uscc") == "统一社会 信用代码" and columns.letter("phone") == "G"
    assert header_key("所在区县代码(6位)") == header_key("所在区县代码")


def test_labels_in_both_languages_and_codes(app):
    lookup = ChoiceLookup(ORGANISATIONS.column("org_type").choices)
    assert lookup.code("综合医院精神(心理)科") == "hospital_psych_dept"  # half-width brackets
    assert lookup.code("Psychological assistance hotline") == "hotline"  # the English label
    assert lookup.code(" HOTLINE ") == "hotline"
    assert lookup.code("心理诊所") is None


def test_lists_split_outside_brackets():
    assert split_list("心理咨询、心理治疗,危机干预；\n哀伤辅导 ; ") == ["心理咨询", "心理治疗", "危机干预", "哀伤辅导"]
    assert split_list("特殊人群（社区矫正、刑满释放、戒毒康复等）、儿童") == [
        "特殊人群（社区矫正、刑满释放、戒毒康复等）", "儿童"]
    assert split_list("") == []


def test_echo_masks_id_numbers_but_not_identifiers():
    assert mask_id_numbers("张三 11010519491231002X 备注") == "张三 ****** 备注"
    assert mask_id_numbers("110105491231002") == "******"  # the old 15-digit form
    assert echo("11010519491231002X", sensitive=True) is None
    assert echo("150110000012345678", identifier=True) == "150110000012345678"
    assert echo("x" * 200).endswith("…") and len(echo("x" * 200)) == 81


def test_column_letters():
    letters = [column_letter(i) for i in (0, 25, 26, 27, 701, 702)]
    assert letters == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
