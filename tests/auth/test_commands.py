"""``flask users create`` bootstraps an installation from a script."""
from __future__ import annotations

import sqlalchemy as sa

from registry.auth.models import Role, User
from registry.extensions import db
from tests import factories


def test_create_admin_with_password_on_stdin(runner, regions):
    result = runner.invoke(args=["users", "create", "--email", "ops@example.cn", "--role", "admin",
                                 "--password-stdin"], input="烟台心海咨询2026\n")
    assert result.exit_code == 0, result.output
    assert "烟台心海咨询2026" not in result.output
    user = db.session.scalar(sa.select(User).where(User.email == "ops@example.cn"))
    assert user.role is Role.ADMIN


def test_create_assessor_and_regulator(runner, regions):
    association = factories.make_association()
    db.session.commit()
    assessor = runner.invoke(args=[
        "users", "create", "--email", "assessor@example.cn", "--role", "assessor", "--region",
        "370600", "--association", str(association.id), "--password-stdin"],
        input="烟台心海咨询2026\n")
    regulator = runner.invoke(args=[
        "users", "create", "--email", "wjw@yantai.gov.cn", "--role", "regulator", "--region",
        "370600", "--password-stdin"], input="烟台心海咨询2026\n")
    assert assessor.exit_code == 0 and regulator.exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2


def test_bad_input_is_explained_and_nothing_created(runner, regions):
    result = runner.invoke(args=["users", "create", "--email", "x@example.cn", "--role",
                                 "regulator", "--password-stdin"], input="1234567890\n")
    assert result.exit_code == 1
    assert "region_code" in result.output and "password" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
