"""Complaint pages: the public form (errors beside fields, kept input, honeypot, rate limit,
escaping), tracking, the queue, the detail page and its actions."""
from __future__ import annotations

import re

import sqlalchemy as sa

from registry.complaints.models import Complaint, ComplaintStatus
from registry.extensions import db
from registry.orgs.models import OrganisationStatus
from tests import factories
from tests.complaints.conftest import file, form_values


def _new_url(world) -> str:
    return f"/complaints/new?organisation={world['organisation'].id}"


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Complaint))


def test_public_pages_link_to_the_complaint_form(client, world):
    page = client.get(f"/organisations/{world['organisation'].id}").get_data(as_text=True)
    assert f'href="/complaints/new?organisation={world["organisation"].id}"' in page
    page = client.get(f"/practitioners/{world['practitioner'].id}").get_data(as_text=True)
    assert f'href="/complaints/new?practitioner={world["practitioner"].id}"' in page


def test_the_form_names_its_subject_and_offers_every_category(client, world):
    response = client.get(_new_url(world))
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert world["organisation"].name in page
    assert "收费问题" in page and "泄露隐私" in page
    assert 'class="complaint-trap"' in page and "请勿填写此栏" in page


def test_filing_shows_the_tracking_number_once(client, world):
    response = client.post(_new_url(world), data=form_values())
    assert response.status_code == 302 and response.headers["Location"].endswith("/complaints/filed")

    page = client.get("/complaints/filed").get_data(as_text=True)
    reference = db.session.scalar(sa.select(Complaint.reference))
    assert reference in page
    assert f"/complaints/track?reference={reference}" in page
    assert reference not in client.get("/complaints/filed", follow_redirects=True).get_data(
        as_text=True)


def test_bad_input_is_shown_beside_the_field_and_kept(client, world):
    response = client.post(_new_url(world), data=form_values(
        summary="字" * 201, contact="不是电话", details="机构在咨询中途加收费用，拒绝退款。"))
    page = response.get_data(as_text=True)

    assert response.status_code == 400
    assert re.search(r'id="summary-error"[^>]*>不能超过 200 个字符', page)
    assert re.search(r'id="contact-error"[^>]*>请填写电话号码', page)
    assert "机构在咨询中途加收费用，拒绝退款。" in page and 'value="不是电话"' in page
    assert _count() == 0


def test_typed_markup_is_stored_as_text_and_shown_escaped(client, world, auth):
    script = "<script>alert('x')</script>"
    response = client.post(_new_url(world), data=form_values(summary="", details=script))
    assert script not in response.get_data(as_text=True)
    assert "&lt;script&gt;" in response.get_data(as_text=True)

    client.post(_new_url(world), data=form_values(summary=script, details=script + " 详情"))
    complaint = db.session.scalar(sa.select(Complaint))
    assert complaint.summary == script
    auth.login("regulator@example.cn")
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert script not in page and "&lt;script&gt;alert(" in page
    assert script not in client.get("/complaints").get_data(as_text=True)


def test_a_filled_honeypot_is_refused_neutrally_and_stores_nothing(client, world):
    response = client.post(_new_url(world), data=form_values(homepage="http://spam.example"))

    assert response.status_code == 422
    assert "提交未能完成，请稍后再试。" in response.get_data(as_text=True)
    assert _count() == 0


def test_filing_is_rate_limited_per_address(app, client, world):
    app.config["COMPLAINT_LIMIT"] = "2 per hour"
    for _ in range(2):
        assert client.post(_new_url(world), data=form_values()).status_code == 302
    response = client.post(_new_url(world), data=form_values())

    assert response.status_code == 429
    assert "请求过于频繁" in response.get_data(as_text=True)
    assert _count() == 2


def test_field_errors_do_not_use_up_the_limit(app, client, world):
    app.config["COMPLAINT_LIMIT"] = "1 per hour"
    for _ in range(3):
        assert client.post(_new_url(world), data=form_values(summary="")).status_code == 400
    assert client.post(_new_url(world), data=form_values()).status_code == 302


def test_subjects_that_are_not_public_are_missing_pages(client, world):
    draft = factories.make_organisation(status=OrganisationStatus.DRAFT)
    db.session.commit()

    assert client.get(f"/complaints/new?organisation={draft.id}").status_code == 404
    assert client.get("/complaints/new?organisation=abc").status_code == 404
    assert client.get("/complaints/new").status_code == 404
    assert client.post(f"/complaints/new?organisation={draft.id}",
                       data=form_values()).status_code == 404
    assert _count() == 0


def test_tracking_shows_the_public_state_and_nothing_private(client, world):
    complaint = file(world)
    page = client.get(f"/complaints/track?reference={complaint.reference}").get_data(as_text=True)
    assert "已受理" in page and world["organisation"].name in page and "收费问题" in page
    assert complaint.details not in page and complaint.summary not in page

    complaint.status, complaint.resolution = ComplaintStatus.RESOLVED, "已责令退费。"
    db.session.commit()
    page = client.get(f"/complaints/track?reference={complaint.reference}").get_data(as_text=True)
    assert "已办结" in page and "已责令退费。" in page


def test_tracking_an_unknown_number_says_so(client, world):
    empty = client.get("/complaints/track")
    assert empty.status_code == 200 and "没有找到" not in empty.get_data(as_text=True)

    response = client.get("/complaints/track?reference=TS20260101AAAAAAAA")
    assert response.status_code == 200
    assert "没有找到这个编号的投诉" in response.get_data(as_text=True)


def test_tracking_is_rate_limited(app, client, world):
    app.config["COMPLAINT_TRACK_LIMIT"] = "2 per minute"
    for _ in range(2):
        assert client.get("/complaints/track?reference=TS1").status_code == 200
    assert client.get("/complaints/track?reference=TS1").status_code == 429
    assert client.get("/complaints/track").status_code == 200  # the empty form is free


def test_the_queue_is_for_regulators(client, world, auth):
    complaint = file(world)
    assert client.get("/complaints").status_code == 302  # to the login page
    auth.login("assessor@example.cn")
    assert client.get("/complaints").status_code == 403
    auth.logout()
    auth.login("regulator@example.cn")
    page = client.get("/complaints").get_data(as_text=True)
    assert complaint.reference in page and "投诉处理" in page
    assert complaint.reference not in client.get("/complaints?status=resolved").get_data(
        as_text=True)


def test_regulator_works_a_complaint_through_the_pages(client, world, auth):
    complaint = file(world)
    auth.login("regulator@example.cn")
    url = f"/complaints/{complaint.id}"

    assert client.post(url + "/start").status_code == 302
    again = client.post(url + "/start")
    assert again.status_code == 409 and "只有“已受理”的投诉可以开始核查" in again.get_data(
        as_text=True)

    bad = client.post(url + "/refer", data={"association_id": ""})
    assert bad.status_code == 400 and 'id="association_id-error"' in bad.get_data(as_text=True)
    assert client.post(url + "/refer", data={
        "association_id": world["association"].id}).status_code == 302
    assert db.session.get(Complaint, complaint.id).status is ComplaintStatus.REFERRED

    empty = client.post(url + "/close", data={"outcome": "dismissed", "resolution": ""})
    assert empty.status_code == 400 and 'id="resolution-error"' in empty.get_data(as_text=True)
    assert client.post(url + "/close", data={"outcome": "dismissed",
                                             "resolution": "投诉不成立。"}).status_code == 302
    closed = client.post(url + "/close", data={"outcome": "resolved", "resolution": "再次"})
    assert closed.status_code == 409 and "该投诉已办结" in closed.get_data(as_text=True)
    assert db.session.get(Complaint, complaint.id).status is ComplaintStatus.DISMISSED


def test_the_association_sees_its_referral_and_reports_findings(client, world, auth):
    complaint = file(world)
    from registry.complaints import services

    services.refer(world["regulator"], complaint.id, world["association"].id)
    auth.login("assessor@example.cn")
    listing = client.get("/complaints/referred").get_data(as_text=True)
    assert complaint.reference in listing
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert complaint.details in page and "提交核查结果" in page

    empty = client.post(f"/complaints/{complaint.id}/findings", data={"findings": ""})
    assert empty.status_code == 400 and 'id="findings-error"' in empty.get_data(as_text=True)
    done = client.post(f"/complaints/{complaint.id}/findings",
                       data={"findings": "属实：机构未公示收费标准。"})
    assert done.status_code == 302
    assert db.session.get(Complaint, complaint.id).status is ComplaintStatus.IN_PROGRESS
    auth.logout()
    auth.login("assessor.other@example.cn")
    assert client.get(f"/complaints/{complaint.id}").status_code == 403


def test_sanction_buttons_appear_only_when_those_pages_exist(client, world, auth, app):
    complaint = file(world)
    auth.login("regulator@example.cn")
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    present = "sanctions.new_sanction" in app.view_functions
    assert ("记录处理决定" in page) is present
    assert "暂无。" in page  # no linked recommendation or sanction yet


def test_linked_sanctions_are_listed(client, world, auth):
    complaint = file(world)
    factories.make_sanction(world["organisation"], complaint_id=complaint.id,
                            decision_number="烟卫罚〔2026〕99号")
    db.session.commit()
    auth.login("regulator@example.cn")

    assert "烟卫罚〔2026〕99号" in client.get(f"/complaints/{complaint.id}").get_data(as_text=True)


def test_workbench_links(client, world, auth):
    auth.login("regulator@example.cn")
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/complaints"' in page and "投诉处理" in page
    auth.logout()
    auth.login("assessor@example.cn")
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/complaints/referred"' in page and 'href="/complaints">' not in page


def test_the_form_speaks_english_when_asked(client, world):
    page = client.get(_new_url(world) + "&lang=en").get_data(as_text=True)

    assert "Submit the complaint" in page and "Leave this field empty" in page



def test_a_practitioner_without_an_organisation_cannot_be_routed(client, world):
    loner = factories.make_practitioner()
    factories.make_qualification(loner)
    db.session.commit()

    response = client.get(f"/complaints/new?practitioner={loner.id}")

    assert response.status_code == 409
    assert "无法确定受理投诉的主管部门" in response.get_data(as_text=True)
    assert 'name="summary"' not in response.get_data(as_text=True)


def test_the_detail_page_names_the_region(client, world, auth):
    complaint = file(world)
    auth.login("regulator@example.cn")

    assert "山东省 烟台市 芝罘区" in client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
