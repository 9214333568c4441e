"""Practitioners (从业人员), their affiliations and qualifications."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import TimestampMixin, UTCDateTime, enum_column
from registry.extensions import db


class Gender(enum.Enum):
    """As recorded on the identity document."""

    FEMALE = "female"
    MALE = "male"


class Practitioner(TimestampMixin, db.Model):
    """A person who provides services. The ID number is never stored in the clear:

    ``id_number_digest`` is a keyed hash (HMAC-SHA256 with the PII key) that finds the same
    person registered twice; ``id_number_encrypted`` is a Fernet token that only a
    regulator-facing service may open. Neither is ever rendered, exported or logged.
    """

    __tablename__ = "practitioners"
    __table_args__ = (
        sa.CheckConstraint("ce_hours >= 0", name="ce_hours_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), nullable=False, index=True)
    gender: Mapped[Optional[Gender]] = mapped_column(enum_column(Gender, "gender"))
    id_number_digest: Mapped[Optional[str]] = mapped_column(sa.String(64), unique=True)
    id_number_encrypted: Mapped[Optional[str]] = mapped_column(sa.String(255))
    specialties: Mapped[list] = mapped_column(sa.JSON, default=list, nullable=False)
    ce_hours: Mapped[int] = mapped_column(default=0, nullable=False)
    bio: Mapped[Optional[str]] = mapped_column(sa.String(1000))

    affiliations = relationship(
        "Affiliation", back_populates="practitioner", order_by="Affiliation.start_date.desc()"
    )
    qualifications = relationship(
        "Qualification", back_populates="practitioner", order_by="Qualification.id"
    )

    def __repr__(self) -> str:
        return f"<Practitioner {self.id}>"


class AffiliationRole(enum.Enum):
    """How the practitioner works for the organisation."""

    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    SUPERVISOR = "supervisor"
    VOLUNTEER = "volunteer"


class Affiliation(db.Model):
    """Practitioner ↔ organisation, with dates; history is kept when a practitioner moves."""

    __tablename__ = "affiliations"
    __table_args__ = (
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("practitioners.id"), nullable=False, index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), nullable=False, index=True
    )
    role: Mapped[AffiliationRole] = mapped_column(
        enum_column(AffiliationRole, "affiliation_role"), nullable=False
    )
    start_date: Mapped[date] = mapped_column(nullable=False)
    end_date: Mapped[Optional[date]] = mapped_column()

    practitioner = relationship("Practitioner", back_populates="affiliations")
    organisation = relationship("Organisation", back_populates="affiliations")

    @property
    def is_current(self) -> bool:
        """An affiliation without an end date is current."""
        return self.end_date is None


class VerificationState(enum.Enum):
    """unverified → verified | rejected; a verified one may later be revoked or expire."""

    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    REJECTED = "rejected"
    REVOKED = "revoked"
    EXPIRED = "expired"


class Qualification(TimestampMixin, db.Model):
    """A certificate held by a practitioner; the number is unique within its kind."""

    __tablename__ = "qualifications"
    __table_args__ = (
        sa.UniqueConstraint("kind", "certificate_number", name="uq_qualifications_kind_number"),
        sa.CheckConstraint(
            "expires_on IS NULL OR issued_on IS NULL OR expires_on >= issued_on",
            name="dates_ordered",
        ),
        sa.CheckConstraint(
            "state NOT IN ('rejected', 'revoked') OR state_reason IS NOT NULL",
            name="negative_state_has_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("practitioners.id"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    certificate_number: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    issuer: Mapped[Optional[str]] = mapped_column(sa.String(120))
    issued_on: Mapped[Optional[date]] = mapped_column()
    expires_on: Mapped[Optional[date]] = mapped_column()
    state: Mapped[VerificationState] = mapped_column(
        enum_column(VerificationState, "verification_state"),
        default=VerificationState.UNVERIFIED,
        nullable=False,
        index=True,
    )
    state_reason: Mapped[Optional[str]] = mapped_column(sa.String(500))
    verified_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    verified_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    practitioner = relationship("Practitioner", back_populates="qualifications")
    # Who verified it, for the public marking (read only: services write verified_by_id).
    verified_by = relationship("User", viewonly=True)
