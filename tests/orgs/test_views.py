"""The registration pages: bad input shown beside each field with what was typed kept,
submission, the review queue and review pages, change requests and deregistration."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from registry.database import utcnow
from registry.extensions import db
from registry.orgs import services
from registry.orgs.models import ChangeRequestStatus, OrganisationStatus
from tests import factories
from tests.conftest import PASSWORD
from tests.html import error_beside, input_value, is_checked, textarea_value
from tests.orgs.conftest import make_draft
from tests.orgs.matrix_routes import form_values

FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"}


def login(client, user):
    client.post("/logout")  # the login page sends a signed-in visitor away
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def owner_client(client, draft, people):
    login(client, people.owner)
    return client


def post_draft(client, organisation, **changes):
    return client.post(f"/manage/organisations/{organisation.id}/draft",
                       data=form_values(organisation, **changes))


# --- the organisation's page and form ----------------------------------------------------------

def test_my_organisation_shows_status_what_is_missing_and_the_form(client, regions, people):
    organisation = people.owner.organisation
    organisation.phone, organisation.services = None, []
    db.session.commit()
    login(client, people.owner)
    response = client.get("/my-organisation")
    assert response.headers["Location"] == f"/manage/organisations/{organisation.id}"
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "草稿" in text and "提交审核前还需填写" in text
    missing = re.search(r'org-missing__list">(.*?)</ul>', text, re.S).group(1)
    assert "对外服务电话" in missing and "服务项目" in missing and "机构名称" not in missing
    assert input_value(text, "name") == organisation.name
    assert 'selected value="370602"' in text  # the region picker shows the stored county
    assert 'value="counselling"' in text and "心理咨询" in text  # vocabulary checkboxes
    assert "提交审核</button>" not in text  # nothing to submit until complete


@pytest.mark.parametrize("field, typed, fragment", [
    ("uscc", "WRONG_CHECK_DIGIT", "校验位"),
    ("uscc", "SEVENTEEN", "18 位（现为 17 位）"),
    ("uscc", "FULL_WIDTH_SEVENTEEN", "18 位（现为 17 位）"),
    ("name", "<script>alert(1)</script>心海", "不能包含“<”"),
    ("name", "心海心理😊咨询中心", "不能包含“😊”"),
    ("legal_representative", "张明<b>", "不能包含“<”"),
    ("phone", "１２３４５", "有效的中国大陆固定电话"),
    ("website", "javascript:alert(1)", "http"),
])
def test_bad_input_is_shown_beside_its_field_and_kept(owner_client, draft, field, typed, fragment):
    good = factories.valid_uscc("370602", serial=31337)
    wrong_digit = good[:-1] + ("0" if good[-1] != "0" else "1")
    typed = {"WRONG_CHECK_DIGIT": wrong_digit, "SEVENTEEN": good[:17],
             "FULL_WIDTH_SEVENTEEN": good[:17].translate(FULL_WIDTH)}.get(typed, typed)
    response = post_draft(owner_client, draft, **{field: typed, "fees": "免费咨询"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert fragment in error_beside(text, field)
    assert input_value(text, field) == typed  # exactly what was typed, full-width and all
    assert textarea_value(text, "fees") == "免费咨询"  # the other fields are kept too
    assert "<script>alert(1)" not in text  # shown escaped, never as markup
    db.session.expire_all()
    assert draft.fees != "免费咨询"  # and nothing was saved


def test_a_10000_character_description_is_refused_and_kept(owner_client, draft):
    typed = "我们提供青少年心理咨询服务。" * 715  # 10,010 characters
    response = post_draft(owner_client, draft, description=typed)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_beside(text, "description") == "不能超过 2000 个字符（现为 10010 个）。"
    assert textarea_value(text, "description") == typed


def test_checkboxes_region_and_radio_keep_their_state_on_error(owner_client, draft):
    response = post_draft(owner_client, draft, uscc="123", province="510000", city="510700",
                          county="510703", services=["crisis_intervention"],
                          offers_public_benefit="no")
    text = response.get_data(as_text=True)
    assert is_checked(text, "crisis_intervention") and not is_checked(text, "counselling")
    assert 'selected value="510703"' in text and "涪城区" in text
    assert is_checked(text, "no") and not is_checked(text, "yes")


def test_region_must_be_a_county_and_the_error_sits_beside_the_county(owner_client, draft):
    text = post_draft(owner_client, draft, county="").get_data(as_text=True)
    assert error_beside(text, "county") == "请选择机构所在的区县。"


def test_unknown_vocabulary_codes_are_named_beside_the_group(owner_client, draft):
    response = post_draft(owner_client, draft, services=["counselling", "astrology"])
    text = response.get_data(as_text=True)
    assert error_beside(text, "services") == "无法识别的选项：astrology"


def test_full_width_input_is_saved_normalised(owner_client, draft):
    uscc = factories.valid_uscc("370602", serial=4242)
    response = post_draft(owner_client, draft, uscc=uscc.translate(FULL_WIDTH),
                          phone="０５３５－６６１２３４５")
    assert response.status_code == 302
    db.session.expire_all()
    assert draft.uscc == uscc and draft.phone == "0535 661 2345"
    page = owner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "登记信息已保存" in page


def test_submit_from_the_page_and_then_the_form_is_closed(owner_client, draft):
    response = owner_client.post(f"/manage/organisations/{draft.id}/submit")
    assert response.status_code == 302
    text = owner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已提交审核" in text and "正在等待主管部门审核" in text
    assert "<form method=\"post\" novalidate class=\"form org-form\"" not in text
    again = owner_client.post(f"/manage/organisations/{draft.id}/submit")
    assert again.status_code == 409 and "正在等待主管部门审核" in again.get_data(as_text=True)
    edit = post_draft(owner_client, draft, fees="免费")
    assert edit.status_code == 409 and "审核结束前不能修改" in edit.get_data(as_text=True)


def test_submitting_an_incomplete_registration_names_the_fields(owner_client, draft):
    draft.phone, draft.modalities = None, []
    db.session.commit()
    response = owner_client.post(f"/manage/organisations/{draft.id}/submit")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_beside(text, "phone") == "提交审核前必须填写此项。"
    assert error_beside(text, "modalities") == "提交审核前必须填写此项。"
    assert draft.status is OrganisationStatus.DRAFT


def test_pages_of_other_organisations_are_refused(client, draft, people):
    login(client, people.other_owner)
    assert client.get(f"/manage/organisations/{draft.id}").status_code == 403
    assert client.get(f"/review/organisations/{draft.id}").status_code == 403
    assert client.get("/review").status_code == 403
    assert client.get("/manage/organisations/999999").status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, draft):
    for path in ("/my-organisation", f"/manage/organisations/{draft.id}", "/review"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- review ------------------------------------------------------------------------------------

@pytest.fixture
def waiting(draft, people):
    """The draft, submitted 2 days and 3 hours ago."""
    draft.status = OrganisationStatus.SUBMITTED
    draft.submitted_at = utcnow() - timedelta(days=2, hours=3)
    db.session.commit()
    return draft


def test_the_queue_lists_the_jurisdiction_with_waiting_time(client, waiting, people):
    make_draft(name="绵阳市某心理咨询中心", region_code="510703", status=OrganisationStatus.SUBMITTED,
               submitted_at=utcnow())
    db.session.commit()
    login(client, people.regulator)
    assert client.get("/my-organisation").headers["Location"] == "/review"
    text = client.get("/review").get_data(as_text=True)
    assert waiting.name in text and "绵阳市某心理咨询中心" not in text
    assert "新登记" in text and "2 天 3 小时" in text and "芝罘区" in text
    assert f'href="/review/organisations/{waiting.id}"' in text


def test_review_page_shows_every_field_and_approval_publishes(client, waiting, people):
    assert client.get(f"/organisations/{waiting.id}").status_code == 404
    login(client, people.regulator)
    text = client.get(f"/review/organisations/{waiting.id}").get_data(as_text=True)
    for shown in (waiting.uscc, "张明", "山东省 烟台市 芝罘区", "心理咨询、亲子与家庭教育指导",
                  "每月第一个周六免费心理健康讲座", "批准登记", "退回登记"):
        assert shown in text
    response = client.post(f"/review/organisations/{waiting.id}/approve")
    assert response.status_code == 302 and response.headers["Location"] == "/review"
    assert "机构信息已公开" in client.get("/review").get_data(as_text=True)
    public = client.get(f"/organisations/{waiting.id}")
    assert public.status_code == 200 and waiting.name in public.get_data(as_text=True)

    again = client.post(f"/review/organisations/{waiting.id}/approve")
    assert again.status_code == 409 and "不在待审核状态" in again.get_data(as_text=True)


def test_outsiders_cannot_open_or_decide(client, waiting, people):
    login(client, people.outsider)
    assert client.get(f"/review/organisations/{waiting.id}").status_code == 403
    assert client.post(f"/review/organisations/{waiting.id}/approve").status_code == 403
    assert waiting.status is OrganisationStatus.SUBMITTED
    assert "烟台" not in client.get("/review").get_data(as_text=True).split("<main", 1)[1]


def test_outsiders_cannot_open_a_change_request(client, registered, people):
    change = services.request_change(people.owner, registered.id,
                                     form_values(registered, fees="免费", region_code="370602"))
    login(client, people.outsider)
    assert client.get(f"/review/changes/{change.id}").status_code == 403
    assert client.get("/review/changes/999999").status_code == 404


def test_reject_needs_a_reason_and_the_organisation_reads_it(client, waiting, people):
    login(client, people.regulator)
    response = client.post(f"/review/organisations/{waiting.id}/reject", data={"reason": "  "})
    assert response.status_code == 400
    assert error_beside(response.get_data(as_text=True), "reason") == "此项为必填项。"
    long = "理" * 501
    response = client.post(f"/review/organisations/{waiting.id}/reject", data={"reason": long})
    assert "500" in error_beside(response.get_data(as_text=True), "reason")
    assert textarea_value(response.get_data(as_text=True), "reason") == long
    response = client.post(f"/review/organisations/{waiting.id}/reject",
                           data={"reason": "请补充收费标准明细。"})
    assert response.status_code == 302

    login(client, people.owner)
    text = client.get(f"/manage/organisations/{waiting.id}").get_data(as_text=True)
    assert "登记未通过审核" in text and "请补充收费标准明细。" in text
    assert "审核未通过" in text  # the history
    assert post_draft(client, waiting, fees="免费").status_code == 302  # editable again


# --- changes after approval ------------------------------------------------------------------

@pytest.fixture
def registered(draft):
    draft.status, draft.approved_at = OrganisationStatus.ACTIVE, utcnow()
    db.session.commit()
    return draft


def test_change_round_trip_keeps_the_public_version_until_approved(client, registered, people):
    login(client, people.owner)
    page = client.get(f"/manage/organisations/{registered.id}").get_data(as_text=True)
    assert "申请变更登记信息" in page and "申请注销" in page
    response = client.post(f"/manage/organisations/{registered.id}/changes",
                           data=form_values(registered, opening_hours="每天 8:00–20:00"))
    assert response.status_code == 302
    page = client.get(f"/manage/organisations/{registered.id}").get_data(as_text=True)
    assert "待审核的变更申请" in page and "每天 8:00–20:00" in page
    assert input_value(page, "opening_hours") == "每天 8:00–20:00"  # the form continues the proposal
    public = client.get(f"/organisations/{registered.id}").get_data(as_text=True)
    assert "每天 8:00–20:00" not in public
    unchanged = client.post(f"/manage/organisations/{registered.id}/changes",
                            data=form_values(registered))
    assert unchanged.status_code == 400
    assert "如要取消待审核的变更申请" in unchanged.get_data(as_text=True)

    login(client, people.regulator)
    [item] = services.review_queue(people.regulator)
    queue = client.get("/review").get_data(as_text=True)
    assert "信息变更" in queue and f"/review/changes/{item.change_request.id}" in queue
    review = client.get(f"/review/changes/{item.change_request.id}").get_data(as_text=True)
    row = re.search(r'<th scope="row">服务时间</th>(.*?)</tr>', review, re.S).group(1)
    assert "周一至周五 9:00–17:00" in row and "每天 8:00–20:00" in row
    revision = re.search(r'name="revision" type="hidden" value="([0-9a-f]+)"', review) or \
        re.search(r'name="revision"[^>]*value="([0-9a-f]+)"', review)
    response = client.post(f"/review/changes/{item.change_request.id}/approve",
                           data={"revision": revision.group(1)})
    assert response.status_code == 302
    assert "每天 8:00–20:00" in client.get(f"/organisations/{registered.id}").get_data(as_text=True)


def test_a_change_edited_after_review_started_is_a_conflict(client, registered, people):
    change = services.request_change(people.owner, registered.id,
                                     form_values(registered, fees="免费", region_code="370602"))
    seen = services.change_revision(change)
    services.request_change(people.owner, registered.id,
                            form_values(registered, fees="每次 2000 元", region_code="370602"))
    login(client, people.regulator)
    response = client.post(f"/review/changes/{change.id}/approve", data={"revision": seen})
    assert response.status_code == 409 and "重新查看" in response.get_data(as_text=True)
    assert change.status is ChangeRequestStatus.PENDING


def test_a_uscc_taken_meanwhile_is_explained_on_the_review_page(client, registered, people):
    wanted = factories.valid_uscc("370602", serial=8080)
    change = services.request_change(people.owner, registered.id,
                                     form_values(registered, uscc=wanted, region_code="370602"))
    factories.make_organisation(uscc=wanted)
    db.session.commit()
    login(client, people.regulator)
    response = client.post(f"/review/changes/{change.id}/approve")
    assert response.status_code == 400
    assert "统一社会信用代码：该统一社会信用代码已被其他机构登记。" in response.get_data(as_text=True)


def test_reject_change_with_a_reason(client, registered, people):
    change = services.request_change(people.owner, registered.id,
                                     form_values(registered, fees="免费", region_code="370602"))
    login(client, people.regulator)
    response = client.post(f"/review/changes/{change.id}/reject", data={"reason": ""})
    assert response.status_code == 400 and "此项为必填项" in response.get_data(as_text=True)
    response = client.post(f"/review/changes/{change.id}/reject", data={"reason": "收费需备案。"})
    assert response.status_code == 302 and change.status is ChangeRequestStatus.REJECTED
    login(client, people.owner)
    history = client.get(f"/manage/organisations/{registered.id}").get_data(as_text=True)
    assert "申请未获批准" in history and "收费需备案。" in history


def test_withdraw_from_the_page(client, registered, people):
    change = services.request_change(people.owner, registered.id,
                                     form_values(registered, fees="免费", region_code="370602"))
    login(client, people.owner)
    page = client.get(f"/manage/organisations/{registered.id}").get_data(as_text=True)
    url = f"/manage/organisations/{registered.id}/changes/{change.id}/withdraw"
    assert url in page
    assert client.post(url).status_code == 302
    assert change.status is ChangeRequestStatus.WITHDRAWN
    again = client.post(url)
    assert again.status_code == 409 and "已撤回" in again.get_data(as_text=True)


def test_deregistration_through_the_pages(client, registered, people):
    practitioner = factories.make_practitioner(registered)
    db.session.commit()
    login(client, people.owner)
    url = f"/manage/organisations/{registered.id}/deregister"
    assert "从业人员的执业登记同时结束" in client.get(url).get_data(as_text=True)
    refused = client.post(url, data={"reason": ""})
    assert refused.status_code == 400 and error_beside(refused.get_data(as_text=True), "reason")
    assert client.post(url, data={"reason": "机构停业。"}).status_code == 302
    page = client.get(f"/manage/organisations/{registered.id}").get_data(as_text=True)
    assert "待审核的注销申请" in page and "申请变更登记信息" not in page

    login(client, people.regulator)
    [item] = services.review_queue(people.regulator)
    review = client.get(f"/review/changes/{item.change_request.id}").get_data(as_text=True)
    assert "申请注销" in review and "机构停业。" in review and "批准注销" in review
    assert client.post(f"/review/changes/{item.change_request.id}/approve").status_code == 302
    public = client.get(f"/organisations/{registered.id}").get_data(as_text=True)
    assert "已退出登记" in public and practitioner.name not in public
