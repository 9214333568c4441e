"""The practitioner pages as their users see them: an organisation adds and edits its people
(errors beside the fields, typed values kept, the ID number never written back), a regulator
works through the verification queue, and the public verifies a certificate (page and API)."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from registry.auth.models import Role
from registry.extensions import db
from registry.practitioners.models import (
    Affiliation,
    Practitioner,
    Qualification,
    VerificationState,
)
from tests import factories
from tests.html import error_beside, input_value


@pytest.fixture
def org(regions, client, auth):
    """An organisation in 芝罘区 and its account, logged in."""
    organisation = factories.make_organisation(region_code="370602")
    factories.make_user(Role.ORG, organisation_id=organisation.id, email="owner@example.cn")
    db.session.commit()
    auth.login("owner@example.cn")
    return organisation


def new_url(organisation) -> str:
    return f"/manage/organisations/{organisation.id}/practitioners/new"


def form_data(**values) -> dict:
    data = {
        "name": "陈静", "gender": "female", "id_number": factories.valid_id_number(),
        "specialties": ["child_adolescent", "family_marriage"], "ce_hours": "36",
        "bio": "儿童青少年心理咨询。", "role": "full_time", "start_date": "2023-02-01",
        "qualifications-0-kind": "counsellor_l3",
        "qualifications-0-certificate_number": "1511000000777001",
        "qualifications-0-issuer": "人力资源和社会保障部", "qualifications-0-issued_on": "2016-11-05",
        "qualifications-0-expires_on": "",
    }
    data.update(values)
    return data


# --- adding and editing ----------------------------------------------------------------------

def test_an_organisation_adds_a_practitioner(client, org):
    page = client.get(new_url(org)).get_data(as_text=True)
    assert "添加从业人员" in page and "不会显示在页面上" in page
    data = form_data()
    response = client.post(new_url(org), data=data)
    assert response.status_code == 302
    practitioner = db.session.scalar(sa.select(Practitioner))
    assert practitioner.name == "陈静"
    assert practitioner.specialties == ["family_marriage", "child_adolescent"]  # vocabulary order
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "陈静" in detail and "1511000000777001" in detail and "待核验" in detail
    assert data["id_number"] not in detail and "已登记（不显示）" in detail
    roster = client.get(f"/manage/organisations/{org.id}/practitioners").get_data(as_text=True)
    assert "陈静" in roster and data["id_number"] not in roster


def test_errors_appear_beside_the_fields_and_typed_values_are_kept(client, org):
    bad_number = "370602199002301234"  # 30 February
    response = client.post(new_url(org), data=form_data(
        name="<b>陈静</b>", id_number=bad_number, ce_hours="３６", bio="长" * 10_000,
        **{"qualifications-0-certificate_number": "1511-0000"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "“<”" in error_beside(page, "name")
    assert "身份证号码无效" in error_beside(page, "id_number")
    assert "10000" in error_beside(page, "bio")
    assert "证书编号格式不正确" in error_beside(page, "qualifications-0-certificate_number")
    assert error_beside(page, "ce_hours") == ""  # full-width digits are digits
    # What was typed is kept (escaped), except the ID number, which is never written back.
    assert input_value(page, "name") == "<b>陈静</b>" and "<b>陈静</b>" not in page
    assert input_value(page, "ce_hours") == "３６"
    assert input_value(page, "qualifications-0-issuer") == "人力资源和社会保障部"
    assert "长" * 10_000 in page
    assert input_value(page, "id_number") in (None, "")
    assert bad_number not in page
    assert 'value="child_adolescent" checked' in page or re.search(
        r'<input[^>]*checked[^>]*value="child_adolescent"', page)
    assert db.session.scalar(sa.select(sa.func.count(Practitioner.id))) == 0


def test_emoji_in_a_name_is_refused_beside_the_field(client, org):
    page = client.post(new_url(org), data=form_data(name="陈静😀")).get_data(as_text=True)
    assert "😀" in error_beside(page, "name")


def test_a_valid_id_number_is_not_written_back_when_another_field_fails(client, org):
    data = form_data(name="")
    page = client.post(new_url(org), data=data).get_data(as_text=True)
    assert "必填" in error_beside(page, "name")
    assert data["id_number"] not in page and input_value(page, "id_number") in (None, "")


def test_full_width_digits_in_the_id_number_are_accepted(client, org):
    number = factories.valid_id_number()
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in number)
    assert client.post(new_url(org), data=form_data(id_number=full_width)).status_code == 302


def test_several_certificates_without_javascript(client, org):
    data = form_data(add_qualification="1")
    page = client.post(new_url(org), data=data).get_data(as_text=True)
    assert 'id="qualifications-1-kind"' in page
    assert db.session.scalar(sa.select(sa.func.count(Practitioner.id))) == 0
    data = form_data(**{"qualifications-1-kind": "social_worker",
                        "qualifications-1-certificate_number": "bad!",
                        "qualifications-1-issuer": "民政部"})
    page = client.post(new_url(org), data=data).get_data(as_text=True)
    assert "证书编号格式不正确" in error_beside(page, "qualifications-1-certificate_number")
    assert error_beside(page, "qualifications-0-certificate_number") == ""
    data["qualifications-1-certificate_number"] = "20191234567"
    assert client.post(new_url(org), data=data).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Qualification.id))) == 2


def test_blank_certificate_rows_are_ignored_but_one_is_needed(client, org):
    data = form_data(**{"qualifications-0-kind": "", "qualifications-0-certificate_number": "",
                        "qualifications-0-issuer": "", "qualifications-0-issued_on": ""})
    page = client.post(new_url(org), data=data).get_data(as_text=True)
    assert "至少填写一项" in error_beside(page, "qualifications-0-kind")


def test_a_registered_person_is_linked_and_the_page_says_so(client, auth, org):
    number = factories.valid_id_number()
    other = factories.make_organisation(region_code="370602")
    existing = factories.make_practitioner(other, id_number=number, name="陈静")
    db.session.commit()
    response = client.post(new_url(org), data=form_data(id_number=number), follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "已将其关联为本机构人员" in text and number not in text
    assert db.session.scalar(sa.select(sa.func.count(Practitioner.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Affiliation.id))) == 2
    assert f"/practitioners/{existing.id}" in response.request.path


def test_edit_keeps_the_id_number_out_of_the_page(client, org):
    number = factories.valid_id_number()
    person = factories.make_practitioner(org, id_number=number, name="陈静")
    db.session.commit()
    url = f"/manage/organisations/{org.id}/practitioners/{person.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert input_value(page, "name") == "陈静" and number not in page
    assert input_value(page, "id_number") in (None, "")
    corrected = factories.valid_id_number()
    mismatch = client.post(url, data={"name": "陈静", "id_number": corrected,
                                      "id_number_confirm": factories.valid_id_number()})
    page = mismatch.get_data(as_text=True)
    assert mismatch.status_code == 400 and "不一致" in error_beside(page, "id_number_confirm")
    assert corrected not in page
    old_digest = person.id_number_digest
    ok = client.post(url, data={"name": "陈 静", "gender": "female", "ce_hours": "8",
                                "id_number": corrected, "id_number_confirm": corrected})
    assert ok.status_code == 302
    db.session.refresh(person)
    assert person.name == "陈 静" and person.id_number_digest != old_digest


def test_a_verified_certificate_offers_no_edit_and_refuses_one(client, org):
    person = factories.make_practitioner(org)
    verified = factories.make_qualification(person)
    waiting = factories.make_qualification(person, state=VerificationState.UNVERIFIED,
                                           verified_at=None)
    db.session.commit()
    base = f"/manage/organisations/{org.id}/practitioners/{person.id}"
    page = client.get(base).get_data(as_text=True)
    assert f"/qualifications/{waiting.id}/edit" in page
    assert f"/qualifications/{verified.id}/edit" not in page
    response = client.post(f"{base}/qualifications/{verified.id}/remove", follow_redirects=True)
    assert "已核验的证书不能修改或删除" in response.get_data(as_text=True)
    assert db.session.get(Qualification, verified.id) is not None
    waiting_id = waiting.id  # the object is gone once the request removes its row
    response = client.post(f"{base}/qualifications/{waiting_id}/remove")
    assert response.status_code == 302 and db.session.get(Qualification, waiting_id) is None


def test_ending_an_affiliation_moves_the_person_to_the_past(client, org):
    person = factories.make_practitioner(org, name="陈静")
    db.session.commit()
    base = f"/manage/organisations/{org.id}/practitioners/{person.id}"
    bad = client.post(f"{base}/end", data={"end_date": "2019-01-01"})
    assert bad.status_code == 400
    assert "早于入职日期" in error_beside(bad.get_data(as_text=True), "end_date")
    assert client.post(f"{base}/end", data={"end_date": ""}).status_code == 302
    roster = client.get(f"/manage/organisations/{org.id}/practitioners").get_data(as_text=True)
    past = roster.split("已离职人员")[1]
    assert "陈静" in past


def test_another_organisation_gets_403_and_a_missing_person_404(client, auth, org):
    outsider = factories.make_organisation(region_code="370602")
    person = factories.make_practitioner(outsider)
    db.session.commit()
    assert client.get(f"/manage/organisations/{outsider.id}/practitioners").status_code == 403
    not_ours = f"/manage/organisations/{org.id}/practitioners/{person.id}"
    assert client.get(not_ours).status_code == 404
    assert client.get("/manage/organisations/99999/practitioners").status_code == 404
    assert client.get("/manage/practitioners").headers["Location"].endswith(
        f"/manage/organisations/{org.id}/practitioners")


# --- verification queue -------------------------------------------------------------------------

@pytest.fixture
def regulator(regions, client, auth):
    factories.make_user(Role.REGULATOR, region_code="370600", email="wjw@yantai.gov.cn")
    db.session.commit()
    auth.login("wjw@yantai.gov.cn")


def test_the_queue_verify_and_reject(client, regulator):
    inside = factories.make_organisation(region_code="370602", name="芝罘心理")
    outside = factories.make_organisation(region_code="510703", name="涪城心理")
    holder = factories.make_practitioner(inside, name="陈静")
    first = factories.make_qualification(holder, state=VerificationState.UNVERIFIED,
                                         verified_at=None, certificate_number="1511000000000071")
    second = factories.make_qualification(holder, state=VerificationState.UNVERIFIED,
                                          verified_at=None, certificate_number="1511000000000072")
    elsewhere = factories.make_qualification(
        factories.make_practitioner(outside, name="刘洋"), state=VerificationState.UNVERIFIED,
        verified_at=None, certificate_number="1511000000000073")
    db.session.commit()
    page = client.get("/review/qualifications").get_data(as_text=True)
    assert "1511000000000071" in page and "芝罘心理" in page
    assert page.index("1511000000000071") < page.index("1511000000000072")
    assert "1511000000000073" not in page and "刘洋" not in page
    assert client.post(f"/review/qualifications/{first.id}/verify").status_code == 302
    assert first.state is VerificationState.VERIFIED

    empty = client.post(f"/review/qualifications/{second.id}/reject", data={"reason": "  "})
    assert empty.status_code == 400
    assert "必填" in error_beside(empty.get_data(as_text=True), "reason")
    assert client.post(f"/review/qualifications/{second.id}/reject",
                       data={"reason": "发证机构查无此证"}).status_code == 302
    assert second.state is VerificationState.REJECTED
    assert client.post(f"/review/qualifications/{elsewhere.id}/verify").status_code == 403
    assert "没有待核验" in client.get("/review/qualifications").get_data(as_text=True)


def test_a_verified_certificate_can_be_revoked_on_its_page(client, regulator):
    holder = factories.make_practitioner(factories.make_organisation(region_code="370602"))
    verified = factories.make_qualification(holder)
    db.session.commit()
    page = client.get(f"/review/qualifications/{verified.id}").get_data(as_text=True)
    assert "撤销证书" in page and "核验通过" not in page
    assert client.post(f"/review/qualifications/{verified.id}/revoke",
                       data={"reason": "烟卫罚〔2026〕3号"}).status_code == 302
    assert verified.state is VerificationState.REVOKED


def test_a_step_in_the_wrong_state_is_a_message_not_a_field_error(client, regulator):
    holder = factories.make_practitioner(factories.make_organisation(region_code="370602"))
    verified = factories.make_qualification(holder)
    db.session.commit()
    again = client.post(f"/review/qualifications/{verified.id}/verify", follow_redirects=True)
    assert again.status_code == 200 and "只有待核验的证书可以核验" in again.get_data(as_text=True)
    rejected = client.post(f"/review/qualifications/{verified.id}/reject",
                           data={"reason": "查无此证"}, follow_redirects=True)
    assert "只有待核验的证书可以退回" in rejected.get_data(as_text=True)
    assert verified.state is VerificationState.VERIFIED


def test_an_exited_organisation_cannot_add_people_and_the_form_keeps_its_values(client, org):
    from registry.orgs.models import OrganisationStatus

    org.status = OrganisationStatus.EXITED
    db.session.commit()
    response = client.post(new_url(org), data=form_data(name="周敏"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409  # the account sees why, at the top of its form
    assert "已退出登记的机构不能再添加从业人员" in page and input_value(page, "name") == "周敏"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Practitioner)) == 0


def test_organisation_accounts_cannot_open_the_queue(client, org):
    assert client.get("/review/qualifications").status_code == 403


# --- certificate lookup --------------------------------------------------------------------------

@pytest.fixture
def certificates(regions):
    holder = factories.make_practitioner(factories.make_organisation(region_code="370602"),
                                         name="张伟")
    today = date.today()
    make = factories.make_qualification
    make(holder, certificate_number="1511000000200001", expires_on=today + timedelta(days=400))
    make(holder, certificate_number="1511000000200002", expires_on=today - timedelta(days=2))
    make(holder, certificate_number="1511000000200003", state=VerificationState.REVOKED,
         state_reason="处罚")
    make(holder, certificate_number="1511000000200004", state=VerificationState.UNVERIFIED,
         verified_at=None)
    db.session.commit()
    return holder


def lookup_page(client, number, name):
    return client.post("/certificates/verify", data={"number": number, "name": name})


def answer_of(response) -> str:
    """The answer block of the lookup page."""
    found = re.search(r'<div class="certificate-answer.*?<!-- /certificate-answer -->',
                      response.get_data(as_text=True), re.S)
    return found.group(0) if found else ""


@pytest.mark.parametrize("number, status, text", [
    ("1511000000200001", "valid", "有效"),
    ("1511000000200002", "expired", "已过期"),
    ("1511000000200003", "revoked", "已撤销"),
    ("1511000000200004", "not_found", "未查到"),
    ("1511000000299999", "not_found", "未查到"),
])
def test_the_lookup_page_answers(client, certificates, number, status, text):
    response = lookup_page(client, number, "张伟")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"certificate-answer--{status}" in page and text in answer_of(response)
    if status == "not_found":
        assert "发证机构" not in answer_of(response)
    else:
        assert "心理咨询师（国家职业资格二级）" in page and "人力资源和社会保障部" in page
    assert f"/practitioners/{certificates.id}" not in page  # no link to the person


@pytest.mark.parametrize("number, status", [
    ("1511000000200001", "valid"), ("1511000000200002", "expired"),
    ("1511000000200003", "revoked"), ("1511000000200004", "not_found"),
])
def test_the_lookup_api_answers(client, certificates, number, status):
    response = client.get("/api/v1/certificates/verify", query_string={"number": number,
                                                                      "name": "张 伟"})
    assert response.status_code == 200 and response.json["status"] == status
    if status == "not_found":
        assert response.json == {"status": "not_found"}
    else:
        assert set(response.json) == {"status", "qualification"}
        assert set(response.json["qualification"]) == {"kind", "kind_label", "issuer", "expires_on"}


def test_a_wrong_name_answers_exactly_like_an_unknown_number(client, certificates):
    wrong_name = client.get("/api/v1/certificates/verify",
                            query_string={"number": "1511000000200001", "name": "张三"})
    unknown = client.get("/api/v1/certificates/verify",
                         query_string={"number": "1511000000299999", "name": "张伟"})
    assert wrong_name.status_code == unknown.status_code == 200
    assert wrong_name.get_data() == unknown.get_data()
    page_wrong = answer_of(lookup_page(client, "1511000000200001", "张三"))
    page_unknown = answer_of(lookup_page(client, "1511000000299999", "张伟"))
    assert page_wrong and page_wrong == page_unknown


def test_missing_parameters_give_a_json_400_naming_the_fields(client, regions):
    response = client.get("/api/v1/certificates/verify", query_string={"number": "123"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_request"
    assert set(response.json["error"]["fields"]) == {"name"}
    both = client.get("/api/v1/certificates/verify")
    assert set(both.json["error"]["fields"]) == {"number", "name"}


def test_the_lookup_page_shows_missing_fields_beside_them(client, regions):
    response = lookup_page(client, "", "张伟")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "证书编号" in error_beside(page, "number")
    assert input_value(page, "name") == "张伟"


def test_lookups_are_rate_limited_across_page_and_api(client, certificates):
    for _ in range(15):
        assert lookup_page(client, "1511000000200001", "张伟").status_code == 200
    for _ in range(15):
        assert client.get("/api/v1/certificates/verify",
                          query_string={"number": "1", "name": "张伟"}).status_code == 200
    limited_api = client.get("/api/v1/certificates/verify", query_string={"number": "1",
                                                                          "name": "张伟"})
    assert limited_api.status_code == 429
    assert limited_api.json["error"]["code"] == "too_many_requests"
    limited_page = lookup_page(client, "1511000000200001", "张伟")
    assert limited_page.status_code == 429 and "请求过于频繁" in limited_page.get_data(as_text=True)
    assert client.get("/certificates/verify").status_code == 200  # the empty form is not counted


def test_the_public_marking_is_available_to_templates(app, certificates):
    from flask import render_template_string

    qualification = db.session.scalar(sa.select(Qualification).where(
        Qualification.certificate_number == "1511000000200001"))
    with app.test_request_context():
        text = render_template_string("{{ qualification_marking(q) }}", q=qualification)
    assert text.startswith("由主管部门于") and text.endswith("核验")


def test_a_huge_year_is_an_error_beside_the_field(client, org):
    response = client.post(new_url(org), data=form_data(
        start_date="99999999999999999999-01-01",
        **{"qualifications-0-issued_on": "1850-01-01"}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "年份" in error_beside(page, "start_date")
    assert "1900" in error_beside(page, "qualifications-0-issued_on")
    assert input_value(page, "start_date") == "99999999999999999999-01-01"
    assert db.session.scalar(sa.select(sa.func.count(Practitioner.id))) == 0
