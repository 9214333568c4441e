"""A visitor in a real browser: region navigation to an organisation, phone-sized screens,
and the language switch."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) and page."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_visitor_finds_an_organisation_through_region_navigation(page, live_server, artifacts):
    data = live_server.data
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("心理健康服务机构与人员登记平台")
    page.screenshot(path=artifacts / "home.png", full_page=True)

    regions = page.locator(".region-grid")
    regions.get_by_role("link", name=re.compile(r"^山东省")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("山东省")

    page.locator(".region-grid").get_by_role("link", name=re.compile(r"^烟台市")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("烟台市")
    expect(page.locator(".org-card")).to_have_count(3)
    page.screenshot(path=artifacts / "region-370600.png", full_page=True)

    page.get_by_role("link", name=data.organisation_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(data.organisation_name)
    expect(page.get_by_text(data.organisation_uscc)).to_be_visible()
    expect(page.get_by_text("示范单位").first).to_be_visible()
    page.screenshot(path=artifacts / "organisation.png", full_page=True)

    page.get_by_role("link", name=data.practitioner_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(data.practitioner_name)
    expect(page.get_by_text("心理咨询师（国家职业资格二级）")).to_be_visible()


@pytest.mark.parametrize("name", ["home", "region", "organisation", "practitioner", "not-found"])
def test_pages_fit_a_360px_phone_screen(browser, live_server, artifacts, name):
    data = live_server.data
    path = {
        "home": "/",
        "region": "/regions/370600",
        "organisation": f"/organisations/{data.organisation_id}",
        "practitioner": f"/practitioners/{data.practitioner_id}",
        "not-found": "/no-such-page",
    }[name]
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    try:
        page = context.new_page()
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.screenshot(path=artifacts / f"phone-{name}.png", full_page=True)

        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()


def test_language_switch_is_remembered(page, live_server):
    page.goto(live_server.url + "/regions/370600")

    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Registered organisations")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # The next page, reached without ?lang=, stays in English (the choice is in a cookie).
    page.get_by_role("link", name=live_server.data.organisation_name).click()
    expect(page.get_by_text("Unified social credit code")).to_be_visible()

    page.get_by_role("link", name="中文").click()
    expect(page.get_by_text("统一社会信用代码")).to_be_visible()
