"""The append-only, hash-chained audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import UTCDateTime
from registry.extensions import db


class AuditEvent(db.Model):
    """One change of state. ``hash`` covers this event and ``prev_hash``, so editing or
    deleting any past event breaks the chain from there on."""

    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_entity", "entity_type", "entity_id"),
        sa.CheckConstraint("length(hash) = 64", name="hash_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"), index=True)
    actor_role: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    action: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    entity_type: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    entity_id: Mapped[Optional[str]] = mapped_column(sa.String(40))
    # The region of the record concerned, so that a regulator sees the events of their jurisdiction.
    region_code: Mapped[Optional[str]] = mapped_column(sa.String(6), index=True)
    # none_as_null: "no before/after" is SQL NULL, not the JSON value null.
    before: Mapped[Optional[dict]] = mapped_column(sa.JSON(none_as_null=True))
    after: Mapped[Optional[dict]] = mapped_column(sa.JSON(none_as_null=True))
    prev_hash: Mapped[Optional[str]] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
