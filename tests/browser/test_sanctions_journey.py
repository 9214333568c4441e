"""The sanctions loop in a real browser: an assessor of the 烟台市 association recommends a
suspension, a regulator accepts it by recording the suspension, the public page shows 暂停服务
and the sanction, the organisation appeals, the regulator accepts, and disclosure ends."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from registry.auth.models import Role
from registry.extensions import db
from registry.sanctions.services import local_today
from tests import factories
from tests.browser.test_evaluation_journey import log_in, new_page

pytestmark = pytest.mark.browser

ASSESSOR = "assessor@yantai-xinli.example.cn"
REGULATOR = "wjw@yantai.example.cn"
OWNER = "staff@xinhai.example.cn"
NUMBER = "烟卫罚〔2026〕88号"


@pytest.fixture
def people(app, live_data):
    """The association's assessor, the city's regulator and the organisation's staff."""
    association = factories.make_association("370600")
    factories.make_user(Role.ASSESSOR, association_id=association.id, email=ASSESSOR)
    factories.make_user(Role.REGULATOR, email=REGULATOR)
    factories.make_user(Role.ORG, organisation_id=live_data.organisation_id, email=OWNER)
    db.session.commit()
    return live_data


def test_recommend_suspend_disclose_appeal_lift(browser, live_server, artifacts, people):
    base, name = live_server.url, people.organisation_name
    today = local_today()

    # The assessor finds the organisation and recommends a suspension.
    context, page = new_page(browser)
    log_in(page, base, ASSESSOR)
    page.goto(base + "/recommendations/new")
    page.get_by_label("统一社会信用代码、机构名称、人员姓名或证书编号").fill("心海")
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name=name).click()
    page.get_by_label("建议的惩戒类型").select_option("suspension")
    page.get_by_label("违规事实").fill("咨询师为来访者作出精神障碍诊断并建议服药。")
    page.get_by_label("证据材料说明").fill("来访者书面陈述两份。")
    page.get_by_role("button", name="提交建议").click()
    expect(page.get_by_text("建议已提交主管部门。")).to_be_visible()
    expect(page.locator("tr", has_text=name)).to_contain_text("待主管部门处理")
    context.close()

    # The regulator accepts it: the sanction form is prefilled from the recommendation.
    context, page = new_page(browser)
    log_in(page, base, REGULATOR)
    page.goto(base + "/review/recommendations")
    page.locator("tr", has_text=name).get_by_role("link", name="审查").click()
    page.get_by_role("link", name="采纳并录入惩戒决定").click()
    expect(page.get_by_label("惩戒类型")).to_have_value("suspension")
    expect(page.get_by_label("违法违规事实")).to_have_value("咨询师为来访者作出精神障碍诊断并建议服药。")
    page.get_by_label("处理依据").fill("《中华人民共和国精神卫生法》第二十三条")
    page.get_by_label("决定文号").fill(NUMBER)
    page.get_by_label("决定机关").fill("烟台市卫生健康委员会")
    page.get_by_label("执行结束日期").fill((today + timedelta(days=90)).isoformat())
    page.get_by_label("公示截止日期").fill((today + timedelta(days=500)).isoformat())
    page.get_by_role("button", name="录入并执行").click()
    expect(page.get_by_text("惩戒决定已录入，相应后果已执行。")).to_be_visible()
    page.screenshot(path=artifacts / "sanction-recorded.png", full_page=True)
    regulator = context

    # The public sees 暂停服务 and the sanction.
    context, page = new_page(browser)
    page.goto(f"{base}/organisations/{people.organisation_id}")
    expect(page.locator(".badge--status")).to_have_text("暂停服务")
    expect(page.get_by_text("该机构已被暂停服务。")).to_be_visible()
    expect(page.locator(".sanction")).to_contain_text(NUMBER)
    page.screenshot(path=artifacts / "sanction-public.png", full_page=True)
    page.goto(f"{base}/sanctions?region=370600")
    expect(page.locator(".sanction")).to_contain_text(name)
    context.close()

    # The organisation appeals.
    context, page = new_page(browser)
    log_in(page, base, OWNER)
    page.goto(base + "/my/sanctions")
    page.get_by_role("link", name="申诉", exact=True).click()
    page.get_by_label("申请理由").fill("诊断建议系来访者误解，咨询录音可以证明。")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("申请已提交，主管部门审查后会告知结果。")).to_be_visible()
    expect(page.get_by_text("申诉（审查中）")).to_be_visible()

    # The regulator accepts the appeal.
    page2 = regulator.new_page()
    page2.goto(base + "/review/appeals")
    page2.get_by_role("link", name=f"暂停服务 · {NUMBER}").click()
    page2.get_by_label("理由").fill("复核录音，原认定事实不清。")
    page2.get_by_role("button", name="采纳", exact=True).click()
    expect(page2.get_by_text("已采纳该申请。")).to_be_visible()
    regulator.close()

    # The organisation sees the decision; the public page no longer shows the sanction.
    page.goto(base + "/my/sanctions")
    expect(page.get_by_text("申诉（已采纳）")).to_be_visible()
    context.close()
    context, page = new_page(browser)
    page.goto(f"{base}/organisations/{people.organisation_id}")
    expect(page.locator(".badge--status")).to_have_text("正常")
    expect(page.get_by_text("没有正在公示的惩戒信息。")).to_be_visible()
    expect(page.get_by_text(NUMBER)).to_have_count(0)
    page.screenshot(path=artifacts / "sanction-lifted.png", full_page=True)
    context.close()
