"""Importing practitioners through the practitioners service: grouping, errors back on their
rows, jurisdictions, all or nothing — and ID numbers never shown."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.auth.models import Role
from registry.extensions import db
from registry.imports.services import import_practitioners
from registry.practitioners.models import Affiliation, AffiliationRole, Practitioner, Qualification
from tests import factories
from tests.imports.files import PRACTITIONER_HEADERS, csv_bytes, practitioner_row, xlsx_bytes


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def run(rows, actor, dry_run=False, headers=PRACTITIONER_HEADERS, fmt="csv"):
    data = csv_bytes(headers, rows) if fmt == "csv" else xlsx_bytes(headers, rows)
    return import_practitioners(actor, data, f"人员名单.{fmt}", dry_run=dry_run)


def where(report):
    return [(p.row, p.column, p.message) for p in report.problems]


@pytest.fixture
def yantai(regions):
    """An organisation in 芝罘区, one in 绵阳, the 烟台 regulator and the admin."""
    inside = factories.make_organisation(region_code="370602")
    outside = factories.make_organisation(region_code="510703")
    regulator = factories.make_user(Role.REGULATOR)
    admin = factories.make_user(Role.ADMIN, region_code=None)
    db.session.commit()
    return inside, outside, regulator, admin


def test_rows_of_one_person_make_one_practitioner_with_several_qualifications(yantai):
    inside, _outside, regulator, _admin = yantai
    rows = [
        practitioner_row(inside.uscc, 1, 岗位="督导", 入职日期="2019/9/1"),
        # The same person: details may be left out on later rows (or repeated identically).
        practitioner_row(inside.uscc, 1, 姓名="", 性别="", 专长="婚姻家庭、焦虑与抑郁", 岗位="", 入职日期="2019-09-01",
                         资质类别="精神科护士", 证书编号="201537000123", 发证机构="山东省卫生健康委员会"),
        practitioner_row(inside.uscc, 2, 姓名="赵强", 性别="男", 资质类别="social_worker",
                         证书编号="SW20180012", 发证机构="人力资源和社会保障部", 有效期至="2030-12-31"),
    ]
    report = run(rows, regulator, fmt="xlsx")
    assert report.ok, where(report)
    assert (report.rows_read, report.imported, report.qualifications) == (3, 2, 3)
    assert report.committed
    li = db.session.scalar(sa.select(Practitioner).where(Practitioner.name == "李华"))
    assert [q.kind for q in li.qualifications] == ["counsellor_l2", "psych_nurse"]
    assert li.specialties == ["anxiety_depression", "family_marriage"]
    affiliation = db.session.scalar(
        sa.select(Affiliation).where(Affiliation.practitioner_id == li.id))
    assert affiliation.organisation_id == inside.id
    assert affiliation.role is AffiliationRole.SUPERVISOR
    assert affiliation.start_date.isoformat() == "2019-09-01"
    assert all(q.state.value == "unverified" for q in db.session.scalars(sa.select(Qualification)))
    batch = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "practitioner.import_batch"))
    assert batch.actor_id == regulator.id
    assert [batch.after[key] for key in ("rows", "imported", "qualifications")] == [3, 2, 3]
    assert db.session.scalar(sa.select(sa.func.count()).where(
        AuditEvent.action == "practitioner.create", AuditEvent.actor_id == regulator.id)) == 2


def test_errors_go_back_to_the_row_and_column_they_came_from(yantai):
    inside, _outside, regulator, _admin = yantai
    rows = [
        practitioner_row(inside.uscc, 1),
        practitioner_row(inside.uscc, 1, 证书编号="12"),  # the person's second certificate is bad
        practitioner_row(inside.uscc, 2, 姓名="李<b>"),
        practitioner_row(inside.uscc, 3, 岗位="临时工", 资质类别="算命师"),
        practitioner_row(inside.uscc, 4, 姓名="王五", 资质类别="", 证书编号="", 发证机构="", 发证日期=""),
        practitioner_row(inside.uscc, 5, 发证日期="2099-01-01"),
    ]
    report = run(rows, regulator, dry_run=True)
    assert sorted((row, column) for row, column, _message in where(report)) == [
        (3, "证书编号"), (4, "姓名"), (5, "岗位"), (5, "资质类别"), (6, "资质类别"), (7, "发证日期")]
    assert [p.row for p in report.sorted_problems()] == [3, 4, 5, 5, 6, 7]
    messages = {(row, column): message for row, column, message in where(report)}
    assert messages[(6, "资质类别")] == "请至少填写一项资质证书。"
    assert messages[(7, "发证日期")] == "发证日期不能晚于今天。"
    assert count(Practitioner) == 0


def test_one_bad_row_among_many_imports_nothing(yantai):
    inside, _outside, regulator, _admin = yantai
    rows = [practitioner_row(inside.uscc, i, 身份证号码=factories.valid_id_number(
        birth=factories.date(1985 + i % 20, 1 + i % 12, 1 + i % 28), serial=i)) for i in range(200)]
    rows[150]["有效期至"] = "2010-01-01"  # before the issue date
    report = run(rows, regulator)
    assert where(report) == [(152, "有效期至", "有效期至不能早于发证日期。")]
    assert count(Practitioner) == 0 and count(Qualification) == 0 and count(AuditEvent) == 0
    rows[150]["有效期至"] = ""
    assert run(rows, regulator).committed and count(Practitioner) == 200


def test_id_numbers_are_never_echoed(yantai):
    inside, _outside, regulator, _admin = yantai
    good = factories.valid_id_number(serial=7)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [practitioner_row(inside.uscc, 1, 身份证号码=bad),
            practitioner_row(inside.uscc, 2, 身份证号码=good),
            practitioner_row(inside.uscc, 3, 身份证号码=good, 姓名="李华华"),  # same person, other name
            practitioner_row(inside.uscc, 4, 姓名=good + "<")]  # a number typed into the name column
    report = run(rows, regulator, dry_run=True)
    id_problem = next(p for p in report.problems if p.column == "身份证号码")
    assert id_problem.row == 2 and id_problem.hidden and id_problem.value is None
    assert (4, "姓名") in [(p.row, p.column) for p in report.problems]
    dumped = repr(report.problems)
    assert bad not in dumped and good not in dumped and good[:17] not in dumped
    assert "******" in dumped  # the name cell holding a number is masked


def test_duplicate_certificates_inside_the_file(yantai):
    inside, _outside, regulator, _admin = yantai
    rows = [practitioner_row(inside.uscc, 1),
            practitioner_row(inside.uscc, 2, 证书编号="1511 0000 0000 0001")]
    report = run(rows, regulator, dry_run=True)
    assert where(report) == [(3, "证书编号", "与第 2 行的证书重复。")]


def test_organisations_must_be_registered_and_inside_the_jurisdiction(yantai):
    inside, outside, regulator, admin = yantai
    rows = [practitioner_row(inside.uscc, 1), practitioner_row(outside.uscc, 2),
            practitioner_row(factories.valid_uscc(serial=9_999_001), 3), practitioner_row("", 4)]
    report = run(rows, regulator)
    assert [(p.row, p.column, p.outside_jurisdiction) for p in report.problems] == [
        (3, "所在机构统一社会信用代码", True), (4, "所在机构统一社会信用代码", False),
        (5, "所在机构统一社会信用代码", False)]
    assert "没有统一社会信用代码为此值的已登记机构" in report.problems[1].message
    assert count(Practitioner) == 0
    assert run(rows[:2], admin).committed and count(Practitioner) == 2


def test_a_person_registered_elsewhere_is_linked_not_duplicated(yantai):
    inside, outside, _regulator, admin = yantai
    assert run([practitioner_row(outside.uscc, 1)], admin).committed
    report = run([practitioner_row(inside.uscc, 1, 岗位="兼职", 证书编号="1511000000009999")], admin)
    assert report.committed and count(Practitioner) == 1 and count(Affiliation) == 2
    again = run([practitioner_row(inside.uscc, 1, 证书编号="1511000000008888")], admin)
    assert [(p.row, p.column) for p in again.problems] == [(2, "身份证号码")]


def test_the_template_example_row_is_refused(yantai):
    from registry.imports.layouts import PRACTITIONERS

    _inside, _outside, regulator, _admin = yantai
    example = {column.header: column.example for column in PRACTITIONERS.columns}
    report = run([example], regulator, dry_run=True)
    assert [(p.row, p.column) for p in report.problems] == [(2, "姓名")]
    assert "示例行" in report.problems[0].message


def test_repeated_details_may_be_written_differently_but_not_contradict(yantai):
    inside, _outside, regulator, _admin = yantai
    number = factories.valid_id_number(serial=31)
    assert number.endswith("X")  # typed as x on the second row
    rows = [practitioner_row(inside.uscc, 1, 身份证号码=number, 性别="女", 岗位="兼职", 入职日期="2019-09-01",
                             专长="婚姻家庭、焦虑与抑郁"),
            practitioner_row(inside.uscc, 2, 身份证号码=number.lower(), 性别="female", 岗位="part_time",
                             入职日期="2019/9/1", 专长="anxiety_depression, family_marriage",
                             资质类别="心理治疗师", 证书编号="ZL20190001")]
    report = run(rows, regulator, dry_run=True)
    assert report.ok, where(report)
    assert (report.imported, report.qualifications) == (1, 2)
    rows[1]["性别"] = "男"
    assert where(run(rows, regulator, dry_run=True)) == [(3, "性别", "与第 2 行为同一人员填写的内容不一致。")]


def test_a_huge_year_in_a_cell_is_a_row_problem(yantai):
    inside, _outside, regulator, _admin = yantai
    rows = [practitioner_row(inside.uscc, 1, 入职日期="99999999999999999999-01-01"),
            practitioner_row(inside.uscc, 2, 发证日期="1850-3-1")]
    report = run(rows, regulator, dry_run=True)
    messages = {(row, column): message for row, column, message in where(report)}
    assert messages == {(2, "入职日期"): "年份应在 1900 至 2100 之间。",
                        (3, "发证日期"): "年份应在 1900 至 2100 之间。"}
    assert count(Practitioner) == 0
