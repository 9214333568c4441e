"""The registration loop in a real browser: an organisation signs up, fills in its
registration and submits it; a regulator of 烟台市 approves it from the queue; the public page
shows it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from registry.auth.models import Role
from registry.extensions import db
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ORGANISATION = "烟台市芝罘区晴空心理咨询服务中心"
ORG_EMAIL = "staff@qingkong.example.cn"
ORG_PASSWORD = "晴空心理咨询2026"


@pytest.fixture
def regulator(app, regions):
    """A regulator of 烟台市 (370600)."""
    user = factories.make_user(Role.REGULATOR, region_code="370600", email="review@yantai.gov.cn")
    db.session.commit()
    return user.email


def new_page(browser, **options):
    context = browser.new_context(locale="zh-CN", **options)
    return context, context.new_page()


def sign_up(page, base: str) -> None:
    page.goto(base + "/signup")
    page.get_by_label("机构名称").fill(ORGANISATION)
    page.get_by_label("机构类型").select_option(label="社会心理咨询服务机构")
    page.get_by_label("省份").select_option(label="山东省")
    page.get_by_label("城市").select_option(label="烟台市")
    page.get_by_label("区县").select_option(label="芝罘区")
    page.get_by_label("电子邮箱").fill(ORG_EMAIL)
    page.get_by_label("密码", exact=True).fill(ORG_PASSWORD)
    page.get_by_label("确认密码").fill(ORG_PASSWORD)
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_text("账号已创建")).to_be_visible()


def fill_in_registration(page, uscc: str) -> None:
    # The sign-up details are already there; the region picker shows the county chosen then.
    expect(page.get_by_label("机构名称")).to_have_value(ORGANISATION)
    expect(page.get_by_label("区县")).to_have_value("370602")
    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_label("法定代表人（负责人）").fill("王晓晴")
    page.get_by_label("详细地址").fill("烟台市芝罘区北马路 150 号 3 楼")
    page.get_by_label("对外服务电话").fill("0535-6612345")
    page.get_by_label("服务时间").fill("周二至周日 9:00–18:00")
    page.get_by_label("收费标准").fill("个体咨询 260 元/50 分钟")
    page.get_by_role("radio", name="是").check()
    page.get_by_label("公益服务说明").fill("每月为社区居民提供一次免费团体辅导。")
    for choice in ("心理咨询", "心理健康宣传教育", "青少年/学生", "成年人", "面询（到机构）", "网络/视频", "普通话"):
        page.get_by_label(choice, exact=True).check()


def test_sign_up_register_submit_approve_publish(browser, live_server, artifacts, regulator):
    base = live_server.url
    uscc = factories.valid_uscc("370602", serial=987654)

    # The organisation signs up and opens its registration (我的机构).
    context, page = new_page(browser, viewport={"width": 1280, "height": 900})
    sign_up(page, base)
    page.goto(base + "/my-organisation")
    expect(page.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    expect(page.get_by_text("提交审核前还需填写")).to_be_visible()
    organisation_id = int(re.search(r"/manage/organisations/(\d+)", page.url).group(1))

    # A wrong check digit is explained beside the field, and nothing typed is lost.
    fill_in_registration(page, uscc[:-1] + ("0" if uscc[-1] != "0" else "1"))
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#uscc-error")).to_contain_text("校验位不正确")
    expect(page.get_by_label("详细地址")).to_have_value("烟台市芝罘区北马路 150 号 3 楼")
    expect(page.get_by_label("心理咨询", exact=True)).to_be_checked()
    page.screenshot(path=artifacts / "registration-error.png", full_page=True)

    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("登记信息已保存")).to_be_visible()
    expect(page.get_by_text("必填项均已填写，可以提交审核")).to_be_visible()
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_text("正在等待主管部门审核").first).to_be_visible()
    page.screenshot(path=artifacts / "registration-submitted.png", full_page=True)
    context.close()

    # Not public yet.
    context, page = new_page(browser)
    assert page.goto(f"{base}/organisations/{organisation_id}").status == 404

    # The regulator of 烟台市 approves it from the queue.
    page.goto(base + "/login")
    page.get_by_label("电子邮箱").fill(regulator)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(base + "/my-organisation")
    expect(page.get_by_role("heading", level=1)).to_have_text("登记审核")
    row = page.locator("tr", has_text=ORGANISATION)
    expect(row).to_contain_text("新登记")
    expect(row).to_contain_text("小时")
    page.screenshot(path=artifacts / "review-queue.png", full_page=True)
    row.get_by_role("link", name=ORGANISATION).click()
    expect(page.get_by_text(uscc)).to_be_visible()
    expect(page.get_by_text("山东省 烟台市 芝罘区")).to_be_visible()
    page.screenshot(path=artifacts / "review-organisation.png", full_page=True)
    page.get_by_role("button", name="批准登记").click()
    expect(page.get_by_text("机构信息已公开")).to_be_visible()
    expect(page.locator("tr", has_text=ORGANISATION)).to_have_count(0)
    context.close()

    # The public sees it.
    context, page = new_page(browser, viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/organisations/{organisation_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    expect(page.get_by_text(uscc)).to_be_visible()
    expect(page.get_by_text("每月为社区居民提供一次免费团体辅导。")).to_be_visible()
    page.screenshot(path=artifacts / "registration-public.png", full_page=True)
    context.close()


def test_registration_form_fits_a_phone(browser, live_server, artifacts):
    context, page = new_page(browser, viewport={"width": 360, "height": 740}, is_mobile=True,
                             has_touch=True, device_scale_factor=2)
    try:
        sign_up(page, live_server.url)
        page.goto(live_server.url + "/my-organisation")
        expect(page.get_by_label("统一社会信用代码")).to_be_visible()
        page.screenshot(path=artifacts / "phone-registration.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()
