"""Sanction recommendations (惩戒/退出建议), sanctions (惩戒) and appeals / credit repair."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import TimestampMixin, UTCDateTime, enum_column
from registry.extensions import db

# Exactly one subject: an organisation or a practitioner.
ONE_SUBJECT = (
    "(organisation_id IS NOT NULL AND practitioner_id IS NULL) OR "
    "(organisation_id IS NULL AND practitioner_id IS NOT NULL)"
)


class SanctionType(enum.Enum):
    """Sanction types, mildest first (vocabulary.md)."""

    WARNING = "warning"  # 警告
    CIRCULATED_CRITICISM = "circulated_criticism"  # 通报批评
    RECTIFICATION = "rectification"  # 责令整改（限期改正）
    SUSPENSION = "suspension"  # 暂停服务
    ABNORMAL_LIST = "abnormal_list"  # 列入异常名录
    EXIT = "exit"  # 退出登记
    LICENCE_REVOCATION_REFERRAL = "licence_revocation_referral"  # 提请吊销营业执照


class RecommendationStatus(enum.Enum):
    """pending → accepted (a sanction is opened) | declined (with a reason)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class SanctionRecommendation(TimestampMixin, db.Model):
    """An association's recommendation to the competent department."""

    __tablename__ = "sanction_recommendations"
    __table_args__ = (
        sa.CheckConstraint(ONE_SUBJECT, name="one_subject"),
        sa.CheckConstraint(
            "status <> 'declined' OR decision_reason IS NOT NULL", name="declined_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("associations.id"), nullable=False, index=True
    )
    filed_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    organisation_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    practitioner_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("practitioners.id"), index=True
    )
    # The subject's region when filed: whose regulators see the recommendation.
    region_code: Mapped[Optional[str]] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    proposed_type: Mapped[SanctionType] = mapped_column(
        enum_column(SanctionType, "recommended_sanction_type"), nullable=False
    )
    facts: Mapped[str] = mapped_column(sa.Text, nullable=False)
    evidence: Mapped[Optional[str]] = mapped_column(sa.Text)
    complaint_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("complaints.id"))
    evaluation_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("evaluations.id"))
    status: Mapped[RecommendationStatus] = mapped_column(
        enum_column(RecommendationStatus, "recommendation_status"),
        default=RecommendationStatus.PENDING,
        nullable=False,
        index=True,
    )
    decided_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    decision_reason: Mapped[Optional[str]] = mapped_column(sa.String(500))

    association = relationship("Association")
    organisation = relationship("Organisation")
    practitioner = relationship("Practitioner")
    complaint = relationship("Complaint")
    evaluation = relationship("Evaluation")


class SanctionState(enum.Enum):
    """in_force → ended (its term ran out) | lifted (appeal or credit repair)."""

    IN_FORCE = "in_force"
    ENDED = "ended"
    LIFTED = "lifted"


class Sanction(TimestampMixin, db.Model):
    """A regulator's decision. Never deleted: it leaves the public view when its
    disclosure period ends, and stays in the database and the audit log."""

    __tablename__ = "sanctions"
    __table_args__ = (
        sa.CheckConstraint(ONE_SUBJECT, name="one_subject"),
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_ordered"),
        sa.CheckConstraint(
            "disclosure_until IS NULL OR disclosure_until >= starts_on",
            name="disclosure_after_start",
        ),
        sa.Index("ix_sanctions_disclosure", "disclosure_until", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    practitioner_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("practitioners.id"), index=True
    )
    sanction_type: Mapped[SanctionType] = mapped_column(
        enum_column(SanctionType, "sanction_type"), nullable=False
    )
    facts: Mapped[str] = mapped_column(sa.Text, nullable=False)
    legal_basis: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    decision_number: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    decision_date: Mapped[date] = mapped_column(nullable=False)
    deciding_body: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    decided_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    recommendation_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("sanction_recommendations.id")
    )
    complaint_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("complaints.id"))
    # The subject's region when decided: the jurisdiction and the public list's region filter.
    region_code: Mapped[Optional[str]] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    starts_on: Mapped[date] = mapped_column(nullable=False)
    ends_on: Mapped[Optional[date]] = mapped_column()
    # Public disclosure (公示期) ends separately from the sanction; NULL means permanent.
    disclosure_until: Mapped[Optional[date]] = mapped_column()
    disclosure_withdrawn_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    # When the registry recorded that public disclosure ended (its period ran out, or it was
    # withdrawn): the change feed and the audit log learn of the end from this step.
    disclosure_ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    state: Mapped[SanctionState] = mapped_column(
        enum_column(SanctionState, "sanction_state"),
        default=SanctionState.IN_FORCE,
        nullable=False,
    )
    lifted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    organisation = relationship("Organisation")
    practitioner = relationship("Practitioner")
    recommendation = relationship("SanctionRecommendation", foreign_keys=[recommendation_id])
    referral = relationship("LicenceReferral", back_populates="sanction", uselist=False)

    def is_disclosed(self, on: date) -> bool:
        """Whether the public sees this sanction on ``on``."""
        if self.disclosure_withdrawn_at is not None or on < self.starts_on:
            return False
        return self.disclosure_until is None or on <= self.disclosure_until


class AppealKind(enum.Enum):
    """An appeal against the decision, or a credit-repair request (信用修复)."""

    APPEAL = "appeal"
    CREDIT_REPAIR = "credit_repair"


class AppealStatus(enum.Enum):
    """pending → accepted | rejected."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class SanctionAppeal(TimestampMixin, db.Model):
    """The sanctioned party's appeal or repair request, and the regulator's decision."""

    __tablename__ = "sanction_appeals"
    __table_args__ = (
        sa.CheckConstraint(
            "status = 'pending' OR decision_reason IS NOT NULL", name="decision_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sanction_id: Mapped[int] = mapped_column(sa.ForeignKey("sanctions.id"), nullable=False, index=True)
    kind: Mapped[AppealKind] = mapped_column(enum_column(AppealKind, "appeal_kind"), nullable=False)
    statement: Mapped[str] = mapped_column(sa.Text, nullable=False)
    evidence: Mapped[Optional[str]] = mapped_column(sa.Text)
    filed_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[AppealStatus] = mapped_column(
        enum_column(AppealStatus, "appeal_status"), default=AppealStatus.PENDING, nullable=False
    )
    decided_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    decision_reason: Mapped[Optional[str]] = mapped_column(sa.String(500))

    sanction = relationship("Sanction")


class ReferralOutcome(enum.Enum):
    """What the market regulator decided on a referral (提请吊销营业执照)."""

    PENDING = "pending"
    REVOKED = "revoked"  # 营业执照已吊销
    NOT_REVOKED = "not_revoked"  # 市场监管部门决定不予吊销
    OTHER = "other"  # 其他处理（如责令变更经营范围）


class LicenceReferral(TimestampMixin, db.Model):
    """The referral of a 提请吊销营业执照 sanction to the market regulator, and its outcome."""

    __tablename__ = "licence_referrals"
    __table_args__ = (
        sa.CheckConstraint(
            "outcome = 'pending' OR outcome_on IS NOT NULL", name="outcome_has_date"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sanction_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sanctions.id"), nullable=False, unique=True
    )
    referred_to: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    referred_on: Mapped[date] = mapped_column(nullable=False)
    reference_number: Mapped[Optional[str]] = mapped_column(sa.String(80))
    outcome: Mapped[ReferralOutcome] = mapped_column(
        enum_column(ReferralOutcome, "referral_outcome"),
        default=ReferralOutcome.PENDING,
        nullable=False,
    )
    outcome_on: Mapped[Optional[date]] = mapped_column()
    outcome_note: Mapped[Optional[str]] = mapped_column(sa.String(500))
    recorded_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))

    sanction = relationship("Sanction", back_populates="referral")
