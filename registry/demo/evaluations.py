"""The default rubric, published evaluations with per-criterion scores, and demonstration
designations (示范单位) for some organisations graded excellent."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from registry.demo.clock import CYCLES, REFERENCE_DATE, add_years, days_between, local_time
from registry.demo.organisations import OrgPlan
from registry.evaluation.defaults import (  # noqa: F401  (re-exported for the seed)
    CRITERIA,
    RUBRIC_DESCRIPTION,
    RUBRIC_NAME,
    THRESHOLDS,
)
from registry.evaluation.grading import grade_for
from registry.evaluation.models import EvaluationState, Grade
from registry.orgs.models import OrganisationStatus

COMMENTS = (
    (0.9, ("符合要求，表现突出。", "各项材料齐全，做法值得推广。")),
    (0.75, ("符合要求。", "总体符合要求，个别细节可进一步完善。")),
    (0.6, ("基本符合要求，需进一步完善。", "部分材料不完整，建议补充。")),
    (0.0, ("未达到要求，须限期整改。", "存在明显不足，须整改后复查。")),
)
SUMMARIES = {
    Grade.EXCELLENT: "机构管理规范，服务质量突出，公益服务成效明显。",
    Grade.GOOD: "整体运行规范，建议进一步完善个案记录与督导制度。",
    Grade.PASS: "基本符合要求，人员资质与档案管理需限期完善。",
    Grade.FAIL: "多项指标未达标，须在三个月内完成整改并接受复评。",
}
DESIGNATION_SHARE = 0.08
# Share of organisations evaluated in each cycle: every other demo city (in code order) lags
# behind the 80 % target so that the coverage page shows cities below and above it.
EVALUATED_SHARE_HIGH = 0.95
EVALUATED_SHARE_LOW = 0.6
# Organisations left unevaluated in the latest cycle that have an assessor's draft under way.
DRAFT_SHARE = 0.5


@dataclass(frozen=True)
class RubricInfo:
    """The seeded rubric: its id, (criterion id, maximum) pairs and thresholds."""

    id: int
    criteria: tuple[tuple[int, float], ...]
    excellent_min: float
    good_min: float
    pass_min: float

    def grade(self, total: float) -> Grade:
        """The grade a total earns under this rubric's thresholds (the one grading rule)."""
        return grade_for([total], self).grade


def rubric_rows(rubric_id: int, criterion_ids: list[int],
                created: datetime) -> tuple[dict, list[dict]]:
    """The rubric row and its criteria rows."""
    rubric = {"id": rubric_id, "name": RUBRIC_NAME, "version": 1,
              "description": RUBRIC_DESCRIPTION, "first_cycle": CYCLES[0], **THRESHOLDS,
              "previous_version_id": None,
              "created_at": created, "updated_at": created}
    criteria = [{"id": criterion_id, "rubric_id": rubric_id, "position": position, "name": name,
                 "description": description, "max_points": float(points), "weight": 1.0}
                for position, (criterion_id, (name, points, description))
                in enumerate(zip(criterion_ids, CRITERIA), start=1)]
    return rubric, criteria


@dataclass
class EvaluationRows:
    """Rows for one chunk of organisations."""

    evaluations: list[dict] = field(default_factory=list)
    scores: list[dict] = field(default_factory=list)
    assessors: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Candidate:
    """An excellent evaluation that could earn a demonstration designation."""

    city_code: str
    cycle: int
    organisation_id: int
    evaluation_id: int


class EvaluationMaker:
    """Evaluates registered organisations for each cycle they were registered in."""

    def __init__(self, rng: random.Random, take_id, rubric: RubricInfo,
                 associations: dict[str, int], assessors: dict[str, int]):
        self.rng, self.take_id, self.rubric = rng, take_id, rubric
        self.associations, self.assessors = associations, assessors
        self.candidates: list[Candidate] = []
        self.lagging = set(sorted(associations)[1::2])  # cities below the coverage target

    def rows_for(self, plans: list[OrgPlan]) -> EvaluationRows:
        """Evaluations, scores and assessor links for ``plans``."""
        rows = EvaluationRows()
        for plan in plans:
            if plan.registered:
                self._evaluate(plan, rows)
        return rows

    def _evaluate(self, plan: OrgPlan, rows: EvaluationRows) -> None:
        cycles = []
        for cycle in CYCLES:
            published = days_between(self.rng, date(cycle + 1, 1, 10), date(cycle + 1, 4, 20))
            if plan.approved.date() > date(cycle, 9, 30) or published >= REFERENCE_DATE:
                continue
            if plan.fate_on is not None and published >= plan.fate_on:
                continue
            cycles.append((cycle, published))
        failing = plan.fate in ("suspension", "exit")
        share = EVALUATED_SHARE_LOW if plan.city.code in self.lagging else EVALUATED_SHARE_HIGH
        for position, (cycle, published) in enumerate(cycles):
            last = position == len(cycles) - 1
            if not (failing and last) and self.rng.random() >= share:
                if cycle == CYCLES[-1] and self.rng.random() < DRAFT_SHARE:
                    self._draft(plan, cycle, published, rows)
                continue
            self._one(plan, cycle, published, rows, must_fail=failing and last)

    def _draft(self, plan: OrgPlan, cycle: int, started: date, rows: EvaluationRows) -> None:
        """An evaluation an assessor has begun: some criteria scored, nothing published."""
        evaluation_id = self.take_id("evaluations")
        created = local_time(self.rng, started)
        assessor = self.assessors[plan.city.code]
        rows.evaluations.append({
            "id": evaluation_id, "organisation_id": plan.id,
            "association_id": self.associations[plan.city.code], "rubric_id": self.rubric.id,
            "cycle": cycle, "revision": 1, "supersedes_id": None, "correction_reason": None,
            "state": EvaluationState.DRAFT, "total": None, "grade": None, "summary": None,
            "conflict_declared": False, "published_at": None, "created_by_id": assessor,
            "created_at": created, "updated_at": created,
        })
        rows.assessors.append({"evaluation_id": evaluation_id, "user_id": assessor})
        points = self._points(plan, cycle, False)
        scored = self.rng.randint(1, len(points) - 1)
        for (criterion_id, maximum), value in list(zip(self.rubric.criteria, points))[:scored]:
            rows.scores.append({"id": self.take_id("scores"), "evaluation_id": evaluation_id,
                                "criterion_id": criterion_id, "points": value,
                                "comment": self._comment(value / maximum)})

    def _one(self, plan: OrgPlan, cycle: int, published: date, rows: EvaluationRows,
             must_fail: bool) -> None:
        points = self._points(plan, cycle, must_fail)
        total = sum(points)
        grade = self.rubric.grade(total)
        evaluation_id = self.take_id("evaluations")
        published_at = local_time(self.rng, published)
        assessor = self.assessors[plan.city.code]
        rows.evaluations.append({
            "id": evaluation_id, "organisation_id": plan.id,
            "association_id": self.associations[plan.city.code], "rubric_id": self.rubric.id,
            "cycle": cycle, "revision": 1, "supersedes_id": None, "correction_reason": None,
            "state": EvaluationState.PUBLISHED, "total": total, "grade": grade,
            "summary": SUMMARIES[grade], "conflict_declared": True, "published_at": published_at,
            "created_by_id": assessor,
            "created_at": published_at - timedelta(days=self.rng.randint(7, 40)),
            "updated_at": published_at,
        })
        rows.assessors.append({"evaluation_id": evaluation_id, "user_id": assessor})
        for (criterion_id, maximum), value in zip(self.rubric.criteria, points):
            rows.scores.append({"id": self.take_id("scores"), "evaluation_id": evaluation_id,
                                "criterion_id": criterion_id, "points": value,
                                "comment": self._comment(value / maximum)})
        if grade is Grade.EXCELLENT and plan.fate is None \
                and plan.status is OrganisationStatus.ACTIVE:
            self.candidates.append(Candidate(plan.city.code, cycle, plan.id, evaluation_id))

    def _points(self, plan: OrgPlan, cycle: int, must_fail: bool) -> list[float]:
        """Half points per criterion around the organisation's quality for the cycle."""
        rng = self.rng
        level = rng.uniform(0.42, 0.55) if must_fail else \
            plan.quality + 0.015 * (cycle - CYCLES[0]) + rng.gauss(0, 0.03)
        points = []
        for index, (_, maximum) in enumerate(self.rubric.criteria):
            bias = (0.04 if not plan.fictional else -0.04) if index == len(CRITERIA) - 1 else 0.0
            ratio = min(1.0, max(0.2, level + bias + rng.gauss(0, 0.06)))
            points.append(min(maximum, round(maximum * ratio * 2) / 2))
        if must_fail:
            _lower_below(points, self.rubric.pass_min)
        elif not plan.fictional:
            _raise_to(points, [m for _, m in self.rubric.criteria], self.rubric.pass_min)
        return points

    def _comment(self, ratio: float) -> str:
        for floor, texts in COMMENTS:
            if ratio >= floor:
                return self.rng.choice(texts)
        return COMMENTS[-1][1][0]

    def designation_rows(self, take_id, bodies: dict[str, str],
                         regulators: dict[str, int]) -> list[dict]:
        """A few designations per city and cycle, among the excellent evaluations."""
        groups: dict[tuple[str, int], list[Candidate]] = {}
        for candidate in self.candidates:
            groups.setdefault((candidate.city_code, candidate.cycle), []).append(candidate)
        rows = []
        for (city_code, cycle), group in sorted(groups.items()):
            wanted = round(len(group) * DESIGNATION_SHARE)
            if cycle == CYCLES[-1]:
                wanted = max(wanted, 1)  # every city shows at least one current 示范单位
            chosen = self.rng.sample(group, wanted)
            for candidate in sorted(chosen, key=lambda c: c.organisation_id):
                rows.append(self._designation(take_id, candidate, bodies[city_code],
                                              regulators[city_code]))
        return rows

    def _designation(self, take_id, candidate: Candidate, body: str, regulator: int) -> dict:
        year = candidate.cycle + 1
        valid_from = date(year, 5, 25)  # 5·25 心理健康日
        created = local_time(self.rng, valid_from - timedelta(days=self.rng.randint(3, 15)))
        return {"id": take_id("demonstration_designations"),
                "organisation_id": candidate.organisation_id, "year": year,
                "designating_body": body, "designated_by_id": regulator,
                "evaluation_id": candidate.evaluation_id, "valid_from": valid_from,
                "valid_to": add_years(valid_from, 3) - timedelta(days=1),
                "revoked_at": None, "revoked_reason": None,
                "created_at": created, "updated_at": created}


def _lower_below(points: list[float], limit: float) -> None:
    while sum(points) >= limit:
        index = max(range(len(points)), key=lambda i: points[i])
        points[index] = max(0.0, points[index] - 1.0)


def _raise_to(points: list[float], maxima: list[float], limit: float) -> None:
    while sum(points) < limit:
        index = min(range(len(points)), key=lambda i: points[i] / maxima[i])
        points[index] = min(maxima[index], points[index] + 0.5)
