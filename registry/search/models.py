"""The search outbox: changes to searchable records, written in the same transaction."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import UTCDateTime, enum_column, utcnow
from registry.extensions import db


class OutboxOperation(enum.Enum):
    """Whether the index should (re)write or drop the document."""

    UPSERT = "upsert"
    DELETE = "delete"


class SearchOutbox(db.Model):
    """One pending index change; ``id`` is the sequence number nodes apply in order."""

    __tablename__ = "search_outbox"
    __table_args__ = (
        sa.Index("ix_search_outbox_pending", "processed_at", "id"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    entity_type: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    entity_id: Mapped[int] = mapped_column(nullable=False)
    operation: Mapped[OutboxOperation] = mapped_column(
        enum_column(OutboxOperation, "outbox_operation"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    processed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
