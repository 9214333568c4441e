"""Associations (行业组织), rubrics, evaluations (评估) and demonstration units (示范单位)."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import TimestampMixin, UTCDateTime, enum_column
from registry.extensions import db


class Association(TimestampMixin, db.Model):
    """An industry association; its assessors evaluate inside its jurisdiction."""

    __tablename__ = "associations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True, nullable=False)
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), nullable=False, index=True)
    contact_phone: Mapped[Optional[str]] = mapped_column(sa.String(32))
    website: Mapped[Optional[str]] = mapped_column(sa.String(200))

    region = relationship("Region")


class Rubric(TimestampMixin, db.Model):
    """A versioned scoring scheme. Editing a used rubric makes a new version."""

    __tablename__ = "rubrics"
    __table_args__ = (
        sa.UniqueConstraint("name", "version", name="uq_rubrics_name_version"),
        sa.CheckConstraint(
            "pass_min >= 0 AND good_min >= pass_min AND excellent_min >= good_min "
            "AND excellent_min <= 100",
            name="thresholds_ordered",
        ),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    version: Mapped[int] = mapped_column(default=1, nullable=False)
    description: Mapped[Optional[str]] = mapped_column(sa.Text)
    first_cycle: Mapped[Optional[int]] = mapped_column()
    excellent_min: Mapped[float] = mapped_column(default=90, nullable=False)
    good_min: Mapped[float] = mapped_column(default=75, nullable=False)
    pass_min: Mapped[float] = mapped_column(default=60, nullable=False)
    previous_version_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("rubrics.id"))

    criteria = relationship(
        "RubricCriterion", back_populates="rubric", order_by="RubricCriterion.position"
    )


class RubricCriterion(db.Model):
    """One criterion of a rubric, with its maximum points and weight."""

    __tablename__ = "rubric_criteria"
    __table_args__ = (
        sa.UniqueConstraint("rubric_id", "position", name="uq_rubric_criteria_position"),
        sa.CheckConstraint("max_points > 0", name="max_points_positive"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(sa.ForeignKey("rubrics.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    description: Mapped[Optional[str]] = mapped_column(sa.Text)
    max_points: Mapped[float] = mapped_column(nullable=False)
    weight: Mapped[float] = mapped_column(default=1.0, nullable=False)

    rubric = relationship("Rubric", back_populates="criteria")


class Grade(enum.Enum):
    """Evaluation grades (评估等级), best first."""

    EXCELLENT = "excellent"  # 优秀
    GOOD = "good"  # 良好
    PASS = "pass"  # 合格
    FAIL = "fail"  # 不合格


class EvaluationState(enum.Enum):
    """draft → published; a published evaluation is corrected by a superseding revision."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


evaluation_assessors = sa.Table(
    "evaluation_assessors",
    db.metadata,
    sa.Column("evaluation_id", sa.ForeignKey("evaluations.id"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True),
)


class Evaluation(TimestampMixin, db.Model):
    """An association's evaluation of one organisation for one cycle (year)."""

    __tablename__ = "evaluations"
    __table_args__ = (
        sa.UniqueConstraint(
            "organisation_id", "association_id", "cycle", "revision",
            name="uq_evaluations_org_association_cycle_revision",
        ),
        sa.CheckConstraint("total IS NULL OR (total >= 0 AND total <= 100)", name="total_range"),
        sa.CheckConstraint("revision >= 1", name="revision_positive"),
        sa.CheckConstraint("cycle BETWEEN 2000 AND 2100", name="cycle_year"),
        sa.CheckConstraint(
            "state = 'draft' OR (total IS NOT NULL AND grade IS NOT NULL "
            "AND published_at IS NOT NULL AND conflict_declared)",
            name="published_is_complete",
        ),
        sa.CheckConstraint(
            "supersedes_id IS NULL OR correction_reason IS NOT NULL",
            name="correction_has_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), nullable=False, index=True
    )
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id"), nullable=False, index=True
    )
    rubric_id: Mapped[int] = mapped_column(sa.ForeignKey("rubrics.id"), nullable=False)
    cycle: Mapped[int] = mapped_column(nullable=False)
    revision: Mapped[int] = mapped_column(default=1, nullable=False)
    supersedes_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("evaluations.id"))
    correction_reason: Mapped[Optional[str]] = mapped_column(sa.String(500))
    state: Mapped[EvaluationState] = mapped_column(
        enum_column(EvaluationState, "evaluation_state"),
        default=EvaluationState.DRAFT,
        nullable=False,
        index=True,
    )
    total: Mapped[Optional[float]] = mapped_column()
    grade: Mapped[Optional[Grade]] = mapped_column(enum_column(Grade, "grade"))
    summary: Mapped[Optional[str]] = mapped_column(sa.Text)
    conflict_declared: Mapped[bool] = mapped_column(default=False, nullable=False)
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    # Optimistic locking: a save based on an older version of a draft is refused
    # (the ORM raises StaleDataError) instead of silently overwriting another assessor's work.
    lock_version: Mapped[int] = mapped_column(default=1, nullable=False)

    __mapper_args__ = {"version_id_col": lock_version}

    organisation = relationship("Organisation")
    association = relationship("Association")
    rubric = relationship("Rubric")
    assessors = relationship("User", secondary=evaluation_assessors)
    scores = relationship("Score", back_populates="evaluation", order_by="Score.criterion_id")

    @classmethod
    def latest_first(cls) -> tuple:
        """The one order of an organisation's evaluations, latest first: cycle, then
        publication, then id (ties never depend on the database's plan). The first published
        one in this order is "the latest published evaluation" everywhere."""
        return (cls.cycle.desc(), cls.published_at.desc(), cls.id.desc())


class Score(db.Model):
    """Points for one criterion (0 … max, in half points) with the assessor's comment."""

    __tablename__ = "scores"
    __table_args__ = (
        sa.UniqueConstraint("evaluation_id", "criterion_id", name="uq_scores_evaluation_criterion"),
        sa.CheckConstraint("points >= 0", name="points_not_negative"),
        sa.CheckConstraint("points * 2 = round(points * 2)", name="points_half_steps"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluations.id"), nullable=False, index=True
    )
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("rubric_criteria.id"), nullable=False)
    points: Mapped[float] = mapped_column(nullable=False)
    comment: Mapped[Optional[str]] = mapped_column(sa.Text)

    evaluation = relationship("Evaluation", back_populates="scores")
    criterion = relationship("RubricCriterion")


class DemonstrationDesignation(TimestampMixin, db.Model):
    """A demonstration-unit title (示范单位) for one year, revocable with a reason."""

    __tablename__ = "demonstration_designations"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "year", name="uq_designations_org_year"),
        sa.CheckConstraint("valid_to >= valid_from", name="dates_ordered"),
        sa.CheckConstraint(
            "revoked_at IS NULL OR revoked_reason IS NOT NULL", name="revocation_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), nullable=False, index=True
    )
    year: Mapped[int] = mapped_column(nullable=False)
    designating_body: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    designated_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    evaluation_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("evaluations.id"))
    valid_from: Mapped[date] = mapped_column(nullable=False)
    valid_to: Mapped[date] = mapped_column(nullable=False)
    # Designating an organisation that the eligibility rules do not support needs a reason.
    override_reason: Mapped[Optional[str]] = mapped_column(sa.String(500))
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[Optional[str]] = mapped_column(sa.String(500))
    revoked_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))

    organisation = relationship("Organisation")

    def is_current(self, on: date) -> bool:
        """Valid on ``on`` and not revoked (``current_condition`` in SQL)."""
        return self.revoked_at is None and self.valid_from <= on <= self.valid_to

    @classmethod
    def current_condition(cls, on: date):
        """SQL: the designation is current on ``on`` (``is_current`` in the database); the one
        definition of 'a current demonstration unit' for pages, search, figures and exports."""
        return sa.and_(cls.revoked_at.is_(None), cls.valid_from <= on, cls.valid_to >= on)
