"""Complaints (投诉) from the public, routed to the jurisdiction."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import TimestampMixin, UTCDateTime, enum_column
from registry.extensions import db


class ComplaintStatus(enum.Enum):
    """received → in_progress → resolved | dismissed | referred."""

    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"
    REFERRED = "referred"


class Complaint(TimestampMixin, db.Model):
    """A complaint about an organisation or practitioner. The complainant's contact
    details are private: never on a public page, in an export or in a log."""

    __tablename__ = "complaints"
    __table_args__ = (
        sa.CheckConstraint(
            "organisation_id IS NOT NULL OR practitioner_id IS NOT NULL", name="has_subject"
        ),
        sa.Index("ix_complaints_region_status", "region_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True, nullable=False)
    organisation_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    practitioner_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("practitioners.id"), index=True
    )
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), nullable=False)
    category: Mapped[str] = mapped_column(
        sa.String(32), nullable=False, default="other", server_default="other"
    )
    summary: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    details: Mapped[str] = mapped_column(sa.Text, nullable=False)
    # Fernet ciphertexts (PII key): only the regulator's pages decrypt them.
    complainant_name: Mapped[Optional[str]] = mapped_column(sa.String(500))
    complainant_contact: Mapped[Optional[str]] = mapped_column(sa.String(500))
    status: Mapped[ComplaintStatus] = mapped_column(
        enum_column(ComplaintStatus, "complaint_status"),
        default=ComplaintStatus.RECEIVED,
        nullable=False,
    )
    handled_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    # Referred to the industry association of the jurisdiction, which reports its findings.
    association_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("associations.id"))
    referred_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    findings: Mapped[Optional[str]] = mapped_column(sa.Text)
    findings_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    resolution: Mapped[Optional[str]] = mapped_column(sa.Text)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    organisation = relationship("Organisation")
    practitioner = relationship("Practitioner")
    association = relationship("Association")
