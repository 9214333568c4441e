"""Importing organisations: the shared rules on every row, all or nothing, jurisdictions."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.audit.services import verify_chain
from registry.auth.models import Role
from registry.auth.policy import PermissionDenied
from registry.extensions import db
from registry.imports.services import import_organisations
from registry.orgs.models import Organisation, OrganisationStatus
from tests import factories
from tests.imports.files import ORGANISATION_HEADERS, csv_bytes, organisation_row, xlsx_bytes


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def run(rows, actor=None, dry_run=False, headers=ORGANISATION_HEADERS, fmt="csv"):
    data = csv_bytes(headers, rows) if fmt == "csv" else xlsx_bytes(headers, rows)
    return import_organisations(actor, data, f"机构名单.{fmt}", dry_run=dry_run)


def where(report):
    """(row, column, message) of every problem."""
    return [(p.row, p.column, p.message) for p in report.problems]


# An import issues a few statements per row (about four: the organisation and its audit
# event; it batches its reads, and a refused file reads only): one that
# looked each row's neighbours up one by one would issue thousands more. Counted, not timed.
STATEMENTS_PER_ROW = 6


@contextmanager
def statements():
    """Count the SQL statements run inside the block (``counted[0]``)."""
    counted = [0]

    def count(*_args):
        counted[0] += 1

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def thousand(regions):
    return [organisation_row(i) for i in range(1000)]


def test_a_thousand_good_organisations_are_imported_completely(thousand):
    with statements() as counted:
        report = run(thousand, fmt="xlsx")
    assert counted[0] < STATEMENTS_PER_ROW * 1000
    assert report.ok and report.committed and (report.rows_read, report.imported) == (1000, 1000)
    organisations = db.session.scalars(sa.select(Organisation).order_by(Organisation.id)).all()
    assert len(organisations) == 1000
    first = organisations[0]
    assert first.status is OrganisationStatus.ACTIVE and first.approved_at is not None
    assert first.name == "烟台市心语心理咨询中心0号" and first.region_code == "370602"
    assert first.org_type == "social_counselling" and first.offers_public_benefit is True
    assert first.services == ["education", "counselling"]  # vocabulary order, from labels
    assert first.populations == ["adolescents", "adults"]
    assert first.modalities == ["in_person", "online"]
    assert first.phone == "0535 661 2345" and first.languages == ["zh"]
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events].count("organisation.import") == 1000
    assert events[0].entity_id == str(first.id) and events[0].after["status"] == "active"
    assert events[0].actor_role == "system" and events[0].region_code == "370602"
    batch = events[-1]
    assert batch.action == "organisation.import_batch"
    assert (batch.after["rows"], batch.after["imported"]) == (1000, 1000)
    assert batch.after["file"] == "机构名单.xlsx"
    assert verify_chain().ok


@pytest.mark.parametrize("dry_run", [True, False])
def test_one_bad_row_among_a_thousand_imports_nothing_and_names_that_row(thousand, dry_run):
    thousand[636]["统一社会信用代码"] = thousand[636]["统一社会信用代码"][:17]
    with statements() as counted:
        report = run(thousand, dry_run=dry_run)
    assert counted[0] < STATEMENTS_PER_ROW * 1000
    assert not report.ok and not report.committed and report.imported == 0
    # Data row 637 is spreadsheet row 638 (the header is row 1).
    assert where(report) == [(638, "统一社会信用代码", "统一社会信用代码应为 18 位（现为 17 位）。")]
    assert report.problems[0].letter == "B"
    assert report.problems[0].value == thousand[636]["统一社会信用代码"]
    assert count(Organisation) == 0 and count(AuditEvent) == 0


def test_dry_run_of_a_good_file_writes_nothing(thousand):
    report = run(thousand[:50], dry_run=True)
    assert report.ok and report.imported == 50 and not report.committed
    assert count(Organisation) == 0 and count(AuditEvent) == 0


def test_every_bad_row_and_every_bad_cell_is_reported(regions):
    rows = [
        organisation_row(1),
        organisation_row(2, 联系电话="12345", 网站="ftp://x", 服务项目="心理咨询、算命"),
        organisation_row(3, 机构名称="<script>alert(1)</script>", 机构类型="心理诊所"),
        organisation_row(4, 法定代表人="", 服务方式="", 是否提供公益服务="也许"),
    ]
    report = run(rows, dry_run=True)
    assert [(row, column) for row, column, _ in where(report)] == [
        (3, "联系电话"), (3, "网站"), (3, "服务项目"),
        (4, "机构名称"), (4, "机构类型"),
        (5, "法定代表人"), (5, "是否提供公益服务"), (5, "服务方式"),
    ]
    messages = dict(((row, column), message) for row, column, message in where(report))
    assert messages[(3, "服务项目")] == "无法识别的选项：算命"
    assert "机构类型" in messages[(4, "机构类型")]
    assert messages[(5, "法定代表人")] == "导入的机构直接生效，此项必须填写。"
    assert report.rows_with_problems == 3


def test_duplicates_inside_the_file_and_with_the_register(regions):
    registered = factories.make_organisation()
    db.session.commit()
    rows = [organisation_row(1), organisation_row(2),
            organisation_row(3, 统一社会信用代码=organisation_row(1)["统一社会信用代码"].lower()),
            organisation_row(4, 统一社会信用代码=registered.uscc)]
    report = run(rows)
    assert where(report) == [
        (4, "统一社会信用代码", "与第 2 行的统一社会信用代码重复。"),
        (5, "统一社会信用代码", "该统一社会信用代码已被其他机构登记。"),
    ]
    assert count(Organisation) == 1


def test_codes_labels_english_and_aliases_are_accepted(regions):
    headers = ("name", "Credit code", "type", "Legal representative", "county", "address", "phone",
               "services", "populations", "modalities", "languages", "public benefit")
    row = {"name": "Yantai Sunshine Counselling",
           "Credit code": factories.valid_uscc(serial=9_100_001), "type": "hotline",
           "Legal representative": "王芳", "county": "370602", "address": "南大街 1 号",
           "phone": "13800138000", "services": "counselling; Psychotherapy\nhotline",
           "populations": "特殊人群(社区矫正、刑满释放、戒毒康复等)，所有人群", "modalities": "电话",
           "languages": "普通话", "public benefit": "否"}
    report = run([row], headers=headers)
    assert report.ok, where(report)
    organisation = db.session.scalar(sa.select(Organisation))
    assert organisation.org_type == "hotline"
    assert organisation.services == ["counselling", "psychotherapy", "hotline"]
    assert organisation.populations == ["special_groups", "everyone"]
    assert organisation.offers_public_benefit is False


def test_county_names_are_accepted_when_unambiguous_in_the_jurisdiction(regions):
    regulator = factories.make_user(Role.REGULATOR)  # 烟台市
    admin = factories.make_user(Role.ADMIN, region_code=None)
    db.session.commit()
    rows = [organisation_row(1, 所在区县代码="芝罘区"), organisation_row(2, 所在区县代码="烟台市 莱山区"),
            organisation_row(3, 所在区县代码="山东省烟台市福山区")]
    assert run(rows, actor=regulator, dry_run=True).ok
    ambiguous = run([organisation_row(4, 所在区县代码="鼓楼区")], actor=admin, dry_run=True)
    assert ambiguous.problems[0].column == "所在区县代码"
    message = ambiguous.problems[0].message
    assert "有多个区县叫这个名字" in message and "350102" in message
    elsewhere = run([organisation_row(5, 所在区县代码="涪城区")], actor=regulator, dry_run=True)
    assert elsewhere.outside_jurisdiction
    unknown = run([organisation_row(6, 所在区县代码="不存在区")], actor=regulator, dry_run=True)
    assert "找不到这个区县" in unknown.problems[0].message and not unknown.outside_jurisdiction
    not_a_county = run([organisation_row(7, 所在区县代码="370600")], actor=regulator, dry_run=True)
    assert where(not_a_county) == [(2, "所在区县代码", "请填写区县级行政区划代码（6 位）或区县名称。")]


def test_a_regulator_gets_errors_for_rows_outside_the_jurisdiction(regions):
    regulator = factories.make_user(Role.REGULATOR)  # 烟台市 370600
    db.session.commit()
    rows = [organisation_row(1), organisation_row(2, region_code="510703"), organisation_row(3),
            organisation_row(4, region_code="371302")]
    report = run(rows, actor=regulator)
    assert [(p.row, p.column, p.outside_jurisdiction) for p in report.problems] == [
        (3, "所在区县代码", True), (5, "所在区县代码", True)]
    assert "烟台市" in report.problems[0].message
    assert count(Organisation) == 0
    inside = run([organisation_row(1), organisation_row(3)], actor=regulator)
    assert inside.committed and count(Organisation) == 2
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "organisation.import_batch"))
    assert event.actor_id == regulator.id and event.region_code == "370600"


def test_an_admin_imports_everywhere(regions):
    admin = factories.make_user(Role.ADMIN, region_code=None)
    db.session.commit()
    report = run([organisation_row(1), organisation_row(2, region_code="510703")], actor=admin)
    assert report.committed and count(Organisation) == 2


@pytest.mark.parametrize("role", [Role.ORG, Role.ASSESSOR])
def test_only_regulators_and_admins_import(regions, role):
    organisation = factories.make_organisation()
    association = factories.make_association()
    user = factories.make_user(role, organisation_id=organisation.id if role is Role.ORG else None,
                               association_id=association.id if role is Role.ASSESSOR else None)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        run([organisation_row(1)], actor=user)
    assert count(Organisation) == 1


def test_header_problems(regions):
    headers = ORGANISATION_HEADERS + ("备注", "电话")  # unknown, and 联系电话 a second time
    report = run([organisation_row(1, 备注="老名单", 电话="0535-6612345")], headers=headers)
    assert [(p.row, p.column, p.letter) for p in report.problems] == [
        (1, "备注", "R"), (1, "电话", "S")]
    assert "无法识别的列名" in report.problems[0].message and "G 列" in report.problems[1].message
    assert count(Organisation) == 0
    without_type = tuple(h for h in ORGANISATION_HEADERS if h != "机构类型")
    missing = run([organisation_row(1)], headers=without_type)
    assert where(missing) == [(1, "机构类型", "缺少必填列“机构类型”。")]


def test_optional_columns_may_be_left_out(regions):
    headers = ("机构名称", "统一社会信用代码", "机构类型", "法定代表人", "所在区县代码", "地址", "联系电话",
               "服务项目", "服务人群", "服务方式")
    assert run([organisation_row(1)], headers=headers).committed


def test_the_template_example_row_is_refused(regions):
    from registry.imports.layouts import ORGANISATIONS

    example = {column.header: column.example for column in ORGANISATIONS.columns}
    report = run([example, organisation_row(1)], dry_run=True)
    assert [(p.row, p.column) for p in report.problems] == [(2, "机构名称")]
    assert "示例行" in report.problems[0].message


def test_unreadable_and_empty_files(regions):
    report = import_organisations(None, b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "old.xls")
    assert [(p.row, p.column) for p in report.problems] == [(None, "")]
    assert ".xls" in report.problems[0].message
    only_headers = import_organisations(None, csv_bytes(ORGANISATION_HEADERS, []), "empty.csv")
    assert "没有数据" in only_headers.problems[0].message and not only_headers.committed
