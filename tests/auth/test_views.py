"""Login, sign-up, account pages and administration, through the web."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from registry.auth.models import ApiToken, Role, User
from registry.extensions import db
from registry.orgs.models import Organisation
from tests import factories
from tests.conftest import PASSWORD


@pytest.fixture
def admin(regions):
    user = factories.make_user(Role.ADMIN, region_code=None, email="admin@example.cn")
    db.session.commit()
    return user


def test_login_and_logout(client, auth, admin):
    page = client.get("/login")
    assert page.status_code == 200 and "登录" in page.get_data(as_text=True)
    response = auth.login("admin@example.cn")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "admin@example.cn" in client.get("/account").get_data(as_text=True)
    assert auth.logout().status_code == 302
    assert client.get("/account").status_code == 302  # back to the login page


def test_wrong_password_and_unknown_email_get_the_same_message(client, auth, admin):
    wrong = auth.login("admin@example.cn", "not the password")
    unknown = auth.login("nobody@example.cn", "not the password")
    for response in (wrong, unknown):
        text = response.get_data(as_text=True)
        assert response.status_code == 200 and "邮箱或密码不正确" in text
    assert 'value="nobody@example.cn"' in unknown.get_data(as_text=True)  # what was typed is kept


@pytest.mark.parametrize("target, expected", [
    ("/audit", "/audit"),
    ("https://evil.example.com/", "/account"),
    ("//evil.example.com/", "/account"),
    ("/\\evil.example.com", "/account"),
    ("javascript:alert(1)", "/account"),
])
def test_next_redirects_only_to_local_paths(client, admin, target, expected):
    response = client.post("/login", query_string={"next": target},
                           data={"email": "admin@example.cn", "password": PASSWORD})
    assert response.headers["Location"] == expected


def test_session_is_renewed_at_login(client, auth, admin):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login("admin@example.cn")
    with client.session_transaction() as session:
        assert "planted" not in session and session.get("_user_id")


def test_login_is_throttled_per_account_with_a_chinese_message(client, auth, admin):
    statuses = [auth.login("admin@example.cn", "wrong password!").status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    text = auth.login("admin@example.cn").get_data(as_text=True)
    assert "请求过于频繁" in text
    # Another account from the same address is not locked out by the first one's limit.
    factories.make_user(Role.ADMIN, region_code=None, email="second@example.cn")
    db.session.commit()
    assert auth.login("second@example.cn").status_code == 302


def test_signup_keeps_what_was_typed_and_shows_errors_beside_fields(client, regions):
    response = client.post("/signup", data={
        "organisation_name": "烟台市心海心理咨询有限公司", "org_type": "social_counselling",
        "province": "370000", "city": "370600", "county": "",
        "email": "staff@xinhai.cn", "password": "1234567890", "confirm": "1234567890",
    })
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="烟台市心海心理咨询有限公司"' in text and 'value="staff@xinhai.cn"' in text
    assert "请选择机构所在的区县" in text and "这个密码太常见" in text
    assert '<option selected value="370600">' in text or 'value="370600" selected' in text
    assert "芝罘区" in text  # the county options of the chosen city are offered
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 0


def test_signup_creates_account_and_draft(client, regions):
    response = client.post("/signup", data={
        "organisation_name": "烟台市心海心理咨询有限公司", "org_type": "social_counselling",
        "province": "370000", "city": "370600", "county": "370602",
        "email": "staff@xinhai.cn", "password": "烟台心海咨询2026", "confirm": "烟台心海咨询2026",
    })
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "staff@xinhai.cn"))
    assert user.organisation.region_code == "370602"
    assert "烟台市心海心理咨询有限公司" in client.get("/account").get_data(as_text=True)


def test_signup_without_javascript_refreshes_region_options(client, regions):
    response = client.post("/signup", data={"province": "370000", "refresh_regions": "1",
                                            "email": "staff@xinhai.cn"})
    text = response.get_data(as_text=True)
    assert "烟台市" in text and "此项为必填项" not in text
    assert 'value="staff@xinhai.cn"' in text


def test_change_password_through_the_page(client, auth, admin):
    auth.login("admin@example.cn")
    bad = client.post("/account/password", data={"current_password": "wrong",
                                                  "new_password": "x", "confirm": "x"})
    assert bad.status_code == 400 and "当前密码不正确" in bad.get_data(as_text=True)
    good = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "烟台心海咨询2026", "confirm": "烟台心海咨询2026"})
    assert good.status_code == 302
    assert client.get("/account").status_code == 200  # this session continues


def test_token_shown_once_and_revoked(client, auth, admin):
    auth.login("admin@example.cn")
    created = client.post("/account/tokens", data={"name": "数据对接"})
    text = created.get_data(as_text=True)
    token = db.session.scalar(sa.select(ApiToken))
    raw = text.split('class="code token-value">')[1].split("<")[0]
    assert raw.startswith(token.token_prefix) and len(raw) > 40
    assert raw not in client.get("/account").get_data(as_text=True)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    client.post(f"/account/tokens/{token.id}/revoke")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_admin_creates_a_regulator_for_yantai(client, auth, admin):
    auth.login("admin@example.cn")
    response = client.post("/admin/accounts/new", data={
        "email": "wjw@yantai.gov.cn", "role": "regulator", "province": "370000", "city": "370600",
        "password": "烟台心海咨询2026"})
    assert response.status_code == 302
    regulator = db.session.scalar(sa.select(User).where(User.email == "wjw@yantai.gov.cn"))
    assert regulator.region_code == "370600"
    listing = client.get("/admin/accounts").get_data(as_text=True)
    assert "wjw@yantai.gov.cn" in listing


def test_admin_deactivates_an_account_and_its_session_ends(app, client, auth, admin):
    regulator = factories.make_user(Role.REGULATOR, email="wjw@yantai.gov.cn")
    db.session.commit()
    other = app.test_client()
    other.post("/login", data={"email": "wjw@yantai.gov.cn", "password": PASSWORD})
    assert other.get("/account").status_code == 200
    auth.login("admin@example.cn")
    assert client.post(f"/admin/accounts/{regulator.id}/deactivate").status_code == 302
    assert other.get("/account").status_code == 302
    assert other.post("/login", data={"email": "wjw@yantai.gov.cn",
                                      "password": PASSWORD}).status_code == 200


def test_non_admins_cannot_open_administration(client, auth, regions):
    factories.make_user(Role.REGULATOR, email="wjw@yantai.gov.cn")
    db.session.commit()
    auth.login("wjw@yantai.gov.cn")
    assert client.get("/admin/accounts").status_code == 403
    assert client.get("/admin/accounts/new").status_code == 403


@pytest.mark.parametrize("role, expected, absent", [
    (Role.ADMIN, ["账号管理", "审计日志"], []),
    (Role.REGULATOR, ["审计日志"], ["账号管理"]),
])
def test_workbench_shows_only_what_the_role_may_open(client, auth, regions, role, expected, absent):
    factories.make_user(role, email="someone@example.cn",
                        region_code=None if role is Role.ADMIN else "370600")
    db.session.commit()
    auth.login("someone@example.cn")
    text = client.get("/account").get_data(as_text=True)
    assert 'class="workbench-nav"' in text
    assert all(label in text for label in expected)
    assert not any(label in text for label in absent)


def test_workbench_is_absent_for_the_public(client, regions):
    assert 'class="workbench-nav"' not in client.get("/").get_data(as_text=True)


def _redis_available() -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not _redis_available() and os.environ.get("CI") != "true",
                    reason="needs Redis on 127.0.0.1:6379 (CI has it)")
def test_throttling_is_shared_through_redis(regions, database_template, tmp_path):
    """Two app instances (two workers) count the same login attempts when Redis is set."""
    import uuid

    import redis

    from registry import create_app
    from registry.extensions import limiter
    from tests.conftest import _base_config

    factories.make_user(Role.ADMIN, region_code=None, email="admin@example.cn")
    db.session.commit()
    config = _base_config(db.engine.url.render_as_string(hide_password=False), str(tmp_path))
    prefix = f"test-{uuid.uuid4().hex}"
    config.update(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15", RATELIMIT_KEY_PREFIX=prefix)
    apps = [create_app(config) for _ in range(2)]
    workers = [worker.test_client() for worker in apps]
    store = redis.Redis(host="127.0.0.1", port=6379, db=15)
    try:
        statuses = [workers[n % 2].post("/login", data={"email": "admin@example.cn",
                                                        "password": "wrong password!"}).status_code
                    for n in range(6)]
        assert statuses == [200] * 5 + [429]
        # The counters are in Redis, where every worker process sees them.
        assert list(store.scan_iter(match=f"*{prefix}*"))
    finally:
        limiter.reset()
        for key in store.scan_iter(match=f"*{prefix}*"):
            store.delete(key)
        store.close()
        for worker in apps:  # close the workers' own database connections
            with worker.app_context():
                db.engine.dispose()
