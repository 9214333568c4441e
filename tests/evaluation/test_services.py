"""Evaluation use cases: rubric versions, one evaluation per organisation, cycle and
association, publishing, corrections, optimistic locking, jurisdiction, visibility."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.auth.policy import PermissionDenied
from registry.evaluation import services
from registry.evaluation.defaults import CRITERIA, RUBRIC_NAME
from registry.evaluation.models import Evaluation, EvaluationState, Grade, Rubric
from registry.evaluation.services import CriterionInput, ScoreInput
from registry.extensions import db
from registry.orgs.models import OrganisationStatus
from registry.validation import ValidationFailed
from tests import factories


def typed(rubric, *points, comment="符合要求"):
    """Score inputs for the rubric's criteria, in order."""
    return {c.id: ScoreInput(str(p), comment) for c, p in zip(rubric.criteria, points)}


def opened(setting, cycle=2025, actor=None):
    return services.open_evaluation(actor or setting.assessor, setting.organisation.id, cycle)


def published(setting, points=(55, 37), cycle=2025):
    evaluation = opened(setting, cycle)
    return services.publish(setting.assessor, evaluation.id, evaluation.lock_version,
                            typed(setting.rubric, *points), "总体良好", True)


# --- rubrics ----------------------------------------------------------------------------------

ROWS = [CriterionInput("资质", "60"), CriterionInput("服务", "40"), CriterionInput("", "")]
LIMITS = {"name": "新细则", "excellent_min": "90", "good_min": "75", "pass_min": "60"}


def test_criteria_must_add_up_to_100(setting):
    with pytest.raises(ValidationFailed) as refused:
        services.create_rubric(setting.admin, LIMITS, [CriterionInput("资质", "60"),
                                                       CriterionInput("服务", "30")])
    assert "100" in refused.value.errors["criteria"]


def test_criterion_points_are_checked_beside_their_row(setting):
    with pytest.raises(ValidationFailed) as refused:
        services.create_rubric(setting.admin, LIMITS, [CriterionInput("资质", "abc"),
                                                       CriterionInput("", "40")])
    assert set(refused.value.errors) >= {"criteria-0-max_points", "criteria-1-name"}


def test_editing_an_unused_rubric_changes_it_in_place(setting):
    rubric = services.create_rubric(setting.admin, LIMITS, ROWS)
    saved = services.update_rubric(setting.admin, rubric.id, {**LIMITS, "excellent_min": "85"},
                                   [CriterionInput("资质", "50"), CriterionInput("服务", "50")])
    assert saved.id == rubric.id and saved.version == 1 and saved.excellent_min == 85
    assert [c.max_points for c in saved.criteria] == [50, 50]


def test_editing_a_used_rubric_makes_a_new_version_and_old_evaluations_keep_theirs(setting):
    evaluation = published(setting)
    old_id = setting.rubric.id
    saved = services.update_rubric(
        setting.admin, old_id, {**LIMITS, "name": setting.rubric.name},
        [CriterionInput("资质", "30"), CriterionInput("服务", "70")])
    assert saved.id != old_id and saved.version == 2 and saved.previous_version_id == old_id
    db.session.expire_all()
    assert db.session.get(Evaluation, evaluation.id).rubric_id == old_id
    assert [c.max_points for c in db.session.get(Rubric, old_id).criteria] == [60, 40]
    assert [r.id for r in services.current_rubrics()] == [saved.id]
    with pytest.raises(services.StateConflict):
        services.update_rubric(setting.admin, old_id, LIMITS, ROWS)


def test_default_rubric_command_is_idempotent(runner, setting):
    first = runner.invoke(args=["evaluation", "default-rubric"])
    second = runner.invoke(args=["evaluation", "default-rubric"])
    assert first.exit_code == 0 and second.exit_code == 0 and "nothing changed" in second.output
    rubrics = db.session.scalars(sa.select(Rubric).where(Rubric.name == RUBRIC_NAME)).all()
    assert len(rubrics) == 1
    assert [c.name for c in rubrics[0].criteria] == [name for name, _p, _d in CRITERIA]
    assert sum(c.max_points for c in rubrics[0].criteria) == 100


def test_only_the_admin_manages_rubrics_and_associations(setting):
    with pytest.raises(PermissionDenied):
        services.create_rubric(setting.regulator, LIMITS, ROWS)
    with pytest.raises(PermissionDenied):
        services.create_association(setting.assessor, {"name": "x", "region_code": "370600"})


def test_association_name_and_jurisdiction(setting):
    association = services.create_association(
        setting.admin, {"name": "山东省心理卫生协会", "region_code": "370000"})
    with pytest.raises(ValidationFailed) as refused:
        services.create_association(setting.admin, {"name": "山东省心理卫生协会",
                                                    "region_code": "999999"})
    assert set(refused.value.errors) == {"name", "region_code"}
    services.update_association(setting.admin, association.id,
                                {"name": "山东省心理卫生协会", "region_code": "370600"})
    assert association.region_code == "370600"


# --- opening ----------------------------------------------------------------------------------

def test_one_evaluation_per_organisation_cycle_and_association(setting):
    opened(setting)
    with pytest.raises(services.StateConflict) as refused:
        opened(setting, actor=setting.colleague)
    assert "不能重复创建" in refused.value.message
    assert opened(setting, cycle=2024).cycle == 2024  # another cycle is fine


def test_another_association_may_evaluate_the_same_cycle(setting):
    opened(setting)
    provincial = factories.make_association(region_code="370000")
    evaluation = services.open_evaluation(setting.admin, setting.organisation.id, 2025,
                                          association_id=provincial.id)
    assert evaluation.association_id == provincial.id


def test_evaluating_outside_the_jurisdiction_is_refused(setting):
    with pytest.raises(PermissionDenied) as refused:
        opened(setting, actor=setting.outsider)
    assert "管辖范围" in refused.value.message
    assert db.session.scalar(sa.select(sa.func.count(Evaluation.id))) == 0


def test_only_active_organisations_are_evaluated(setting):
    setting.organisation.status = OrganisationStatus.SUSPENDED
    db.session.commit()
    with pytest.raises(services.StateConflict):
        opened(setting)


# --- saving and publishing --------------------------------------------------------------------

@pytest.mark.parametrize("points, problem", [("abc", "数字"), ("60.5", "0 到 60"),
                                             ("-1", "0 到 60"), ("10.25", "半分")])
def test_bad_scores_are_refused_beside_the_criterion_and_the_draft_kept(setting, points, problem):
    evaluation = opened(setting)
    services.save_draft(setting.assessor, evaluation.id, 1, typed(setting.rubric, 40, 30))
    first = setting.rubric.criteria[0]
    with pytest.raises(ValidationFailed) as refused:
        services.save_draft(setting.assessor, evaluation.id, evaluation.lock_version,
                            typed(setting.rubric, points, 35))
    assert problem in refused.value.errors[f"score_{first.id}"]
    db.session.rollback()
    db.session.expire_all()
    assert [s.points for s in db.session.get(Evaluation, evaluation.id).scores] == [40, 30]


def test_publishing_needs_every_score_and_the_declaration(setting):
    evaluation = opened(setting)
    second = setting.rubric.criteria[1]
    with pytest.raises(ValidationFailed) as refused:
        services.publish(setting.assessor, evaluation.id, 1,
                         {setting.rubric.criteria[0].id: ScoreInput("50")}, None, False)
    assert set(refused.value.errors) == {f"score_{second.id}", "conflict_declared"}
    db.session.rollback()
    assert db.session.get(Evaluation, evaluation.id).state is EvaluationState.DRAFT


def test_publishing_computes_total_and_grade_and_records_the_declaration(setting):
    evaluation = published(setting, points=(44.5, 30))
    assert evaluation.state is EvaluationState.PUBLISHED
    assert evaluation.total == 74.5 and evaluation.grade is Grade.PASS
    assert evaluation.conflict_declared and evaluation.published_at is not None
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "evaluation.publish" in actions


def test_a_published_evaluation_cannot_be_edited_or_published_again(setting):
    evaluation = published(setting)
    with pytest.raises(services.StateConflict) as refused:
        services.publish(setting.assessor, evaluation.id, evaluation.lock_version,
                         typed(setting.rubric, 60, 40), None, True)
    assert "已发布" in refused.value.message
    with pytest.raises(services.StateConflict):
        services.save_draft(setting.assessor, evaluation.id, evaluation.lock_version,
                            typed(setting.rubric, 60, 40))


def test_a_stale_save_is_refused(setting):
    evaluation = opened(setting)
    loaded = evaluation.lock_version  # both assessors open the same draft
    services.save_draft(setting.assessor, evaluation.id, loaded, typed(setting.rubric, 40, 30))
    with pytest.raises(services.StateConflict) as refused:
        services.save_draft(setting.colleague, evaluation.id, loaded,
                            typed(setting.rubric, 10, 10))
    assert "其他评估员" in refused.value.message
    db.session.rollback()
    db.session.expire_all()
    assert [s.points for s in db.session.get(Evaluation, evaluation.id).scores] == [40, 30]


def test_a_concurrent_write_after_loading_is_refused_by_the_version_counter(setting):
    evaluation = opened(setting)
    loaded = evaluation.lock_version
    db.session.execute(sa.update(Evaluation).where(Evaluation.id == evaluation.id)
                       .values(lock_version=Evaluation.lock_version + 1))
    with pytest.raises(services.StateConflict):
        services.save_draft(setting.assessor, evaluation.id, loaded,
                            typed(setting.rubric, 40, 30))


# --- corrections ------------------------------------------------------------------------------

def test_a_correction_supersedes_the_published_evaluation_and_both_are_kept(setting):
    original = published(setting, points=(55, 37))
    with pytest.raises(ValidationFailed):
        services.start_correction(setting.assessor, original.id, "  ")
    correction = services.start_correction(setting.assessor, original.id, "第二项录入错误。")
    assert (correction.revision, correction.supersedes_id) == (2, original.id)
    assert correction.state is EvaluationState.DRAFT
    assert [s.points for s in correction.scores] == [55, 37]  # a copy to start from
    assert original.state is EvaluationState.PUBLISHED  # until the correction is published
    with pytest.raises(services.StateConflict):
        services.start_correction(setting.assessor, original.id, "再次更正")
    services.publish(setting.assessor, correction.id, correction.lock_version,
                     typed(setting.rubric, 55, 30), None, True)
    db.session.expire_all()
    assert db.session.get(Evaluation, original.id).state is EvaluationState.SUPERSEDED
    assert db.session.get(Evaluation, original.id).total == 92
    assert db.session.get(Evaluation, correction.id).total == 85
    assert [e.id for e in services.published_evaluations(setting.organisation.id)] == \
        [correction.id]


# --- visibility -------------------------------------------------------------------------------

def test_drafts_are_visible_only_to_the_association_and_the_admin(setting):
    draft = opened(setting)
    assert services.evaluation_for(setting.colleague, draft.id) is draft
    assert services.evaluation_for(setting.admin, draft.id) is draft
    for viewer in (setting.owner, setting.regulator, setting.outsider):
        with pytest.raises(services.NotFound):
            services.evaluation_for(viewer, draft.id)
    _organisation, reports = services.organisation_reports(setting.owner, setting.organisation.id)
    assert reports == []
    assert services.latest_published(setting.organisation.id) is None


def test_the_organisation_sees_its_published_reports(setting):
    evaluation = published(setting, cycle=2024)
    opened(setting, cycle=2025)  # a draft for the next cycle stays hidden
    _organisation, reports = services.organisation_reports(setting.owner, setting.organisation.id)
    assert reports == [evaluation]
    other = factories.make_organisation()
    with pytest.raises(services.NotFound):
        services.organisation_reports(setting.owner, other.id)


def test_workload_lists_what_is_left_to_evaluate(setting):
    other = factories.make_organisation(region_code="370613")
    factories.make_organisation(region_code="510703")  # outside the association
    factories.make_organisation(status=OrganisationStatus.SUSPENDED)
    db.session.commit()
    draft = opened(setting)
    work = services.workload(setting.assessor, 2025)
    assert work.drafts == [draft] and work.published == []
    assert work.to_evaluate == [other]
