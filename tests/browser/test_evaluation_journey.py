"""The evaluation loop in a real browser: an assessor of a 烟台市 association opens an
evaluation of an active organisation in 芝罘区 under the shipped default rubric, scores every
criterion, saves a draft (not public), declares no conflict of interest and publishes; the
public organisation page then shows the grade and the total."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from registry.auth.models import Role
from registry.evaluation import defaults, services
from registry.extensions import db
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ORGANISATION = "烟台市芝罘区明心心理咨询服务中心"
ASSESSOR_EMAIL = "assessor@yantai-xinli.example.cn"
# Near-maximum points for each default criterion (by name); they add up to 94.5 → 优秀.
POINTS = {name: (maximum - 1 if maximum > 10 else maximum - 0.5)
          for name, maximum, _ in defaults.CRITERIA}
TOTAL = sum(POINTS.values())
TOTAL_TEXT = f"{TOTAL:g}"


@dataclass(frozen=True)
class Journey:
    organisation_id: int
    association_name: str
    assessor_email: str


@pytest.fixture
def journey(app, regions) -> Journey:
    """An active organisation in 芝罘区, an association of 烟台市 with an assessor, and the
    shipped default rubric."""
    organisation = factories.make_organisation(name=ORGANISATION, region_code="370602")
    association = factories.make_association("370600")
    factories.make_user(Role.ASSESSOR, association_id=association.id, email=ASSESSOR_EMAIL)
    db.session.commit()
    rubric, _created = services.ensure_default_rubric()
    assert [c.name for c in rubric.criteria] == list(POINTS)
    return Journey(organisation.id, association.name, ASSESSOR_EMAIL)


def new_page(browser, **options):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  **options)
    return context, context.new_page()


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def assert_public_page_has_no_result(browser, base: str, organisation_id: int, artifacts) -> None:
    context, page = new_page(browser)
    try:
        assert page.goto(f"{base}/organisations/{organisation_id}").status == 200
        expect(page.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
        expect(page.get_by_text("最近一次评估结果")).to_have_count(0)
        expect(page.get_by_text(f"{TOTAL_TEXT} 分")).to_have_count(0)
        assert TOTAL_TEXT not in page.locator("body").inner_text()
        page.screenshot(path=artifacts / "evaluation-public-before.png", full_page=True)
    finally:
        context.close()


def test_assessor_scores_saves_draft_and_publishes(browser, live_server, artifacts, journey):
    base = live_server.url
    cycle = services.default_cycle()

    # The assessor opens the list: the organisation awaits evaluation this cycle.
    context, page = new_page(browser)
    log_in(page, base, journey.assessor_email)
    page.goto(base + "/evaluations")
    expect(page.get_by_role("heading", level=1)).to_have_text("机构评估")
    expect(page.get_by_text(journey.association_name)).to_be_visible()
    expect(page.get_by_role("heading", name=f"{cycle} 年度评估草稿")).to_be_visible()
    row = page.locator("tr", has_text=ORGANISATION)
    expect(row).to_contain_text("芝罘区")
    page.screenshot(path=artifacts / "evaluation-list.png", full_page=True)
    row.get_by_role("button", name="开始评估").click()

    # The draft's scoring page: one fieldset per criterion of the default rubric.
    expect(page.get_by_text("已创建评估草稿，请逐项打分。")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    expect(page.get_by_text(f"{cycle} 年度 · {journey.association_name}")).to_be_visible()
    criteria = page.locator("fieldset.criterion")
    expect(criteria).to_have_count(len(POINTS))
    for name, points in POINTS.items():
        criterion = criteria.filter(has=page.locator("legend", has_text=name))
        criterion.get_by_label("得分").fill(f"{points:g}")
        criterion.get_by_label("评语").fill(f"{name}：表现良好。")
    page.get_by_label("总体评价").fill("机构管理规范，服务质量高。")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存。")).to_be_visible()
    for name, points in POINTS.items():
        criterion = criteria.filter(has=page.locator("legend", has_text=name))
        expect(criterion.get_by_label("得分")).to_have_value(f"{points:g}")
    page.screenshot(path=artifacts / "evaluation-draft.png", full_page=True)

    # A draft is not public: the organisation's page shows no result and not its total.
    assert_public_page_has_no_result(browser, base, journey.organisation_id, artifacts)

    # The assessor declares no conflict of interest and publishes.
    page.get_by_label("本人声明：与该机构不存在利益冲突").check()
    page.get_by_role("button", name="发布评估结果").click()
    expect(page.get_by_text("评估结果已发布。")).to_be_visible()
    expect(page.locator(".evaluation-grade")).to_have_text("优秀")
    expect(page.locator(".evaluation-total")).to_have_text(TOTAL_TEXT)
    expect(page.get_by_text(f"{defaults.RUBRIC_NAME}（第 1 版）")).to_be_visible()
    page.screenshot(path=artifacts / "evaluation-published.png", full_page=True)
    page.goto(f"{base}/evaluations?cycle={cycle}")
    published = page.locator("tr", has_text=ORGANISATION)
    expect(published).to_contain_text(TOTAL_TEXT)
    expect(published).to_contain_text("优秀")
    context.close()

    # Anyone sees the grade and the total on the organisation's public page.
    context, page = new_page(browser)
    page.goto(f"{base}/organisations/{journey.organisation_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    card = page.locator(".card", has_text="最近一次评估结果")
    expect(card).to_be_visible()
    expect(card.locator(".grade")).to_have_text("优秀")
    expect(card).to_contain_text(f"{TOTAL_TEXT} 分")
    expect(card).to_contain_text(f"{cycle} 年度")
    expect(card).to_contain_text(journey.association_name)
    page.screenshot(path=artifacts / "evaluation-public.png", full_page=True)
    context.close()
