"""``flask demo seed`` after ``flask evaluation default-rubric``: the seeder reuses the
installed default rubric instead of refusing or adding a second one."""
from __future__ import annotations

import sqlalchemy as sa

from registry.evaluation.defaults import RUBRIC_NAME
from registry.evaluation.models import Evaluation, Rubric, RubricCriterion, Score
from registry.extensions import db
from registry.orgs.models import Organisation
from tests.demo.helpers import count


def test_seed_after_default_rubric_uses_that_rubric(runner, regions):
    installed = runner.invoke(args=["evaluation", "default-rubric"])
    assert installed.exit_code == 0, installed.output
    assert "Created the default rubric" in installed.output
    rubric_id = db.session.scalars(sa.select(Rubric.id).where(Rubric.name == RUBRIC_NAME)).one()
    criterion_ids = set(db.session.scalars(
        sa.select(RubricCriterion.id).where(RubricCriterion.rubric_id == rubric_id)))

    result = runner.invoke(args=["demo", "seed", "--orgs", "30"])
    assert result.exit_code == 0, result.output
    assert "Seeded 30 organisations" in result.output
    assert "already exist" not in result.output
    assert count(Organisation) == 30

    assert db.session.scalars(sa.select(Rubric.id)).all() == [rubric_id]
    assert count(RubricCriterion) == len(criterion_ids)
    used = set(db.session.scalars(sa.select(Evaluation.rubric_id).distinct()))
    assert used == {rubric_id}
    assert count(Evaluation) > 10
    scored = set(db.session.scalars(sa.select(Score.criterion_id).distinct()))
    assert scored and scored <= criterion_ids


def test_seed_still_refuses_when_organisations_exist(runner, regions):
    assert runner.invoke(args=["evaluation", "default-rubric"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed", "--orgs", "10"]).exit_code == 0
    again = runner.invoke(args=["demo", "seed", "--orgs", "10"])
    assert again.exit_code == 1
    assert "already has 10 organisations" in again.output
    skipped = runner.invoke(args=["demo", "seed", "--orgs", "10", "--if-empty"])
    assert skipped.exit_code == 0
    assert "Skipped demo data" in skipped.output
    assert count(Organisation) == 10
    assert count(Rubric) == 1


def test_seed_refuses_a_changed_rubric_of_the_default_name(runner, regions):
    assert runner.invoke(args=["evaluation", "default-rubric"]).exit_code == 0
    criterion = db.session.scalars(
        sa.select(RubricCriterion).order_by(RubricCriterion.position)).first()
    criterion.max_points = 25
    db.session.commit()
    result = runner.invoke(args=["demo", "seed", "--orgs", "10"])
    assert result.exit_code == 1
    assert "differ from the shipped default" in result.output
    assert count(Organisation) == 0
