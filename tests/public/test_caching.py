"""What a reverse proxy or a browser may keep: anonymous public pages and API reads are public
for a short time with an ETag (304 on revalidation), and the ETag changes the moment a record
changes or the date moves on; nothing personal, nothing with a cookie or a CSRF token, no
error and no redirect is ever shared."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from flask import render_template_string

from registry import create_app
from registry.auth.models import Role
from registry.clock import local_today
from registry.config import ConfigError, Config
from registry.extensions import db
from registry.http_cache import shared_cacheable
from registry.orgs import services as org_services
from registry.orgs.models import OrganisationStatus
from registry.sanctions import services as sanction_services
from registry.sanctions.models import SanctionType
from tests import factories
from tests.app.test_get_never_writes import _urls
from tests.conftest import PASSWORD, TEST_PII_KEY
from tests.disclosure.builders import build_register
from tests.orgs.conftest import profile

PUBLIC = "public, max-age=60, stale-while-revalidate=300"


def _is_shared(response) -> bool:
    return "public" in response.headers.get("Cache-Control", "")


@pytest.fixture
def register(regions):
    return build_register().records


@pytest.fixture
def regulator(register):
    user = factories.make_user(Role.REGULATOR, email="regulator@example.cn")
    db.session.commit()
    return user


@pytest.fixture
def admin(register):
    user = factories.make_user(Role.ADMIN, region_code=None, email="admin@example.cn")
    db.session.commit()
    return user


# --- anonymous public pages -----------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/", "/regions/370600", "/search?q=心海", "/search/practitioners?q=王", "/sanctions",
    "/demonstration-units", "/open-data/", "/feeds/registrations.atom", "/api/docs",
    "/api/v1/sanctions", "/api/v1/organisations?q=心海", "/api/v1/openapi.json",
])
def test_anonymous_public_reads_are_shared_for_a_minute(client, register, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == PUBLIC
    assert response.headers["ETag"] and "Cookie" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers
    again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Cache-Control"] == PUBLIC and again.headers["ETag"] == response.headers["ETag"]


def test_organisation_page_is_public_and_revalidates_to_304(client, register):
    url = f"/organisations/{register['active'].id}"
    first = client.get(url)
    assert first.headers["Cache-Control"] == PUBLIC and first.headers["ETag"]
    assert "Set-Cookie" not in first.headers and first.headers["Vary"] == "Cookie"
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    head = client.head(url, headers={"If-None-Match": first.headers["ETag"]})
    assert head.status_code == 304
    for page in (f"/practitioners/{register['person'].id}",
                 f"/organisations/{register['active'].id}/notice"):
        assert client.get(page).headers["Cache-Control"] == PUBLIC


def test_an_approved_change_changes_the_etag_at_once(client, register, regulator, admin):
    organisation = register["active"]
    url = f"/organisations/{organisation.id}"
    before = client.get(url).headers["ETag"]
    change = org_services.request_change(admin, organisation.id,
                                         profile(organisation, phone="13800138000"))
    pending = client.get(url, headers={"If-None-Match": before})
    assert pending.status_code == 304  # the public sees the last approved version meanwhile
    org_services.approve_change(regulator, change.id,
                                revision=org_services.change_revision(change))
    after = client.get(url, headers={"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before
    assert "138 0013 8000" in after.get_data(as_text=True)


def test_a_recorded_sanction_changes_the_etag_at_once(client, register, regulator):
    organisation = register["active"]
    url = f"/organisations/{organisation.id}"
    api_url = f"/api/v1/organisations/{organisation.id}"
    page, api = client.get(url).headers["ETag"], client.get(api_url).headers["ETag"]
    today = local_today()
    sanction_services.record_sanction(regulator, "organisation", organisation.id, {
        "sanction_type": "warning", "facts": "未按规定公示收费标准。",
        "legal_basis": "《中华人民共和国价格法》第十三条", "decision_number": "烟卫罚〔2026〕99号",
        "decision_date": today.isoformat(), "deciding_body": "烟台市卫生健康委员会",
        "starts_on": today.isoformat(), "ends_on": "",
        "disclosure_until": (today + timedelta(days=180)).isoformat()})
    changed = client.get(url, headers={"If-None-Match": page})
    assert changed.status_code == 200 and "烟卫罚〔2026〕99号" in changed.get_data(as_text=True)
    assert client.get(api_url, headers={"If-None-Match": api}).status_code == 200


class _Tomorrow(datetime):
    """The clock one day on: a suspension's last day is over, without any write."""

    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) + timedelta(days=1)


def test_the_etag_follows_the_date(client, register, monkeypatch):
    today = local_today()
    suspended = factories.make_organisation(name="烟台市今日到期心理咨询中心",
                                            status=OrganisationStatus.SUSPENDED)
    factories.make_sanction(suspended, sanction_type=SanctionType.SUSPENSION,
                            decision_date=today - timedelta(days=30),
                            starts_on=today - timedelta(days=30), ends_on=today)
    db.session.commit()
    url = f"/organisations/{suspended.id}"
    quiet = f"/organisations/{register['active'].id}"
    first, quiet_first = client.get(url), client.get(quiet)
    assert "该机构已被暂停服务" in first.get_data(as_text=True)

    monkeypatch.setattr("registry.clock.datetime", _Tomorrow)
    next_day = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert next_day.status_code == 200 and next_day.headers["ETag"] != first.headers["ETag"]
    assert "该机构已被暂停服务" not in next_day.get_data(as_text=True)
    # A page whose text did not change is revalidated once a day all the same.
    assert client.get(quiet, headers={"If-None-Match": quiet_first.headers["ETag"]}
                      ).status_code == 200


# --- pages kept rendered by the worker ------------------------------------------------------

def test_a_kept_page_is_never_served_to_a_logged_in_visitor(client, auth, register):
    url = f"/organisations/{register['active'].id}"
    logout_button = 'action="/logout"'
    assert logout_button not in client.get(url).get_data(as_text=True)  # kept, anonymous
    auth.login("owner@example.cn", PASSWORD)
    assert logout_button in client.get(url).get_data(as_text=True)
    auth.logout()
    farewell = client.get(url).get_data(as_text=True)
    assert "您已退出登录" in farewell and logout_button not in farewell  # the flash, once
    assert "您已退出登录" not in client.get(url).get_data(as_text=True)


def test_a_change_the_version_cannot_see_shows_within_page_cache_seconds(
        app, client, register, monkeypatch):
    import sqlalchemy as sa

    from registry.orgs.models import Organisation

    organisation = register["active"]
    url = f"/organisations/{organisation.id}"
    assert organisation.name in client.get(url).get_data(as_text=True)
    # A Core update bypasses the ORM events, so no change-log row moves the version.
    db.session.execute(sa.update(Organisation).where(Organisation.id == organisation.id)
                       .values(name="烟台市改名心理咨询中心"))
    db.session.commit()
    assert "改名" not in client.get(url).get_data(as_text=True)  # the kept page, still fresh
    now = time.monotonic()
    monkeypatch.setattr("registry.http_cache.time.monotonic",
                        lambda: now + app.config["PAGE_CACHE_SECONDS"] + 1)
    assert "烟台市改名心理咨询中心" in client.get(url).get_data(as_text=True)


def test_the_kept_pages_stay_within_their_budget(app, client, register):
    pages = app.extensions["page_cache"]
    first = client.get(f"/organisations/{register['active'].id}").get_data()
    assert pages.size == (1, len(first))
    app.config["PAGE_CACHE_BYTES"] = len(first) + 100
    client.get(f"/organisations/{register['suspended'].id}")
    client.get("/demonstration-units")
    count, size = pages.size
    assert count == 1 and size <= len(first) + 100


def test_pages_are_not_kept_when_page_cache_seconds_is_0(app, client, register):
    app.config["PAGE_CACHE_SECONDS"] = 0
    response = client.get(f"/organisations/{register['active'].id}")
    assert response.headers["Cache-Control"] == PUBLIC and response.headers["ETag"]
    assert app.extensions["page_cache"].size == (0, 0)


# --- never shared ---------------------------------------------------------------------------

def test_logged_in_pages_are_private_and_never_answer_304(client, auth, register):
    url = f"/organisations/{register['active'].id}"
    anonymous = client.get(url).headers["ETag"]
    auth.login("owner@example.cn", PASSWORD)
    for path in (url, "/", "/sanctions", "/search?q=心海", "/account"):
        response = client.get(path, headers={"If-None-Match": anonymous})
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-store", path
        assert "ETag" not in response.headers
    auth.logout()
    after = client.get("/")  # shows the logout flash, read from the session: not shared
    assert after.headers["Cache-Control"] == "private, no-store"
    assert client.get("/").headers["Cache-Control"] == PUBLIC


def test_api_reads_with_a_token_are_private(client, register):
    url = f"/api/v1/organisations/{register['active'].id}"
    response = client.get(url, headers={"Authorization": f"Bearer {register['token']}"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache" and response.headers["ETag"]
    again = client.get(url, headers={"Authorization": f"Bearer {register['token']}",
                                     "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize("path", ["/organisations/999999", "/regions/999999", "/nothing",
                                  "/search?min_grade=nonsense", "/manage/practitioners",
                                  "/api/v1/organisations/999999", "/api/v1/me"])
def test_errors_and_redirects_are_never_stored(client, register, path):
    response = client.get(path)
    assert response.status_code in (302, 400, 401, 404)
    assert response.headers["Cache-Control"] in ("no-store", "private, no-store")
    assert "ETag" not in response.headers


def test_a_language_choice_is_not_shared_but_its_pages_are(app, client, register):
    url = f"/organisations/{register['active'].id}?lang=en"
    chosen = client.get(url)
    assert "lang=en" in chosen.headers["Set-Cookie"]
    assert chosen.headers["Cache-Control"] == "private, no-store"
    remembered = client.get(url)  # the cookie already says en: nothing written
    assert "Set-Cookie" not in remembered.headers and remembered.headers["Cache-Control"] == PUBLIC
    assert "Cookie" in remembered.headers["Vary"]
    english = client.get(f"/organisations/{register['active'].id}")
    chinese = app.test_client().get(f"/organisations/{register['active'].id}")
    assert english.headers["ETag"] != chinese.headers["ETag"]
    assert english.headers["Cache-Control"] == chinese.headers["Cache-Control"] == PUBLIC


@pytest.fixture
def csrf_app(register, tmp_path):
    """The registry with CSRF protection on, as in production (the test app has it off)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": db.engine.url.render_as_string(False),
                      "SECRET_KEY": "k" * 40, "PII_KEY": TEST_PII_KEY, "TESTING": True,
                      "SEARCH_INDEX_DIR": str(tmp_path / "index")})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_pages_with_a_csrf_token_are_never_shared(csrf_app, register):
    client = csrf_app.test_client()
    organisation = register["active"].id
    for path in ("/login", "/signup", "/certificates/verify",
                 f"/complaints/new?organisation={organisation}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert 'name="csrf_token"' in response.get_data(as_text=True), path
        assert response.headers["Cache-Control"] == "private, no-store", path
        assert "ETag" not in response.headers
    # The visitor now holds a session cookie; public pages stay public and set no cookie
    # (after Flask-Login marks the session not fresh, once).
    client.get("/")
    response = client.get(f"/organisations/{organisation}")
    assert response.headers["Cache-Control"] == PUBLIC and "Set-Cookie" not in response.headers


def test_a_public_view_that_renders_a_csrf_token_is_not_shared(csrf_app, register):
    @csrf_app.get("/tests/form")
    @shared_cacheable
    def form_page():
        return render_template_string('<form method="post"><input name="csrf_token" '
                                      'value="{{ csrf_token() }}"></form>')

    client = csrf_app.test_client()
    # The token goes into a new session cookie, Flask-Login then marks that session not
    # fresh; from the third view on the session holds all it needs and no cookie is written.
    responses = [client.get("/tests/form") for _ in range(3)]
    assert "Set-Cookie" in responses[0].headers and "Set-Cookie" not in responses[2].headers
    for response in responses:
        assert 'value="' in response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "private, no-store"


def test_no_shared_answer_anywhere_sets_a_cookie_or_fails(app, client, auth, register):
    """Every GET route of the URL map, anonymously and logged in: a public answer is a 200
    without a cookie, a logged-in visitor never gets one, and every other answer says that it
    may not be kept (or only revalidated)."""
    ids = {"organisation_id": register["active"].id, "practitioner_id": register["person"].id,
           "sanction_id": register["sanction"].id, "evaluation_id": register["published"].id,
           "name": "registrations"}
    urls = _urls(app, ids)
    assert len(urls) > 40
    shared = set()
    for logged_in in (False, True):
        if logged_in:
            auth.login("owner@example.cn", PASSWORD)
        for url in urls:
            if logged_in and url.startswith("/api/v1/"):
                continue  # the API ignores the cookie session (a token: tested above)
            response = client.get(url)
            response.close()
            if _is_shared(response):
                assert not logged_in, url
                assert response.status_code == 200 and "Set-Cookie" not in response.headers, url
                shared.add(url)
            else:  # kept by nobody, or only after asking the server again
                policy = response.headers["Cache-Control"]
                assert "no-store" in policy or "no-cache" in policy, url
                assert not logged_in or policy == "private, no-store", url
    # (A page showing a flash message — "please log in" after a redirect — is not shared.)
    assert len(shared) > 10 and f"/organisations/{ids['organisation_id']}" in shared


# --- settings and production ----------------------------------------------------------------

def test_public_cache_seconds_are_configurable(app, client, register):
    app.config.update(PUBLIC_CACHE_SECONDS=15, PUBLIC_CACHE_STALE_SECONDS=0)
    assert client.get("/").headers["Cache-Control"] == "public, max-age=15"
    app.config.update(PUBLIC_CACHE_SECONDS=0)
    response = client.get("/")
    assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]


@pytest.mark.parametrize("raw", ["-1", "soon", "６０"])
def test_a_bad_cache_setting_stops_start_up(monkeypatch, raw):
    monkeypatch.setenv("PUBLIC_CACHE_SECONDS", raw)
    with pytest.raises(ConfigError):
        Config.from_environment({})


def test_production_shares_public_pages_over_https_only(monkeypatch, register, tmp_path):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    monkeypatch.setenv("PUBLIC_CACHE_SECONDS", "30")
    app = create_app({"SQLALCHEMY_DATABASE_URI": db.engine.url.render_as_string(False),
                      "SECRET_KEY": "p" * 40, "PII_KEY": TEST_PII_KEY,
                      "SEARCH_INDEX_DIR": str(tmp_path / "index")})
    client = app.test_client()
    url = f"/organisations/{register['active'].id}"
    response = client.get(url, base_url="https://registry.example.cn")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=30, stale-while-revalidate=300"
    assert "Set-Cookie" not in response.headers and "max-age" in response.headers[
        "Strict-Transport-Security"]
    assert client.get(url, base_url="https://registry.example.cn", headers={
        "If-None-Match": response.headers["ETag"]}).status_code == 304
    login = client.get("/login", base_url="https://registry.example.cn")
    assert login.headers["Cache-Control"] == "private, no-store" and "Secure" in login.headers[
        "Set-Cookie"]
    plain = client.get(url, base_url="http://registry.example.cn")  # redirected to https
    assert plain.status_code in (301, 302) and not _is_shared(plain)
    with app.app_context():
        db.engine.dispose()
