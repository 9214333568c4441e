"""Accounts, roles, jurisdictions and API tokens."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.database import TimestampMixin, UTCDateTime, enum_column
from registry.extensions import db


class Role(enum.Enum):
    """Who an account acts for (see DESIGN.md, "Who uses it")."""

    ORG = "org"
    ASSESSOR = "assessor"
    REGULATOR = "regulator"
    ADMIN = "admin"


class User(UserMixin, TimestampMixin, db.Model):
    """An account. Assessors and regulators act only inside ``region_code`` (a jurisdiction)."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "role <> 'org' OR organisation_id IS NOT NULL", name="org_account_has_organisation"
        ),
        sa.CheckConstraint(
            "role <> 'assessor' OR association_id IS NOT NULL", name="assessor_has_association"
        ),
        sa.CheckConstraint(
            "role NOT IN ('assessor', 'regulator') OR region_code IS NOT NULL",
            name="officer_has_jurisdiction",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, nullable=False)
    display_name: Mapped[Optional[str]] = mapped_column(sa.String(60))
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), nullable=False)
    organisation_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    association_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("associations.id"), index=True
    )
    region_code: Mapped[Optional[str]] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    # Part of the session identifier: bumping it (password change, deactivation) ends every
    # session of the account.
    session_version: Mapped[int] = mapped_column(default=1, nullable=False)

    organisation = relationship("Organisation")
    association = relationship("Association")
    region = relationship("Region")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of deactivated accounts
        return self.active

    def get_id(self) -> str:
        """Session identifier: the id and the session version."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class ApiToken(db.Model):
    """A bearer token for machine clients; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    # The first characters of the token, shown in lists so that a person can tell tokens apart.
    token_prefix: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())

    user = relationship("User")


class SessionEndReason(enum.Enum):
    """Why a login session was ended before it expired."""

    LOGOUT = "logout"
    PASSWORD_CHANGE = "password_change"
    DEACTIVATION = "deactivation"
    ENDED_BY_ADMIN = "ended_by_admin"
    SIGNED_OUT_ELSEWHERE = "signed_out_elsewhere"


class LoginSession(db.Model):
    """One login (a browser's session), kept on the server so that it can be revoked.

    Flask's cookie session is self-contained: a copy of the cookie taken before logout would
    otherwise keep working. The cookie carries a random key; only its SHA-256 digest is stored
    here, and every request's user loader checks that the row exists, has not ended and is
    younger than ``SESSION_MAX_HOURS``. Revocation is an update of ``ended_at``.

    A table rather than Flask-Session: it behaves the same on SQLite and PostgreSQL, needs no
    extra service (Redis holds only rate-limit counters, which may be lost), and ending every
    session of an account is one UPDATE in the transaction that changes the account.

    Idle time is not kept here but in the signed cookie (see ``registry/auth/sessions.py``),
    so a page view never writes to the database.
    """

    __tablename__ = "login_sessions"
    __table_args__ = (
        sa.CheckConstraint("(ended_at IS NULL) = (ended_reason IS NULL)", name="ended_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    key_digest: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    ended_reason: Mapped[Optional[SessionEndReason]] = mapped_column(
        enum_column(SessionEndReason, "session_end_reason"))
    # What the browser said it was (truncated), so that a person can tell sessions apart.
    user_agent: Mapped[Optional[str]] = mapped_column(sa.String(120))

    user = relationship("User")
