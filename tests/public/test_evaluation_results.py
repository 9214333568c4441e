"""The public side of evaluation: per-criterion scores, the totals chart, drafts never shown,
and the list of current demonstration units per region."""
from __future__ import annotations

from registry.evaluation.models import EvaluationState, Grade
from registry.extensions import db
from tests.factories import (
    make_association,
    make_designation,
    make_evaluation,
    make_organisation,
    make_rubric,
)


def test_scores_and_chart_of_published_evaluations(client, regions):
    organisation = make_organisation()
    association, rubric = make_association(), make_rubric()
    make_evaluation(organisation, association, rubric, points=(45, 30), cycle=2023, grade=Grade.GOOD)
    make_evaluation(organisation, association, rubric, points=(56.5, 37), cycle=2024)
    draft = make_evaluation(organisation, association, rubric, points=(20, 13), cycle=2025,
                            grade=Grade.FAIL)
    draft.state, draft.published_at = EvaluationState.DRAFT, None
    draft.total, draft.grade = None, None
    db.session.commit()
    page = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    scores = page.split("各项得分")[1].split("</table>")[0]
    assert "资质与人员" in scores and "56.5" in scores and "服务质量" in scores
    assert "<svg" in page and "<polyline" in page and page.count("<circle") == 2
    assert "2023 年度：75 分" in page and "2024 年度：93.5 分" in page
    assert "2025" not in page.split("<svg")[1].split("</figure>")[0]  # the draft
    assert " style=" not in page and "<script>" not in page


def test_no_chart_without_published_evaluation(client, regions):
    organisation = make_organisation()
    db.session.commit()
    page = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert "<svg" not in page and "暂无已公布的评估结果" in page


def test_demonstration_units_by_region(client, regions):
    yantai = make_organisation(region_code="370602")
    mianyang = make_organisation(region_code="510703")
    plain = make_organisation(region_code="370602")
    make_designation(yantai, year=2025)
    make_designation(mianyang, year=2025)
    db.session.commit()
    everywhere = client.get("/demonstration-units").get_data(as_text=True)
    assert yantai.name in everywhere and mianyang.name in everywhere and plain.name not in everywhere
    assert "山东省" in everywhere and "四川省" in everywhere
    city = client.get("/demonstration-units?region=370600").get_data(as_text=True)
    assert yantai.name in city and mianyang.name not in city
    assert client.get("/demonstration-units?region=999999").status_code == 404
    assert "/demonstration-units" in client.get("/").get_data(as_text=True)
