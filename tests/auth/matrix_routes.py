"""The account routes in the permission matrix."""
from __future__ import annotations

from tests.conftest import PASSWORD
from tests.matrix import ADMIN, EVERYONE, LOGGED_IN, OWNER, Route

NEW_PASSWORD = "烟台心海咨询2026"

ROUTES = [
    Route("auth.login", "POST", lambda w: "/login", EVERYONE,
          data=lambda w: {"email": "admin@example.cn", "password": PASSWORD}),
    Route("auth.logout", "POST", lambda w: "/logout", LOGGED_IN),
    Route("auth.signup", "POST", lambda w: "/signup", EVERYONE, data=lambda w: {
        "organisation_name": "新机构", "org_type": "hotline", "province": "370000",
        "city": "370600", "county": "370602", "email": "new.org@example.cn",
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    Route("auth.change_password", "POST", lambda w: "/account/password", LOGGED_IN,
          data=lambda w: {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                          "confirm": NEW_PASSWORD}),
    Route("auth.end_other_sessions", "POST", lambda w: "/account/sessions/end-others", LOGGED_IN),
    Route("auth.create_token", "POST", lambda w: "/account/tokens", LOGGED_IN,
          data=lambda w: {"name": "脚本"}),
    Route("auth.revoke_token", "POST",
          lambda w: f"/account/tokens/{w.records['owner_token'].id}/revoke", OWNER),
    Route("auth.new_account", "POST", lambda w: "/admin/accounts/new", ADMIN,
          data=lambda w: {"email": "created@example.cn", "role": "admin",
                          "password": NEW_PASSWORD}),
    Route("auth.set_active", "POST",
          lambda w: f"/admin/accounts/{w.accounts['regulator_outside'].id}/deactivate", ADMIN),
    # A regulator (of 绵阳) ending sessions of another region's regulator is refused too.
    Route("auth.end_sessions", "POST",
          lambda w: f"/admin/accounts/{w.accounts['regulator_inside'].id}/sessions/end", ADMIN),
]
