"""``flask import organisations|practitioners FILE [--dry-run] [--as EMAIL]``."""
from __future__ import annotations

import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.auth.models import Role
from registry.extensions import db
from registry.orgs.models import Organisation
from registry.practitioners.models import Practitioner
from tests import factories
from tests.imports.files import (
    ORGANISATION_HEADERS,
    PRACTITIONER_HEADERS,
    csv_bytes,
    organisation_row,
    practitioner_row,
    write,
    xlsx_bytes,
)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def organisations_file(tmp_path, rows, name="orgs.xlsx"):
    build = xlsx_bytes if name.endswith("xlsx") else csv_bytes
    data = build(ORGANISATION_HEADERS, rows)
    return str(write(tmp_path, name, data))


def test_dry_run_then_import(runner, regions, tmp_path):
    path = organisations_file(tmp_path, [organisation_row(i) for i in range(20)])
    dry = runner.invoke(args=["import", "organisations", path, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "共读取 20 行数据，发现 0 个问题" in dry.stdout and "试运行：可以导入 20 家机构" in dry.stdout
    assert count(Organisation) == 0
    real = runner.invoke(args=["import", "organisations", path])
    assert real.exit_code == 0, real.output
    assert "已导入 20 家机构" in real.stdout and count(Organisation) == 20
    assert "写入" in real.stderr  # the progress bar's label (on standard error)


def test_every_bad_row_is_printed_and_nothing_is_written(runner, regions, tmp_path):
    rows = [organisation_row(i) for i in range(30)]
    rows[4]["联系电话"] = "12345"
    rows[17]["统一社会信用代码"] = rows[3]["统一社会信用代码"]
    path = organisations_file(tmp_path, rows, "orgs.csv")
    result = runner.invoke(args=["import", "organisations", path])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "第 6 行 G 列（联系电话），填写的是“12345”：请输入有效的中国大陆固定电话（含区号）或手机号码。"
    assert lines[1].startswith("第 19 行 B 列（统一社会信用代码）") and lines[1].endswith("与第 5 行的统一社会信用代码重复。")
    assert lines[2] == "共读取 30 行数据，发现 2 个问题（涉及 2 行）。没有导入任何数据。"
    assert count(Organisation) == 0 and count(AuditEvent) == 0


def test_acting_as_a_regulator_limits_the_regions(runner, regions, tmp_path):
    regulator = factories.make_user(Role.REGULATOR, email="wjw@yantai.gov.cn")
    db.session.commit()
    path = organisations_file(tmp_path, [organisation_row(1),
                                         organisation_row(2, region_code="510703")])
    result = runner.invoke(args=["import", "organisations", path, "--as", "WJW@yantai.gov.cn"])
    assert result.exit_code == 1 and "不在您的管辖范围（烟台市，370600）内" in result.stdout
    ok = runner.invoke(args=["import", "organisations",
                             organisations_file(tmp_path, [organisation_row(1)], "ok.xlsx"),
                             "--as", "wjw@yantai.gov.cn"])
    assert ok.exit_code == 0, ok.output
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "organisation.import"))
    assert event.actor_id == regulator.id


def test_acting_account_must_exist_and_may_import(runner, regions, tmp_path):
    organisation = factories.make_organisation()
    factories.make_user(Role.ORG, organisation_id=organisation.id, email="owner@example.cn")
    db.session.commit()
    path = organisations_file(tmp_path, [organisation_row(1)])
    unknown = runner.invoke(args=["import", "organisations", path, "--as", "nobody@example.cn"])
    refused = runner.invoke(args=["import", "organisations", path, "--as", "owner@example.cn"])
    assert unknown.exit_code == 2 and "nobody@example.cn" in unknown.stderr
    assert refused.exit_code == 2 and "无权导入" in refused.stderr
    assert count(Organisation) == 1


def test_unreadable_file(runner, regions, tmp_path):
    path = write(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 64)
    result = runner.invoke(args=["import", "organisations", str(path)])
    assert result.exit_code == 1 and result.stdout.startswith("文件：不支持旧版 Excel")


def test_practitioners_as_a_regulator_and_no_id_number_in_the_output(runner, regions, tmp_path):
    organisation = factories.make_organisation()
    factories.make_user(Role.REGULATOR, email="wjw@yantai.gov.cn")
    db.session.commit()
    good = factories.valid_id_number(serial=11)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [practitioner_row(organisation.uscc, 1, 身份证号码=good),
            practitioner_row(organisation.uscc, 2, 身份证号码=bad)]
    path = str(write(tmp_path, "people.csv", csv_bytes(PRACTITIONER_HEADERS, rows)))
    result = runner.invoke(args=["import", "practitioners", path, "--as", "wjw@yantai.gov.cn"])
    assert result.exit_code == 1
    assert result.stdout.startswith("第 3 行 D 列（身份证号码）：身份证号码无效")
    assert good not in result.output and bad not in result.output and bad[:17] not in result.output
    assert count(Practitioner) == 0
    fixed = str(write(tmp_path, "fixed.xlsx", xlsx_bytes(PRACTITIONER_HEADERS, rows[:1])))
    imported = runner.invoke(args=["import", "practitioners", fixed, "--as", "wjw@yantai.gov.cn"])
    assert imported.exit_code == 0, imported.output
    assert "已导入 1 名从业人员、1 项资质" in imported.stdout and count(Practitioner) == 1
    assert good not in imported.output


def test_practitioners_as_the_system(runner, regions, tmp_path):
    organisation = factories.make_organisation()
    db.session.commit()
    path = str(write(tmp_path, "people.csv", csv_bytes(PRACTITIONER_HEADERS,
                                                       [practitioner_row(organisation.uscc, 1)])))
    result = runner.invoke(args=["import", "practitioners", path])
    assert result.exit_code == 0, result.output
    assert count(Practitioner) == 1
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "practitioner.import_batch"))
    assert event.actor_id is None and event.actor_role == "system"
