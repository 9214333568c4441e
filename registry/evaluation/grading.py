"""The one home of the scoring arithmetic: a total from per-criterion points, and its grade."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from registry.evaluation.models import Grade

# A score is a whole or half point (一分或半分).
STEP = 0.5
DEFAULT_THRESHOLDS = {"excellent_min": 90.0, "good_min": 75.0, "pass_min": 60.0}


@dataclass(frozen=True)
class Result:
    """What an evaluation earns: its total (0 … 100) and its grade."""

    total: float
    grade: Grade


def is_half_step(value: float) -> bool:
    """Whether ``value`` is a whole or half number (8, 8.5; not 8.25)."""
    return float(value * 2).is_integer()


def grade_for(points: Iterable[float], thresholds=None) -> Result:
    """Total and grade of ``points`` under ``thresholds`` (a rubric, or the defaults).

    ``thresholds`` is anything with ``excellent_min``, ``good_min`` and ``pass_min``; a total
    equal to a threshold reaches it (60 passes, 59.5 does not).
    """
    total = sum(float(value) for value in points)
    # Half points add up exactly in binary floating point; rounding guards against a caller
    # that passes values such as 0.1 + 0.2 all the same.
    total = round(total * 2) / 2
    limits = _limits(thresholds)
    if total >= limits["excellent_min"]:
        grade = Grade.EXCELLENT
    elif total >= limits["good_min"]:
        grade = Grade.GOOD
    elif total >= limits["pass_min"]:
        grade = Grade.PASS
    else:
        grade = Grade.FAIL
    return Result(total, grade)


def _limits(thresholds) -> dict:
    if thresholds is None:
        return dict(DEFAULT_THRESHOLDS)
    if isinstance(thresholds, dict):
        return {key: float(thresholds.get(key, default)) for key, default in DEFAULT_THRESHOLDS.items()}
    return {key: float(getattr(thresholds, key) if getattr(thresholds, key) is not None else default)
            for key, default in DEFAULT_THRESHOLDS.items()}
