"""A visitor searching on a phone: the header box, pinyin, the collapsed filter sidebar."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_phone_visitor_searches_in_pinyin_and_filters_by_county(browser, live_server, artifacts):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    try:
        page.goto(live_server.url + "/")
        page.locator(".site-search input[name=q]").fill("xinhai")
        page.locator(".site-search button").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("检索心理健康服务机构")
        expect(page.locator(".org-card")).to_have_count(1)
        expect(page.locator(".org-card__name")).to_have_text(live_server.data.organisation_name)

        filters = page.locator("details.search-filters")
        expect(filters).not_to_have_attribute("open", "")  # collapsed on a phone
        page.screenshot(path=artifacts / "search-phone.png", full_page=True)
        filters.locator("summary").click()
        expect(filters).to_have_attribute("open", "")

        page.locator(".search-form input[name=q]").fill("心理")
        page.locator(".search-form button").click()
        expect(page.locator(".org-card")).to_have_count(3)
        page.locator("details.search-filters summary").click()
        page.locator(".facet__values a", has_text="山东省").click()
        page.locator("details.search-filters summary").click()
        page.locator(".facet__values a", has_text="烟台市").click()
        page.locator("details.search-filters summary").click()
        page.locator(".facet__values a", has_text="福山区").click()
        expect(page.locator(".org-card")).to_have_count(1)
        expect(page.locator(".org-card mark").first).to_have_text("心理")
        assert "region=370611" in page.url and "q=" in page.url
        assert not errors, errors  # no script or style refused by the Content-Security-Policy
    finally:
        context.close()
