"""The sanction pages as their users see them: forms with errors beside the fields and what
was typed kept, wrong states refused, the public list and the public pages' status."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from registry.extensions import db
from registry.orgs.models import OrganisationStatus
from registry.sanctions.models import Sanction, SanctionRecommendation
from registry.sanctions.services import local_today
from tests import factories
from tests.matrix import fingerprint
from tests.html import visible_text


def _form(**values) -> dict:
    today = local_today()
    form = {"sanction_type": "suspension", "facts": "超出服务范围作出诊断。",
            "legal_basis": "《中华人民共和国精神卫生法》第二十三条",
            "decision_number": "烟卫罚〔2026〕30号", "decision_date": today.isoformat(),
            "deciding_body": "烟台市卫生健康委员会", "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=60)).isoformat(),
            "disclosure_until": (today + timedelta(days=400)).isoformat()}
    form.update(values)
    return form


def test_the_sanction_form_keeps_input_and_puts_errors_beside_fields(client, auth, setting):
    auth.login(setting.regulator.email)
    url = f"/review/sanctions/new?organisation={setting.organisation.id}"
    before = fingerprint()

    response = client.post(url, data=_form(ends_on="2001-01-01", facts="<b>在报纸上</b>刊登"))

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "结束日期不能早于开始日期。" in html
    assert 'value="2001-01-01"' in html
    assert "&lt;b&gt;在报纸上&lt;/b&gt;刊登" in html  # kept, and escaped
    assert fingerprint() == before


def test_a_regulator_suspends_and_the_public_page_shows_it(client, auth, setting):
    auth.login(setting.regulator.email)

    response = client.post(f"/review/sanctions/new?organisation={setting.organisation.id}",
                           data=_form())

    assert response.status_code == 302
    assert setting.organisation.status is OrganisationStatus.SUSPENDED
    page = visible_text(client.get(f"/organisations/{setting.organisation.id}"))
    assert "该机构已被暂停服务。" in page and "烟卫罚〔2026〕30号" in page
    listed = visible_text(client.get("/sanctions?region=370600&type=suspension"))
    assert setting.organisation.name in listed and "共 1 条。" in listed
    assert "共 0 条。" in visible_text(client.get("/sanctions?region=510000"))


def test_a_second_exit_is_refused_with_a_message(client, auth, setting):
    setting.organisation.status = OrganisationStatus.EXITED
    db.session.commit()
    auth.login(setting.regulator.email)

    response = client.post(f"/review/sanctions/new?organisation={setting.organisation.id}",
                           data=_form(sanction_type="exit", ends_on="", disclosure_until=""))

    assert response.status_code == 409
    assert "该机构已退出登记，不能再次作出退出登记决定。" in visible_text(response)


def test_a_suspension_that_has_ended_is_over_everywhere_and_no_read_writes(client, setting):
    ended = date.today() - timedelta(days=40)
    factories.make_sanction(setting.organisation, sanction_type=factories.SanctionType.SUSPENSION,
                            decision_date=ended - timedelta(days=30),
                            starts_on=ended - timedelta(days=30), ends_on=ended)
    setting.organisation.status = OrganisationStatus.SUSPENDED  # the daily job has not run
    db.session.commit()
    organisation_id = setting.organisation.id
    before = fingerprint()

    page = visible_text(client.get(f"/organisations/{organisation_id}"))
    notice = visible_text(client.get(f"/organisations/{organisation_id}/notice"))
    api = client.get(f"/api/v1/organisations/{organisation_id}").json["organisation"]

    assert "该机构已被暂停服务。" not in page and "暂停服务" not in notice
    assert (api["status"], api["suspended_until"]) == ("active", None)
    assert fingerprint() == before  # no reader wrote the transition (nor an audit event)
    assert setting.organisation.status is OrganisationStatus.SUSPENDED


def test_accepting_a_recommendation_prefills_the_sanction(client, auth, setting):
    recommendation = SanctionRecommendation(
        association_id=setting.association.id, organisation_id=setting.organisation.id,
        region_code="370602", proposed_type=factories.SanctionType.RECTIFICATION,
        facts="咨询室不具备隔音条件。")
    db.session.add(recommendation)
    db.session.commit()
    auth.login(setting.regulator.email)

    queue = visible_text(client.get("/review/recommendations"))
    form = client.get(f"/review/sanctions/new?recommendation={recommendation.id}")

    assert setting.organisation.name in queue
    html = form.get_data(as_text=True)
    assert "咨询室不具备隔音条件。" in html
    assert '<option selected value="rectification">' in html or \
        'value="rectification" selected' in html


def test_an_assessor_files_a_recommendation_and_sees_the_outcome(client, auth, setting):
    auth.login(setting.assessor.email)
    url = f"/recommendations/new?organisation={setting.organisation.id}"

    bad = client.post(url, data={"proposed_type": "", "facts": "多次虚假宣传"})
    assert bad.status_code == 400 and "请选择惩戒类型。" in visible_text(bad)
    assert "多次虚假宣传" in bad.get_data(as_text=True)

    client.post(url, data={"proposed_type": "circulated_criticism", "facts": "多次虚假宣传"})
    assert "待主管部门处理" in visible_text(client.get("/recommendations"))
    recommendation = db.session.scalar(sa.select(SanctionRecommendation))
    assert recommendation.region_code == "370602"


def test_the_organisation_appeals_from_its_page(client, auth, setting):
    sanction = factories.make_sanction(setting.organisation)
    db.session.commit()
    auth.login(setting.owner.email)

    page = visible_text(client.get("/my/sanctions"))
    empty = client.post(f"/my/sanctions/{sanction.id}/appeal", data={"kind": "appeal"})
    filed = client.post(f"/my/sanctions/{sanction.id}/appeal",
                        data={"kind": "appeal", "statement": "已在决定前完成公示。"})

    assert sanction.decision_number in page
    assert empty.status_code == 400 and "此项为必填项。" in visible_text(empty)
    assert filed.status_code == 302
    assert "申诉（审查中）" in visible_text(client.get("/my/sanctions"))


def test_the_practitioner_page_shows_a_suspension(client, setting):
    factories.make_sanction(setting.organisation)  # not theirs
    sanction = Sanction(practitioner_id=setting.practitioner.id,
                        sanction_type=factories.SanctionType.SUSPENSION, facts="违规",
                        legal_basis="依据", decision_number="烟卫罚〔2026〕31号",
                        decision_date=date.today(), deciding_body="卫健委",
                        starts_on=date.today(), ends_on=date.today() + timedelta(days=30),
                        disclosure_until=date.today() + timedelta(days=400), region_code="370602")
    db.session.add(sanction)
    db.session.commit()

    page = visible_text(client.get(f"/practitioners/{setting.practitioner.id}"))

    assert "暂停服务" in page and "烟卫罚〔2026〕31号" in page


def test_the_public_list_rejects_bad_filters(client, setting):
    assert client.get("/sanctions?region=12").status_code == 404
    assert client.get("/sanctions?type=fine").status_code == 404
    assert client.get("/sanctions?subject=x").status_code == 404
    assert client.get("/sanctions?page=99").status_code == 404


def test_a_huge_year_in_the_sanction_form_is_a_field_error(client, auth, setting):
    auth.login(setting.regulator.email)
    url = f"/review/sanctions/new?organisation={setting.organisation.id}"
    before = fingerprint()
    response = client.post(url, data=_form(ends_on="99999999999999999999-01-01",
                                           decision_date="2026-02-30"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "年份应在 1900 至 2100 之间。" in html and "没有这一天" in html
    assert 'value="99999999999999999999-01-01"' in html
    assert fingerprint() == before
