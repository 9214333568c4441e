"""Service organisations (心理健康服务机构) and their change requests."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import TimestampMixin, UTCDateTime, enum_column
from registry.extensions import db


class OrganisationStatus(enum.Enum):
    """Lifecycle: draft → submitted → active | rejected; active ⇄ suspended; → exited."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACTIVE = "active"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    EXITED = "exited"


# The statuses of a registered organisation still on the register (sanctions move it between
# them; exit is terminal).
REGISTERED = (OrganisationStatus.ACTIVE, OrganisationStatus.SUSPENDED)
# The statuses in which an organisation appears on public pages.
PUBLIC_STATUSES = (OrganisationStatus.ACTIVE, OrganisationStatus.SUSPENDED, OrganisationStatus.EXITED)


class Organisation(TimestampMixin, db.Model):
    """A registered (or registering) organisation; public fields are the approved version."""

    __tablename__ = "organisations"
    __table_args__ = (
        sa.CheckConstraint("uscc IS NULL OR length(uscc) = 18", name="uscc_length"),
        sa.CheckConstraint(
            "status NOT IN ('submitted', 'active', 'suspended', 'exited') OR uscc IS NOT NULL",
            name="registered_has_uscc",
        ),
        sa.CheckConstraint(
            "status <> 'rejected' OR rejection_reason IS NOT NULL", name="rejected_has_reason"
        ),
        sa.Index("ix_organisations_status_region", "status", "region_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    uscc: Mapped[Optional[str]] = mapped_column(sa.String(18), unique=True)
    org_type: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    legal_representative: Mapped[Optional[str]] = mapped_column(sa.String(60))
    address: Mapped[Optional[str]] = mapped_column(sa.String(200))
    region_code: Mapped[str] = mapped_column(sa.ForeignKey("regions.code"), nullable=False, index=True)
    phone: Mapped[Optional[str]] = mapped_column(sa.String(32))
    website: Mapped[Optional[str]] = mapped_column(sa.String(200))
    opening_hours: Mapped[Optional[str]] = mapped_column(sa.String(200))
    fees: Mapped[Optional[str]] = mapped_column(sa.String(500))
    offers_public_benefit: Mapped[bool] = mapped_column(default=False, nullable=False)
    public_benefit_note: Mapped[Optional[str]] = mapped_column(sa.String(500))
    description: Mapped[Optional[str]] = mapped_column(sa.Text)
    services: Mapped[list] = mapped_column(sa.JSON, default=list, nullable=False)
    populations: Mapped[list] = mapped_column(sa.JSON, default=list, nullable=False)
    modalities: Mapped[list] = mapped_column(sa.JSON, default=list, nullable=False)
    languages: Mapped[list] = mapped_column(sa.JSON, default=list, nullable=False)
    status: Mapped[OrganisationStatus] = mapped_column(
        enum_column(OrganisationStatus, "organisation_status"),
        default=OrganisationStatus.DRAFT,
        nullable=False,
        index=True,
    )
    rejection_reason: Mapped[Optional[str]] = mapped_column(sa.String(500))
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    approved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    suspended_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    exited_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    region = relationship("Region")
    affiliations = relationship("Affiliation", back_populates="organisation")
    change_requests = relationship("ChangeRequest", back_populates="organisation")

    @property
    def is_public(self) -> bool:
        """Whether the public may see this organisation's page."""
        return self.status in PUBLIC_STATUSES

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"


class ChangeRequestKind(enum.Enum):
    """A change of an approved profile, or voluntary deregistration (申请注销)."""

    CHANGE = "change"
    DEREGISTRATION = "deregistration"


class ChangeRequestStatus(enum.Enum):
    """Pending until a regulator decides; the organisation may withdraw it."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ChangeRequest(TimestampMixin, db.Model):
    """Proposed field values for an active organisation, reviewed before they go public."""

    __tablename__ = "change_requests"
    __table_args__ = (
        sa.CheckConstraint(
            "status <> 'rejected' OR decision_reason IS NOT NULL", name="rejected_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), nullable=False, index=True
    )
    kind: Mapped[ChangeRequestKind] = mapped_column(
        enum_column(ChangeRequestKind, "change_request_kind"), nullable=False
    )
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict, nullable=False)
    reason: Mapped[Optional[str]] = mapped_column(sa.String(500))
    status: Mapped[ChangeRequestStatus] = mapped_column(
        enum_column(ChangeRequestStatus, "change_request_status"),
        default=ChangeRequestStatus.PENDING,
        nullable=False,
        index=True,
    )
    requested_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    decided_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    decision_reason: Mapped[Optional[str]] = mapped_column(sa.String(500))

    organisation = relationship("Organisation", back_populates="change_requests")
