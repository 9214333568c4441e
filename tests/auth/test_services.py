"""Account services: creation, sign-up, login, password change, deactivation, tokens."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.auth import services
from registry.auth.models import ApiToken, Role, User
from registry.auth.policy import PermissionDenied
from registry.extensions import db
from registry.orgs.models import Organisation, OrganisationStatus
from registry.validation import ValidationFailed
from tests import factories

GOOD_PASSWORD = "烟台心海咨询2026"


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_operator_creates_a_regulator_from_the_command_line(regions):
    user = services.create_account(None, email=" Regulator@YanTai.gov.cn ", password=GOOD_PASSWORD,
                                   role=Role.REGULATOR, region_code="370600")
    assert user.email == "regulator@yantai.gov.cn" and user.region_code == "370600"
    event = db.session.scalar(sa.select(AuditEvent))
    assert (event.action, event.actor_role, event.region_code) == ("account.create", "system", "370600")
    assert "password_hash" not in event.after


def test_full_width_email_is_normalised(regions):
    user = services.create_account(None, email="ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｎ", password=GOOD_PASSWORD,
                                   role=Role.ADMIN)
    assert user.email == "wang@example.cn"


@pytest.mark.parametrize("values, field", [
    ({"role": Role.REGULATOR}, "region_code"),
    ({"role": Role.REGULATOR, "region_code": "999999"}, "region_code"),
    ({"role": Role.ASSESSOR, "region_code": "370600"}, "association_id"),
    ({"role": Role.ORG}, "organisation_id"),
    ({"role": Role.ADMIN, "email": "not-an-email"}, "email"),
    ({"role": Role.ADMIN, "password": "1234567890"}, "password"),
])
def test_each_role_needs_what_it_needs(regions, values, field):
    arguments = {"email": "new@example.cn", "password": GOOD_PASSWORD, **values}
    with pytest.raises(ValidationFailed) as error:
        services.create_account(None, **arguments)
    assert field in error.value.errors
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
    assert _actions() == []


def test_duplicate_email_is_refused(regions):
    services.create_account(None, email="a@example.cn", password=GOOD_PASSWORD, role=Role.ADMIN)
    with pytest.raises(ValidationFailed) as error:
        services.create_account(None, email="A@example.cn", password=GOOD_PASSWORD, role=Role.ADMIN)
    assert "已注册" in error.value.errors["email"]


def test_only_admins_create_accounts(regions):
    regulator = factories.make_user(Role.REGULATOR)
    with pytest.raises(PermissionDenied):
        services.create_account(regulator, email="x@example.cn", password=GOOD_PASSWORD,
                                role=Role.ADMIN)
    admin = factories.make_user(Role.ADMIN, region_code=None)
    association = factories.make_association()
    assessor = services.create_account(admin, email="assessor@example.cn", password=GOOD_PASSWORD,
                                       role=Role.ASSESSOR, region_code="370600",
                                       association_id=association.id)
    assert assessor.association_id == association.id


def test_sign_up_creates_account_and_draft_organisation(regions):
    user = services.sign_up_organisation(email="staff@xinhai.cn", password=GOOD_PASSWORD,
                                         organisation_name="  烟台市心海心理咨询有限公司 ",
                                         org_type="social_counselling", region_code="370602")
    organisation = db.session.get(Organisation, user.organisation_id)
    assert organisation.name == "烟台市心海心理咨询有限公司"
    assert organisation.status is OrganisationStatus.DRAFT and organisation.uscc is None
    assert user.role is Role.ORG
    assert _actions() == ["organisation.create", "account.signup"]


@pytest.mark.parametrize("region_code, accepted", [
    ("370602", True),   # a county
    ("441900", True),   # 东莞市: a city with no counties
    ("370600", False),  # a city with counties: choose the county
    ("370000", False),
    ("", False),
])
def test_sign_up_needs_a_county_level_place(regions, region_code, accepted):
    arguments = dict(email="staff@xinhai.cn", password=GOOD_PASSWORD, organisation_name="心海咨询",
                     org_type="social_counselling", region_code=region_code)
    if accepted:
        assert services.sign_up_organisation(**arguments).organisation.region_code == region_code
    else:
        with pytest.raises(ValidationFailed) as error:
            services.sign_up_organisation(**arguments)
        assert set(error.value.errors) == {"region_code"}
        assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 0


def test_authenticate(regions):
    user = factories.make_user(Role.ADMIN, region_code=None, email="admin@example.cn")
    db.session.commit()
    assert services.authenticate("ADMIN@example.cn", "correct horse battery") == user
    assert user.last_login_at is not None
    assert services.authenticate("admin@example.cn", "wrong password!") is None
    assert services.authenticate("nobody@example.cn", "correct horse battery") is None
    user.active = False
    db.session.commit()
    assert services.authenticate("admin@example.cn", "correct horse battery") is None


def test_change_password_ends_other_sessions(regions):
    user = factories.make_user(Role.ADMIN, region_code=None)
    db.session.commit()
    old_session = user.get_id()
    with pytest.raises(ValidationFailed) as error:
        services.change_password(user, "wrong", "short")
    assert set(error.value.errors) == {"current_password", "new_password"}
    services.change_password(user, "correct horse battery", GOOD_PASSWORD)
    assert user.get_id() != old_session
    assert services.authenticate(user.email, GOOD_PASSWORD) == user
    assert "account.password_change" in _actions()


def test_deactivation(regions):
    admin = factories.make_user(Role.ADMIN, region_code=None)
    regulator = factories.make_user(Role.REGULATOR)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.set_account_active(regulator, admin.id, False)
    with pytest.raises(ValidationFailed):
        services.set_account_active(admin, admin.id, False)
    services.set_account_active(admin, regulator.id, False)
    assert regulator.active is False
    event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (event.action, event.before, event.after) == ("account.deactivate", {"active": True},
                                                         {"active": False})


def test_tokens_are_stored_hashed_and_revocable(regions):
    user = factories.make_user(Role.REGULATOR)
    db.session.commit()
    token, raw = services.create_token(user, "评估工具")
    stored = db.session.get(ApiToken, token.id)
    assert raw not in (stored.token_digest, stored.token_prefix) and raw.startswith(stored.token_prefix)
    assert services.user_for_token(raw) == user
    assert services.user_for_token(raw + "x") is None
    other = factories.make_user(Role.REGULATOR)
    with pytest.raises(PermissionDenied):
        services.revoke_token(other, token.id)
    services.revoke_token(user, token.id)
    assert services.user_for_token(raw) is None
    with pytest.raises(ValidationFailed):
        services.create_token(user, "   ")


def test_token_of_deactivated_account_stops_working(regions):
    admin = factories.make_user(Role.ADMIN, region_code=None)
    user = factories.make_user(Role.REGULATOR)
    db.session.commit()
    _token, raw = services.create_token(user, "脚本")
    services.set_account_active(admin, user.id, False)
    assert services.user_for_token(raw) is None
