"""Server-side login sessions (ASVS 3.3.1): a copy of the session cookie stops working when the
session ends — at logout, password change, deactivation, an administrator's "end all" — and
when it has been idle or open too long. API tokens are separate and keep working."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from registry.audit.models import AuditEvent
from registry.auth.models import ApiToken, LoginSession, Role, SessionEndReason
from registry.auth.sessions import SEEN_KEY, SESSION_KEY
from registry.config import ConfigError, load_settings
from registry.database import utcnow
from registry.extensions import db
from tests import factories
from tests.conftest import PASSWORD
from tests.matrix import fingerprint

NEW_PASSWORD = "烟台心海咨询2026"


@pytest.fixture
def admin(regions):
    user = factories.make_user(Role.ADMIN, region_code=None, email="admin@example.cn")
    db.session.commit()
    return user


@pytest.fixture
def regulator(regions):
    user = factories.make_user(Role.REGULATOR, email="wjw@yantai.gov.cn")
    db.session.commit()
    return user


def log_in(client, email: str):
    response = client.post("/login", data={"email": email, "password": PASSWORD},
                           headers={"User-Agent": "Mozilla/5.0 (X11; Linux) Firefox/140.0"})
    assert response.status_code == 302
    return client


def copy_of(app, client):
    """A second browser holding a copy of ``client``'s session cookie, as it is now."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def token_works(app, raw_token: str) -> bool:
    """Whether a client without any cookie gets in with the bearer token."""
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw_token}"})
    return response.status_code == 200


def opens_account(client) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _ended(user) -> list:
    return list(db.session.scalars(sa.select(LoginSession.ended_reason)
                                   .where(LoginSession.user_id == user.id)
                                   .order_by(LoginSession.id)))


def _last_event() -> AuditEvent:
    return db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()))


def test_cookie_copied_before_logout_is_refused_after_it(app, client, regulator):
    log_in(client, regulator.email)
    thief = copy_of(app, client)
    assert opens_account(thief)  # the copy works while the session is open
    assert client.post("/logout").status_code == 302
    assert not opens_account(thief)
    refused = thief.post("/account/tokens", data={"name": "偷来的"})
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
    assert _ended(regulator) == [SessionEndReason.LOGOUT]
    assert _last_event().action == "account.logout"


def test_logout_ends_only_that_session(app, client, regulator):
    log_in(client, regulator.email)
    laptop = log_in(app.test_client(), regulator.email)
    client.post("/logout")
    assert opens_account(laptop)


def test_key_is_stored_only_as_its_digest(client, regulator):
    log_in(client, regulator.email)
    with client.session_transaction() as session:
        raw_key = session[SESSION_KEY]
    row = db.session.scalar(sa.select(LoginSession))
    assert row.key_digest == hashlib.sha256(raw_key.encode()).hexdigest()
    assert raw_key not in repr([tuple(r) for r in db.session.execute(sa.select(LoginSession))])
    assert row.user_agent.startswith("Mozilla/5.0") and row.ended_at is None


def test_password_change_ends_the_other_sessions_and_this_one_continues(app, client, regulator):
    log_in(client, regulator.email)
    before_change = copy_of(app, client)
    laptop = log_in(app.test_client(), regulator.email)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert opens_account(client)
    assert not opens_account(laptop)
    assert not opens_account(before_change)  # the cookie was re-issued at the change
    assert _ended(regulator) == [None, SessionEndReason.PASSWORD_CHANGE]


def test_deactivation_ends_sessions_for_good(app, client, admin, regulator):
    officer = log_in(app.test_client(), regulator.email)
    thief = copy_of(app, officer)
    log_in(client, admin.email)
    client.post(f"/admin/accounts/{regulator.id}/deactivate")
    assert not opens_account(officer) and not opens_account(thief)
    client.post(f"/admin/accounts/{regulator.id}/activate")
    assert not opens_account(thief)  # reactivation does not bring old sessions back
    assert _ended(regulator) == [SessionEndReason.DEACTIVATION]


def test_admin_ends_all_sessions_of_an_account_but_not_its_tokens(app, client, admin, regulator):
    officer = log_in(app.test_client(), regulator.email)
    created = officer.post("/account/tokens", data={"name": "数据对接"})
    raw_token = created.get_data(as_text=True).split('class="code token-value">')[1].split("<")[0]
    thief = copy_of(app, officer)
    laptop = log_in(app.test_client(), regulator.email)
    log_in(client, admin.email)
    assert f"/admin/accounts/{regulator.id}/sessions/end" in client.get("/admin/accounts").get_data(
        as_text=True)
    response = client.post(f"/admin/accounts/{regulator.id}/sessions/end", follow_redirects=True)
    assert response.request.path == "/admin/accounts"
    assert "已结束该账号的 2 个登录会话" in response.get_data(as_text=True)
    assert not any(opens_account(c) for c in (officer, thief, laptop))
    assert opens_account(client)  # the admin's own session is untouched
    assert token_works(app, raw_token)
    event = _last_event()
    assert (event.action, event.actor_id, event.entity_id, event.after) == (
        "account.sessions_end", admin.id, str(regulator.id), {"ended": 2})
    assert _ended(regulator) == [SessionEndReason.ENDED_BY_ADMIN] * 2


@pytest.mark.parametrize("role, region_code", [
    (Role.REGULATOR, "510700"),  # a regulator of another region (绵阳)
    (Role.REGULATOR, "370600"),  # nor one of the account's own region: accounts are the admin's
])
def test_only_admins_end_others_sessions(app, client, regulator, role, region_code):
    factories.make_user(role, region_code=region_code, email="other@example.cn")
    db.session.commit()
    officer = log_in(app.test_client(), regulator.email)
    log_in(client, "other@example.cn")
    before = fingerprint()
    assert client.post(f"/admin/accounts/{regulator.id}/sessions/end").status_code == 403
    assert fingerprint() == before
    assert opens_account(officer)


def test_ending_sessions_of_an_unknown_account_is_404(client, admin):
    log_in(client, admin.email)
    assert client.post("/admin/accounts/999999/sessions/end").status_code == 404


def test_sign_out_everywhere_else(app, client, regulator):
    log_in(client, regulator.email)
    laptop = log_in(app.test_client(), regulator.email)
    phone = log_in(app.test_client(), regulator.email)
    page = client.get("/account").get_data(as_text=True)
    assert "退出其他所有登录" in page and page.count("Firefox/140.0") == 3 and "当前会话" in page
    assert "Sign out everywhere else" in client.get("/account?lang=en").get_data(as_text=True)
    response = client.post("/account/sessions/end-others", follow_redirects=True)
    # The language cookie now says English.
    assert response.status_code == 200 and "Signed out of 2 other session(s)." in response.get_data(
        as_text=True)
    assert opens_account(client)
    assert not opens_account(laptop) and not opens_account(phone)
    assert _last_event().after == {"ended": 2}


def test_api_token_created_before_logout_keeps_working(app, client, regulator):
    log_in(client, regulator.email)
    created = client.post("/account/tokens", data={"name": "数据对接"})
    raw_token = created.get_data(as_text=True).split('class="code token-value">')[1].split("<")[0]
    client.post("/logout")
    assert token_works(app, raw_token)


def _age_cookie(client, seconds: int) -> None:
    """Move the cookie's last request ``seconds`` into the past (the clock stays put)."""
    with client.session_transaction() as session:
        session[SEEN_KEY] -= seconds


def test_idle_session_is_refused(app, client, regulator):
    log_in(client, regulator.email)
    thief = copy_of(app, client)
    _age_cookie(client, 29 * 60)
    assert opens_account(client)  # 29 minutes idle: still open, and stamped again
    _age_cookie(thief, 30 * 60 + 1)
    assert not opens_account(thief)
    with client.session_transaction() as session:
        seen = session[SEEN_KEY]
    assert int(utcnow().timestamp()) - seen < 60  # re-stamped by the last request
    _age_cookie(client, 30 * 60 + 1)
    assert not opens_account(client)
    with client.session_transaction() as session:
        assert SESSION_KEY not in session  # the refused key is taken out of the cookie


def test_idle_limit_comes_from_the_configuration(app, client, regulator):
    app.config["SESSION_IDLE_MINUTES"] = 5
    log_in(client, regulator.email)
    _age_cookie(client, 5 * 60 + 1)
    assert not opens_account(client)


def _age_session(user, age: timedelta) -> None:
    """Pretend the account's sessions began ``age`` ago."""
    db.session.execute(sa.update(LoginSession).where(LoginSession.user_id == user.id)
                       .values(created_at=utcnow() - age))
    db.session.commit()


def test_session_older_than_the_maximum_is_refused_however_active(client, regulator):
    log_in(client, regulator.email)
    _age_session(regulator, timedelta(hours=11, minutes=59))
    assert opens_account(client)
    _age_session(regulator, timedelta(hours=12, minutes=1))
    assert not opens_account(client)
    # A new login opens a new session.
    log_in(client, regulator.email)
    assert opens_account(client)


def test_a_page_view_writes_nothing(client, regulator):
    """The idle time lives in the signed cookie: neither the public nor an account's GETs write."""
    log_in(client, regulator.email)
    _age_cookie(client, 10 * 60)
    before = fingerprint()
    assert opens_account(client) and client.get("/").status_code == 200
    anonymous = client.application.test_client()
    assert anonymous.get("/").status_code == 200 and anonymous.get("/login").status_code == 200
    assert fingerprint() == before


def test_sign_up_opens_a_session_that_logout_ends(app, client, regions):
    client.post("/signup", data={
        "organisation_name": "烟台市心海心理咨询有限公司", "org_type": "social_counselling",
        "province": "370000", "city": "370600", "county": "370602",
        "email": "staff@xinhai.cn", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    })
    thief = copy_of(app, client)
    assert opens_account(thief)
    client.post("/logout")
    assert not opens_account(thief)


def test_a_cookie_without_a_session_key_is_refused(app, client, regulator):
    """A cookie of the old kind (user id and version only) opens nothing."""
    with client.session_transaction() as session:
        session["_user_id"] = regulator.get_id()
        session["_fresh"] = True
    assert not opens_account(client)


def test_prune_deletes_only_old_ended_or_expired_sessions(app, runner, regulator):
    for _ in range(3):
        log_in(app.test_client(), regulator.email)
    rows = list(db.session.scalars(sa.select(LoginSession).order_by(LoginSession.id)))
    now = utcnow()
    rows[0].ended_at, rows[0].ended_reason = now - timedelta(days=31), SessionEndReason.LOGOUT
    rows[1].created_at = now - timedelta(days=31)  # expired long ago, never ended
    db.session.commit()
    result = runner.invoke(args=["users", "prune-sessions", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "Deleted 2" in result.output
    assert list(db.session.scalars(sa.select(LoginSession.id))) == [rows[2].id]
    assert _last_event().action == "session.prune"


def test_timeouts_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("SESSION_MAX_HOURS", "8")
    settings = load_settings({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "s",
                              "PII_KEY": "k", "SEARCH_INDEX_DIR": "unused"})
    assert (settings["SESSION_IDLE_MINUTES"], settings["SESSION_MAX_HOURS"]) == (15, 8)
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "half an hour")
    with pytest.raises(ConfigError):
        load_settings({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "s",
                       "PII_KEY": "k", "SEARCH_INDEX_DIR": "unused"})


def test_timeouts_default_to_thirty_minutes_and_twelve_hours(monkeypatch):
    monkeypatch.delenv("SESSION_IDLE_MINUTES", raising=False)
    monkeypatch.delenv("SESSION_MAX_HOURS", raising=False)
    settings = load_settings({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "s",
                              "PII_KEY": "k", "SEARCH_INDEX_DIR": "unused"})
    assert (settings["SESSION_IDLE_MINUTES"], settings["SESSION_MAX_HOURS"]) == (30, 12)


@pytest.mark.parametrize("ended_at, reason", [
    ("2026-12-01 08:00:00", None),  # ended without a reason
    (None, "logout"),  # a reason for a session that has not ended
])
def test_an_ended_session_carries_its_reason(regulator, ended_at, reason):
    with pytest.raises(IntegrityError):
        db.session.execute(sa.text(
            "INSERT INTO login_sessions (user_id, key_digest, created_at, ended_at, ended_reason)"
            " VALUES (:user_id, :digest, :created_at, :ended_at, :reason)"),
            {"user_id": regulator.id, "digest": "0" * 64, "created_at": "2026-12-01 07:00:00",
             "ended_at": ended_at, "reason": reason})
        db.session.flush()
    db.session.rollback()


def test_the_service_itself_refuses_non_admins(regulator):
    """The permission lives in the service (and the policy), not only in the view."""
    from registry.auth import services, sessions
    from registry.auth.policy import PermissionDenied

    opened = services.log_in(regulator.email, PASSWORD)
    assert opened is not None
    outsider = factories.make_user(Role.REGULATOR, region_code="510700")
    db.session.commit()
    with pytest.raises(PermissionDenied):
        sessions.end_all_sessions(outsider, regulator.id)
    db.session.rollback()
    assert _ended(regulator) == [None]
    admin = factories.make_user(Role.ADMIN, region_code=None)
    db.session.commit()
    assert sessions.end_all_sessions(admin, regulator.id) == 1
    assert sessions.end_all_sessions(admin, regulator.id) == 0  # nothing left to end
    assert _ended(regulator) == [SessionEndReason.ENDED_BY_ADMIN]
