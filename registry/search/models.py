"""The search change log (``search_outbox``) and the replicas that follow it.

Every change to a searchable record adds a row to ``search_outbox`` in the same transaction.
A row's ``position`` orders the log: an index replica (one index folder, kept by its
``flask search worker``) applies the rows after the position its current generation records
and then records the last one it applied. Rows are never marked as done, so any number of
replicas can follow the same log; they report how far they are in ``search_replicas``, and
old rows are pruned only once every replica known there is past them.

Why ``position`` is not simply ``id``: a position must never become visible after a larger
one, or a replica that has read the larger one skips it for good. An ``id`` from a sequence
does not have that property on PostgreSQL (the value is taken at insert, the row becomes
visible at commit, in another order). So rows are written with ``position`` NULL and numbered
later — see ``registry.search.sync.sequence`` — in one transaction at a time, and only rows
already committed. On SQLite, where one transaction writes at a time, a transaction numbers
its own rows while it holds the database's write lock.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.database import UTCDateTime, enum_column, utcnow
from registry.extensions import db

# Positions on PostgreSQL (SQLite has no sequences and numbers rows by other means).
POSITION_SEQUENCE = sa.Sequence("search_outbox_position_seq", metadata=db.metadata)


class OutboxOperation(enum.Enum):
    """Whether the index should (re)write or drop the document."""

    UPSERT = "upsert"
    DELETE = "delete"


class SearchOutbox(db.Model):
    """One change to an indexed document; ``position`` is its place in the log (NULL until
    numbered)."""

    __tablename__ = "search_outbox"
    __table_args__ = (
        sa.Index("ix_search_outbox_position", "position"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    entity_type: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    entity_id: Mapped[int] = mapped_column(nullable=False)
    operation: Mapped[OutboxOperation] = mapped_column(
        enum_column(OutboxOperation, "outbox_operation"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    position: Mapped[Optional[int]] = mapped_column(sa.BigInteger())


class SearchReplica(db.Model):
    """An index replica (a host's index folder) and the last log position it applied."""

    __tablename__ = "search_replicas"

    name: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    position: Mapped[int] = mapped_column(sa.BigInteger(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
