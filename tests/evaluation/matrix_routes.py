"""The evaluation routes in the permission matrix: the admin's associations and rubrics, and
the scoring routes for an evaluation inside 烟台 (``association_inside``) and one outside
(``association_outside``, 绵阳)."""
from __future__ import annotations

from registry.evaluation.models import Evaluation, EvaluationState
from registry.extensions import db
from tests import factories
from tests.matrix import ADMIN, ASSESSORS_INSIDE, Route

ASSESSORS_OUTSIDE = frozenset({"assessor_outside", "admin"})
WHERE = ("inside", "outside")
ALLOWED = {"inside": ASSESSORS_INSIDE, "outside": ASSESSORS_OUTSIDE}


def with_rubric(world) -> dict:
    """A rubric (资质与人员 60, 服务质量 40) that evaluations can use."""
    return {"rubric": factories.make_rubric()}


def with_drafts(world) -> dict:
    """A draft evaluation of each organisation by the association of its city."""
    rubric = factories.make_rubric()
    records = {"rubric": rubric}
    for where in WHERE:
        evaluation = Evaluation(
            organisation_id=world.records[where].id,
            association_id=world.records[f"association_{where}"].id,
            rubric_id=rubric.id, cycle=2025, state=EvaluationState.DRAFT)
        db.session.add(evaluation)
        db.session.flush()
        records[f"draft_{where}"] = evaluation
    return records


def with_published(world) -> dict:
    """A published evaluation of each organisation by the association of its city."""
    rubric = factories.make_rubric()
    records = {"rubric": rubric}
    for where in WHERE:
        records[f"published_{where}"] = factories.make_evaluation(
            world.records[where], world.records[f"association_{where}"], rubric)
    return records


def scores(world, publishing: bool = False) -> dict:
    """The scoring form filled in for the rubric's two criteria."""
    first, second = world.records["rubric"].criteria
    values = {"lock_version": "1", f"score_{first.id}": "55.5", f"comment_{first.id}": "符合要求",
              f"score_{second.id}": "37", f"comment_{second.id}": "服务规范", "summary": "良好"}
    if publishing:
        values["conflict_declared"] = "y"
    return values


def rubric_form(name: str = "机构评估细则（修订）") -> dict:
    """The rubric form with two criteria worth 100 points."""
    return {"name": name, "excellent_min": "90", "good_min": "75", "pass_min": "60",
            "criteria-0-name": "资质与人员", "criteria-0-max_points": "50",
            "criteria-1-name": "服务质量", "criteria-1-max_points": "50"}


def _routes_for(where: str) -> list[Route]:
    allowed = ALLOWED[where]
    draft = lambda path: lambda w: f"/evaluations/{w.records['draft_' + where].id}{path}"  # noqa: E731
    return [
        Route("evaluation.open_evaluation", "POST", lambda w: "/evaluations/open", allowed,
              variant=where, prepare=with_rubric,
              data=lambda w: {"organisation_id": w.records[where].id, "cycle": "2025",
                              "association_id": w.records[f"association_{where}"].id}),
        Route("evaluation.save_draft", "POST", draft("/draft"), allowed, variant=where,
              prepare=with_drafts, data=scores),
        Route("evaluation.publish", "POST", draft("/publish"), allowed, variant=where,
              prepare=with_drafts, data=lambda w: scores(w, publishing=True)),
        Route("evaluation.correct", "POST",
              lambda w: f"/evaluations/{w.records['published_' + where].id}/correct", allowed,
              variant=where, prepare=with_published,
              data=lambda w: {"reason": "第二项分数录入错误。"}),
    ]


ROUTES = _routes_for("inside") + _routes_for("outside") + [
    Route("evaluation.associations", "POST", lambda w: "/admin/associations", ADMIN,
          data=lambda w: {"name": "山东省心理卫生协会", "region_code": "370000"}),
    Route("evaluation.edit_association", "POST",
          lambda w: f"/admin/associations/{w.records['association_inside'].id}", ADMIN,
          data=lambda w: {"name": "烟台市心理卫生协会", "region_code": "370600"}),
    Route("evaluation.new_rubric", "POST", lambda w: "/admin/rubrics/new", ADMIN,
          data=lambda w: rubric_form()),
    Route("evaluation.edit_rubric", "POST",
          lambda w: f"/admin/rubrics/{w.records['rubric'].id}", ADMIN, prepare=with_rubric,
          data=lambda w: rubric_form(w.records["rubric"].name)),
]
