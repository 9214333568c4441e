"""The public pages as a visitor sees them: navigation, organisation and practitioner pages,
disclosure rules, languages and error pages."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import abort

from registry.evaluation.models import Grade
from registry.extensions import db
from registry.orgs.models import Organisation, OrganisationStatus
from registry.practitioners.models import Affiliation, AffiliationRole, VerificationState
from registry.public import services
from registry.sanctions.models import SanctionType
from tests.factories import (
    make_association,
    make_designation,
    make_evaluation,
    make_organisation,
    make_practitioner,
    make_qualification,
    make_rubric,
    make_sanction,
    valid_id_number,
)
from tests.html import visible_text, visible_text_of


def region_entries(response) -> list[tuple[str, str]]:
    """(name, count text) of each region in the page's region navigation, in order."""
    html = response.get_data(as_text=True)
    pattern = (r'<span class="region-grid__name">(.*?)</span>\s*'
               r'<span class="region-grid__count[^"]*">(.*?)</span>')
    return [(name, count.strip()) for name, count in re.findall(pattern, html)]


def organisation_cards(response) -> list[str]:
    """The visible text of each organisation row of a list page."""
    html = response.get_data(as_text=True)
    chunks = html.split('<li class="card org-card">')[1:]
    return [visible_text_of(chunk.split("</li>")[0]) for chunk in chunks]


def card_of(response, name: str) -> str:
    """The row of the organisation called ``name``."""
    return next(card for card in organisation_cards(response) if name in card)


# --- home page -------------------------------------------------------------------------------

def test_home_lists_provinces_with_organisations_first_and_counts(client, regions):
    make_organisation(region_code="370602")                         # 烟台市芝罘区
    make_organisation(region_code="370611")                         # 烟台市福山区
    make_organisation(region_code="510104")                         # 成都市锦江区
    make_organisation(region_code="110101", status=OrganisationStatus.DRAFT, uscc=None)
    db.session.commit()

    response = client.get("/")

    assert response.status_code == 200
    entries = region_entries(response)
    assert len(entries) == 34  # every province-level division, counted or not
    assert entries[:2] == [("山东省", "2 家机构"), ("四川省", "1 家机构")]
    assert ("北京市", "暂无") in entries  # a draft organisation is not counted
    assert 'href="/regions/370000"' in response.get_data(as_text=True)


def test_home_shows_headline_figures(client, regions):
    organisation = make_organisation()
    make_organisation(status=OrganisationStatus.SUSPENDED)
    verified = make_practitioner(organisation)
    make_qualification(verified)
    make_qualification(verified, kind="psychotherapist")
    unverified = make_practitioner(organisation, name="王芳")
    make_qualification(unverified, state=VerificationState.UNVERIFIED, verified_at=None)
    db.session.commit()

    text = visible_text(client.get("/"))

    assert "1 家机构正常提供服务" in text
    assert "1 名从业人员持有已核验的资质证书" in text
    assert "心理健康服务机构与人员登记平台" in text
    assert "信息公开" in text


# --- region pages ----------------------------------------------------------------------------

@pytest.mark.parametrize("code, shown, hidden", [
    ("370000", ["芝罘心语", "黄岛心桥"], ["锦江心苑"]),       # province: all of 山东
    ("370600", ["芝罘心语"], ["黄岛心桥", "锦江心苑"]),       # city: its counties only
    ("370602", ["芝罘心语"], ["黄岛心桥"]),                  # county
    ("370611", [], ["芝罘心语", "黄岛心桥"]),                # an empty county
])
def test_region_page_lists_active_organisations_inside_it(client, regions, code, shown, hidden):
    make_organisation(name="芝罘心语心理咨询中心", region_code="370602")
    make_organisation(name="黄岛心桥心理咨询中心", region_code="370211")  # 青岛市
    make_organisation(name="锦江心苑心理咨询中心", region_code="510104")  # 成都市
    make_organisation(name="芝罘心语分部", region_code="370602", uscc=None,
                      status=OrganisationStatus.DRAFT)
    db.session.commit()

    response = client.get(f"/regions/{code}")

    assert response.status_code == 200
    text = visible_text(response)
    for name in shown:
        assert name in text
    for name in hidden + ["芝罘心语分部"]:
        assert name not in text
    if not shown:
        assert "本地区暂无正常提供服务的登记机构" in text


def test_city_page_has_breadcrumbs_and_counties_with_counts(client, regions):
    organisation = make_organisation(name="芝罘心语心理咨询中心", region_code="370602")
    db.session.commit()

    response = client.get("/regions/370600")
    text = visible_text(response)

    assert "首页 山东省 烟台市" in text
    entries = dict(region_entries(response))
    assert entries["芝罘区"] == "1 家机构"
    assert entries["福山区"] == "暂无"
    assert "本地区有 1 家登记机构正常提供服务" in text
    assert f'href="/organisations/{organisation.id}"' in response.get_data(as_text=True)


def test_region_rows_show_type_county_services_and_badges(client, regions):
    organisation = make_organisation(name="芝罘心语心理咨询中心", region_code="370602")
    make_designation(organisation, year=date.today().year)
    make_evaluation(organisation, make_association(), make_rubric(), grade=Grade.GOOD)
    make_organisation(name="福山平安心理服务站", region_code="370611", offers_public_benefit=False)
    db.session.commit()

    response = client.get("/regions/370600")

    row = card_of(response, "芝罘心语心理咨询中心")
    for expected in ("社会心理咨询服务机构", "芝罘区", "示范单位", "提供公益服务",
                     "评估等级：良好", "心理咨询、亲子与家庭教育指导"):
        assert expected in row
    other = card_of(response, "福山平安心理服务站")
    assert "福山区" in other
    for absent in ("提供公益服务", "示范单位", "评估等级"):
        assert absent not in other


def test_region_list_is_paginated_twenty_per_page(client, regions):
    for number in range(25):
        make_organisation(name=f"芝罘心理服务中心{number:02d}", region_code="370602")
    db.session.commit()

    first = client.get("/regions/370600")
    second = client.get("/regions/370600?page=2")

    assert len(organisation_cards(first)) == 20
    assert len(organisation_cards(second)) == 5
    names = {re.search(r"芝罘心理服务中心\d\d", card).group()
             for card in organisation_cards(first) + organisation_cards(second)}
    assert len(names) == 25  # every organisation once, none twice
    assert 'href="/regions/370600?page=2"' in first.get_data(as_text=True)
    assert "第 2 页，共 2 页" in visible_text(second)
    assert 'rel="prev"' in second.get_data(as_text=True)
    assert client.get("/regions/370600?page=3").status_code == 404


@pytest.mark.parametrize("url", [
    "/regions/999999", "/regions/abc", "/regions/3706", "/regions/370600?page=0",
    "/regions/370600?page=two", "/regions/370600?page=2",
])
def test_unknown_regions_and_pages_are_not_found(client, regions, url):
    make_organisation(region_code="370602")
    db.session.commit()

    response = client.get(url)

    assert response.status_code == 404
    assert "页面不存在" in visible_text(response)


# --- organisation page -----------------------------------------------------------------------

def test_organisation_page_shows_public_fields(client, regions):
    organisation = make_organisation(name="烟台心海心理咨询有限公司", region_code="370602")
    association = make_association(name="烟台市心理咨询师协会")
    make_evaluation(organisation, association, make_rubric(), points=(55, 37), cycle=2025)
    make_designation(organisation, year=date.today().year)
    db.session.commit()

    response = client.get(f"/organisations/{organisation.id}")
    text = visible_text(response)
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    for expected in (
        "烟台心海心理咨询有限公司", organisation.uscc, "社会心理咨询服务机构", "张明",
        "山东省烟台市芝罘区南大街 88 号", "山东省 › 烟台市 › 芝罘区", "0535-6612345",
        "周一至周五 9:00–17:00", "个体咨询 300 元/50 分钟", "每月第一个周六免费心理健康讲座",
        "心理咨询、亲子与家庭教育指导", "青少年/学生、成年人", "面询（到机构）、网络/视频", "普通话",
        "示范单位", "烟台市卫生健康委员会",
        "评估等级 优秀", "92 分", "2025 年度", "烟台市心理咨询师协会",
    ):
        assert expected in text, expected
    assert ('<a href="https://xinhai.example.cn" rel="nofollow noopener">' in html)
    assert 'href="tel:0535-6612345"' in html


def test_website_that_is_not_http_is_not_a_link(client, regions):
    organisation = make_organisation(website="javascript:alert(1)")
    db.session.commit()

    html = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)

    assert 'href="javascript:' not in html
    assert "javascript:alert(1)" in html  # still shown, as text


def test_organisation_page_discloses_only_sanctions_in_their_disclosure_period(client, regions):
    organisation = make_organisation()
    today = date.today()
    make_sanction(organisation, sanction_type=SanctionType.RECTIFICATION,
                  facts="咨询室未配备隔音设施。", decision_number="烟卫罚〔2026〕21号")
    make_sanction(organisation, sanction_type=SanctionType.CIRCULATED_CRITICISM,
                  facts="虚假宣传治疗效果。", decision_number="烟卫罚〔2023〕3号",
                  decision_date=today - timedelta(days=800), starts_on=today - timedelta(days=800),
                  disclosure_until=today - timedelta(days=70))
    db.session.commit()

    text = visible_text(client.get(f"/organisations/{organisation.id}"))

    for expected in ("责令整改", "咨询室未配备隔音设施。", "烟卫罚〔2026〕21号",
                     "《中华人民共和国精神卫生法》第二十三条", "烟台市卫生健康委员会"):
        assert expected in text
    for hidden in ("通报批评", "虚假宣传治疗效果。", "烟卫罚〔2023〕3号"):
        assert hidden not in text


def test_organisation_without_sanctions_says_so(client, regions):
    organisation = make_organisation()
    db.session.commit()

    text = visible_text(client.get(f"/organisations/{organisation.id}"))

    assert "没有正在公示的惩戒信息" in text
    assert "暂无已公布的评估结果" in text


@pytest.mark.parametrize("status, values", [
    (OrganisationStatus.DRAFT, {"uscc": None}),
    (OrganisationStatus.SUBMITTED, {}),
    (OrganisationStatus.REJECTED, {"rejection_reason": "材料不全"}),
])
def test_unapproved_organisations_are_not_found(client, regions, status, values):
    organisation = make_organisation(name="尚未登记的机构", status=status, **values)
    db.session.commit()

    response = client.get(f"/organisations/{organisation.id}")

    assert response.status_code == 404
    assert "尚未登记的机构" not in visible_text(response)


def test_missing_organisation_is_not_found(client, regions):
    assert client.get("/organisations/4242").status_code == 404


@pytest.mark.parametrize("status, banner", [
    (OrganisationStatus.SUSPENDED, "该机构已被暂停服务。"),
    (OrganisationStatus.EXITED, "该机构已退出登记"),
])
def test_suspended_and_exited_organisations_show_a_banner(client, regions, status, banner):
    organisation = make_organisation(name="曾经的心理咨询中心", status=status)
    db.session.commit()

    response = client.get(f"/organisations/{organisation.id}")

    assert response.status_code == 200
    assert banner in visible_text(response)
    assert 'class="banner' in response.get_data(as_text=True)


def test_active_organisation_has_no_banner(client, regions):
    organisation = make_organisation()
    db.session.commit()

    html = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)

    assert 'class="banner' not in html


def test_organisation_page_lists_current_practitioners_with_verified_qualifications(
        client, regions):
    organisation = make_organisation()
    current = make_practitioner(organisation, name="李华")
    make_qualification(current, kind="psychotherapist")
    make_qualification(current, kind="social_worker", state=VerificationState.UNVERIFIED,
                       verified_at=None)
    former = make_practitioner(name="赵强")
    db.session.add(Affiliation(practitioner_id=former.id, organisation_id=organisation.id,
                               role=AffiliationRole.PART_TIME, start_date=date(2018, 1, 1),
                               end_date=date(2019, 12, 31)))
    db.session.commit()

    response = client.get(f"/organisations/{organisation.id}")
    text = visible_text(response)

    assert f'href="/practitioners/{current.id}"' in response.get_data(as_text=True)
    assert "李华" in text and "全职" in text
    assert "心理治疗师" in text
    assert "社会工作师" not in text
    assert "赵强" not in text


# --- practitioner page -----------------------------------------------------------------------

def test_practitioner_page_shows_verified_qualifications_only(client, regions):
    organisation = make_organisation(name="烟台心海心理咨询有限公司")
    practitioner = make_practitioner(organisation, name="李华", ce_hours=36,
                                     specialties=["anxiety_depression", "trauma"])
    make_qualification(practitioner, certificate_number="1511000000123456",
                       issuer="人力资源和社会保障部", issued_on=date(2015, 5, 20))
    make_qualification(practitioner, kind="psychotherapist", certificate_number="UNVERIFIED-77",
                       state=VerificationState.UNVERIFIED, verified_at=None)
    make_qualification(practitioner, kind="social_worker", certificate_number="REJECTED-88",
                       state=VerificationState.REJECTED, state_reason="证书编号不存在",
                       verified_at=None)
    db.session.commit()

    response = client.get(f"/practitioners/{practitioner.id}")
    text = visible_text(response)

    assert response.status_code == 200
    for expected in ("李华", "女", "焦虑与抑郁、创伤与哀伤", "36 学时",
                     "心理咨询师（国家职业资格二级）", "1511000000123456", "人力资源和社会保障部",
                     "2015年5月20日", "烟台心海心理咨询有限公司", "全职", "2020年3月1日 至今"):
        assert expected in text, expected
    for hidden in ("UNVERIFIED-77", "REJECTED-88", "心理治疗师", "社会工作师", "证书编号不存在"):
        assert hidden not in text
    assert f'href="/organisations/{organisation.id}"' in response.get_data(as_text=True)


def test_practitioner_page_separates_past_affiliations_and_hides_unapproved_ones(
        client, regions):
    current = make_organisation(name="芝罘心语心理咨询中心")
    past = make_organisation(name="福山平安心理服务站", status=OrganisationStatus.EXITED)
    draft = make_organisation(name="未审核的心理工作室", status=OrganisationStatus.DRAFT, uscc=None)
    practitioner = make_practitioner(current)
    for organisation, end in ((past, date(2019, 12, 31)), (draft, None)):
        db.session.add(Affiliation(practitioner_id=practitioner.id,
                                   organisation_id=organisation.id, role=AffiliationRole.VOLUNTEER,
                                   start_date=date(2018, 1, 1), end_date=end))
    db.session.commit()

    text = visible_text(client.get(f"/practitioners/{practitioner.id}"))

    assert "芝罘心语心理咨询中心" in text
    assert "曾执业机构 福山平安心理服务站" in text
    assert "2018年1月1日 至 2019年12月31日" in text
    assert "未审核的心理工作室" not in text


def test_practitioner_with_nothing_public_is_not_found(client, regions):
    draft = make_organisation(status=OrganisationStatus.DRAFT, uscc=None)
    practitioner = make_practitioner(draft, name="周敏")
    make_qualification(practitioner, state=VerificationState.UNVERIFIED, verified_at=None)
    db.session.commit()

    response = client.get(f"/practitioners/{practitioner.id}")

    assert response.status_code == 404
    assert "周敏" not in visible_text(response)


def test_practitioner_with_a_verified_qualification_alone_is_public(client, regions):
    practitioner = make_practitioner(name="周敏")
    make_qualification(practitioner)
    db.session.commit()

    response = client.get(f"/practitioners/{practitioner.id}")

    assert response.status_code == 200
    assert "目前没有登记的执业机构" in visible_text(response)


@pytest.mark.parametrize("page", ["organisation", "practitioner", "region", "home"])
def test_id_number_never_appears(client, regions, page):
    organisation = make_organisation(region_code="370602")
    id_number = valid_id_number()
    practitioner = make_practitioner(organisation, id_number=id_number)
    make_qualification(practitioner)
    db.session.commit()
    url = {"organisation": f"/organisations/{organisation.id}",
           "practitioner": f"/practitioners/{practitioner.id}",
           "region": "/regions/370602", "home": "/"}[page]

    response = client.get(url)
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert practitioner.name in html or page in ("region", "home")
    for secret in (id_number, id_number[:17], practitioner.id_number_digest,
                   practitioner.id_number_encrypted):
        assert secret not in html


def test_public_practitioner_values_have_no_identity_fields(app, regions):
    practitioner = make_practitioner()

    public = services.PublicPractitioner.of(practitioner)

    assert not any("id_number" in field for field in vars(public))


# --- languages -------------------------------------------------------------------------------

def test_pages_are_in_chinese_by_default(client, regions):
    response = client.get("/")

    assert '<html lang="zh-CN">' in response.get_data(as_text=True)
    assert "按地区查找" in visible_text(response)


def test_english_is_available_with_lang(client, regions):
    organisation = make_organisation()
    db.session.commit()

    home = client.get("/?lang=en")
    page = client.get(f"/organisations/{organisation.id}?lang=en")

    assert '<html lang="en">' in home.get_data(as_text=True)
    assert "Browse by region" in visible_text(home)
    assert "按地区查找" not in visible_text(home)
    text = visible_text(page)
    for expected in ("Unified social credit code", "Social psychological counselling organisation",
                     "Counselling, Parenting and family education guidance", "Public disclosure"):
        assert expected in text
    assert "lang=en" in home.headers.get("Set-Cookie", "")


def test_language_switch_keeps_the_page_and_its_query(client, regions):
    html = client.get("/regions/370600?page=1").get_data(as_text=True)

    assert 'href="/regions/370600?page=1&amp;lang=en"' in html
    assert 'href="/regions/370600?page=1&amp;lang=zh_CN"' in html


# --- error pages -----------------------------------------------------------------------------

def test_not_found_page_is_styled_and_in_chinese(client):
    response = client.get("/no/such/page")
    html = response.get_data(as_text=True)

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert '<html lang="zh-CN">' in html
    assert "/static/css/site.css" in html
    text = visible_text(response)
    assert "页面不存在" in text and "返回首页" in text
    assert "Not Found" not in text


def test_forbidden_page_is_styled(app, client):
    app.add_url_rule("/forbidden-test", "forbidden_test", lambda: abort(403))

    response = client.get("/forbidden-test")

    assert response.status_code == 403
    assert "无权访问" in visible_text(response)
    assert "/static/css/site.css" in response.get_data(as_text=True)


def test_method_not_allowed_keeps_allow_header(client, regions):
    response = client.post("/")

    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "不支持这种请求方式" in visible_text(response)


def test_server_error_page_has_no_traceback_and_rolls_back(app, client, regions):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # behave as in production

    def half_done():
        make_organisation(name="半途而废的机构")
        raise RuntimeError("secret internals of the failure")

    app.add_url_rule("/boom", "boom", half_done)

    response = client.get("/boom")
    text = visible_text(response)

    assert response.status_code == 500
    assert "服务器出现错误" in text
    assert "/static/css/site.css" in response.get_data(as_text=True)
    assert "Traceback" not in text and "secret internals" not in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)
                             .where(Organisation.name == "半途而废的机构")) == 0


def test_failing_service_shows_the_500_page(app, client, regions, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("a defect with a secret in its message")

    monkeypatch.setattr(services, "register_totals", broken)

    response = client.get("/")

    assert response.status_code == 500
    assert "服务器出现错误" in visible_text(response)
    assert "secret" not in response.get_data(as_text=True)


@pytest.mark.parametrize("error", [sa.exc.OperationalError, sa.exc.InterfaceError])
def test_a_database_that_went_away_is_503_not_500(app, client, regions, monkeypatch, error):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise error("SELECT 1", {}, Exception("database went away"))

    monkeypatch.setattr(services, "register_totals", broken)

    response = client.get("/")

    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "服务暂时不可用" in visible_text(response)
    assert "database went away" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url, status, code", [
    ("/api/v1/no-such-endpoint", 404, "not_found"),
    ("/api/nothing-here", 404, "not_found"),
])
def test_api_errors_are_json(client, url, status, code):
    response = client.get(url)

    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]


def test_api_server_error_is_json(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/v1/broken-test", "broken_test", broken)

    response = client.get("/api/v1/broken-test")

    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_server_error"
    assert "secret internals" not in response.get_data(as_text=True)


# --- layout ------------------------------------------------------------------------------------

def test_layout_shows_flashed_messages_once(app, client, regions):
    from flask import flash, redirect

    def save():
        flash("资料已保存。", "success")
        return redirect("/")

    app.add_url_rule("/flash-test", "flash_test", save)

    shown = client.get("/flash-test", follow_redirects=True)
    again = client.get("/")

    assert "资料已保存。" in visible_text(shown)
    assert 'class="flash flash--success"' in shown.get_data(as_text=True)
    assert "资料已保存。" not in visible_text(again)


def test_anonymous_visitor_sees_a_sign_in_link(client, regions):
    response = client.get("/")

    assert 'href="/login"' in response.get_data(as_text=True)
    assert "退出登录" not in visible_text(response)
