"""The evaluation pages: scoring with bad input kept beside each criterion, a stale save
refused, publishing, corrections, the organisation's reports, and the admin's pages."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.evaluation import services
from registry.evaluation.models import Evaluation, EvaluationState, Rubric
from registry.extensions import db
from tests.conftest import PASSWORD
from tests.html import error_beside, input_value, text_of


def login(client, user):
    client.post("/logout")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def draft(setting) -> Evaluation:
    return services.open_evaluation(setting.assessor, setting.organisation.id, 2025)


def form_for(setting, first, second, lock_version=1, **extra) -> dict:
    a, b = setting.rubric.criteria
    return {"lock_version": str(lock_version), f"score_{a.id}": first, f"comment_{a.id}": "资质齐全",
            f"score_{b.id}": second, f"comment_{b.id}": "服务规范", "summary": "", **extra}


def test_assessor_opens_an_evaluation_from_the_list(client, setting):
    login(client, setting.assessor)
    page = text_of(client.get("/evaluations?cycle=2025"))
    assert setting.organisation.name in page and "本周期尚未评估的机构" in page
    response = client.post("/evaluations/open", data={
        "organisation_id": setting.organisation.id, "cycle": "2025"})
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "资质与人员" in page and "发布评估结果" in page
    again = client.post("/evaluations/open", data={
        "organisation_id": setting.organisation.id, "cycle": "2025"})
    assert again.status_code == 409 and "不能重复创建" in text_of(again)


def test_bad_scores_show_beside_the_criterion_with_what_was_typed(client, setting, draft):
    login(client, setting.assessor)
    a, b = setting.rubric.criteria
    response = client.post(f"/evaluations/{draft.id}/draft",
                           data=form_for(setting, "七十", "20.3"))
    page = text_of(response)
    assert response.status_code == 400
    assert "数字" in error_beside(page, f"score_{a.id}")
    assert "半分" in error_beside(page, f"score_{b.id}")
    assert input_value(page, f"score_{a.id}") == "七十"
    assert db.session.get(Evaluation, draft.id).scores == []


def test_second_save_of_the_same_draft_is_refused_and_keeps_the_typed_values(app, setting,
                                                                            draft):
    first, second = app.test_client(), app.test_client()
    login(first, setting.assessor)
    login(second, setting.colleague)
    a, _b = setting.rubric.criteria
    for client in (first, second):  # both load the draft
        assert 'name="lock_version" type="hidden" value="1"' in \
            client.get(f"/evaluations/{draft.id}").get_data(as_text=True)
    assert first.post(f"/evaluations/{draft.id}/draft",
                      data=form_for(setting, "50", "30")).status_code == 302
    refused = second.post(f"/evaluations/{draft.id}/draft", data=form_for(setting, "20", "10"))
    page = text_of(refused)
    assert refused.status_code == 409 and "其他评估员已修改" in page
    assert input_value(page, f"score_{a.id}") == "20"
    db.session.expire_all()
    assert [s.points for s in db.session.get(Evaluation, draft.id).scores] == [50, 30]


def test_publish_needs_the_declaration_then_shows_the_grade(client, setting, draft):
    login(client, setting.assessor)
    refused = client.post(f"/evaluations/{draft.id}/publish", data=form_for(setting, "55", "36"))
    assert refused.status_code == 400
    assert "利益冲突" in error_beside(text_of(refused), "conflict_declared")
    response = client.post(f"/evaluations/{draft.id}/publish",
                           data=form_for(setting, "55", "36", conflict_declared="y"))
    assert response.status_code == 302
    page = text_of(client.get(f"/evaluations/{draft.id}"))
    assert "优秀" in page and ">91<" in page and "创建更正版本" in page
    twice = client.post(f"/evaluations/{draft.id}/publish",
                        data=form_for(setting, "55", "36", lock_version=2, conflict_declared="y"))
    assert twice.status_code == 409 and "已发布" in text_of(twice)


def test_correction_from_the_page(client, setting, draft):
    login(client, setting.assessor)
    client.post(f"/evaluations/{draft.id}/publish",
                data=form_for(setting, "55", "36", conflict_declared="y"))
    refused = client.post(f"/evaluations/{draft.id}/correct", data={"reason": ""})
    assert refused.status_code == 400 and "更正的理由" in text_of(refused)
    response = client.post(f"/evaluations/{draft.id}/correct", data={"reason": "录入错误"})
    correction = db.session.scalar(sa.select(Evaluation).where(Evaluation.revision == 2))
    assert response.headers["Location"].endswith(f"/evaluations/{correction.id}")
    client.post(f"/evaluations/{correction.id}/publish",
                data=form_for(setting, "50", "30", conflict_declared="y"))
    db.session.expire_all()
    assert db.session.get(Evaluation, draft.id).state is EvaluationState.SUPERSEDED


def test_the_organisation_sees_published_reports_but_never_drafts(client, setting, draft):
    services.save_draft(setting.assessor, draft.id, 1, {
        c.id: services.ScoreInput("10", "草稿里的保密评语") for c in setting.rubric.criteria})
    login(client, setting.owner)
    assert client.get(f"/evaluations/{draft.id}").status_code == 404
    mine = client.get("/my-organisation/evaluations")
    page = text_of(client.get(mine.headers["Location"]))
    assert "还没有已发布的评估" in page and "草稿里的保密评语" not in page
    public = text_of(client.get(f"/organisations/{setting.organisation.id}"))
    assert "草稿里的保密评语" not in public
    services.publish(setting.assessor, draft.id, draft.lock_version, {
        c.id: services.ScoreInput("20", "公开的评语") for c in setting.rubric.criteria},
        None, True)
    page = text_of(client.get(f"/manage/organisations/{setting.organisation.id}/evaluations"))
    assert "公开的评语" in page and "不合格" in page


def test_admin_edits_a_used_rubric_into_a_new_version(client, setting, draft):
    login(client, setting.admin)
    assert "资质与人员" in text_of(client.get(f"/admin/rubrics/{setting.rubric.id}"))
    bad = client.post(f"/admin/rubrics/{setting.rubric.id}", data={
        "name": setting.rubric.name, "excellent_min": "90", "good_min": "75", "pass_min": "60",
        "criteria-0-name": "资质与人员", "criteria-0-max_points": "60",
        "criteria-1-name": "服务质量", "criteria-1-max_points": "30"})
    assert bad.status_code == 400 and "之和应为 100 分" in text_of(bad)
    response = client.post(f"/admin/rubrics/{setting.rubric.id}", data={
        "name": setting.rubric.name, "excellent_min": "90", "good_min": "75", "pass_min": "60",
        "criteria-0-name": "资质与人员", "criteria-0-max_points": "70",
        "criteria-1-name": "服务质量", "criteria-1-max_points": "30"})
    assert response.status_code == 302
    versions = db.session.scalars(sa.select(Rubric).order_by(Rubric.version)).all()
    assert [r.version for r in versions] == [1, 2]
    assert "旧版本" in text_of(client.get("/admin/rubrics"))


def test_admin_adds_an_association(client, setting):
    login(client, setting.admin)
    bad = client.post("/admin/associations", data={"name": "", "region_code": ""})
    assert bad.status_code == 400 and "请填写协会名称" in error_beside(text_of(bad), "name")
    response = client.post("/admin/associations",
                           data={"name": "山东省心理卫生协会", "region_code": "370000"})
    assert response.status_code == 302
    assert "山东省心理卫生协会" in text_of(client.get("/admin/associations"))


def test_admin_pages_render(client, setting, draft):
    login(client, setting.admin)
    for url in ("/admin/rubrics/new", f"/admin/associations/{setting.association.id}",
                "/evaluations", f"/evaluations?cycle=2025&association_id={setting.association.id}",
                f"/evaluations/{draft.id}"):
        assert client.get(url).status_code == 200, url
    page = text_of(client.get(f"/evaluations?cycle=2025&association_id={setting.association.id}"))
    assert "2025 年度评估草稿" in page and setting.organisation.name in page


def test_workbench_shows_the_evaluation_links(client, setting):
    login(client, setting.assessor)
    assert 'href="/evaluations"' in client.get("/account").get_data(as_text=True)
    login(client, setting.owner)
    assert 'href="/my-organisation/evaluations"' in client.get("/account").get_data(as_text=True)
