"""The grading function: boundaries and thresholds from the rubric."""
from __future__ import annotations

import pytest

from registry.evaluation.grading import grade_for
from registry.evaluation.models import Grade, Rubric


@pytest.mark.parametrize("total, grade", [
    (0, Grade.FAIL), (59.5, Grade.FAIL), (60, Grade.PASS), (74.5, Grade.PASS),
    (75, Grade.GOOD), (89.5, Grade.GOOD), (90, Grade.EXCELLENT), (100, Grade.EXCELLENT),
])
def test_grade_boundaries_with_the_default_thresholds(total, grade):
    assert grade_for([total]).grade is grade


def test_total_is_the_sum_of_half_points():
    result = grade_for([19.5, 15, 14.5, 20, 11, 10])
    assert result.total == 90 and result.grade is Grade.EXCELLENT


def test_thresholds_come_from_the_rubric():
    strict = Rubric(name="严格", excellent_min=95, good_min=80, pass_min=70)
    assert grade_for([92], strict).grade is Grade.GOOD
    assert grade_for([69.5], strict).grade is Grade.FAIL
    assert grade_for([70], strict).grade is Grade.PASS
