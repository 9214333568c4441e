"""Login sessions kept on the server (ASVS 3.3.1): opened at login, checked on every request,
ended by logout, a password change, deactivation or an administrator.

The browser's signed cookie holds the session's random key and the time of its last request;
the ``login_sessions`` table holds the key's digest, when the session began and whether it has
ended (see ``LoginSession`` for why a table and not Flask-Session).

Why idle time lives in the cookie and not in the table: a page view must never write to the
registry's database (GETs are read-only, so replicas and caches stay simple, and a refused or
anonymous request leaves no trace). The cookie is signed with ``SECRET_KEY``, so its last-seen
time cannot be moved forward by the browser; it is re-stamped at most once a minute
(``SEEN_REFRESH_SECONDS``) so that not every response carries a new cookie. Revocation needs
only the row: ending it refuses every copy of the cookie at once, whatever their timestamps.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import MutableMapping
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from flask import current_app

from registry.audit.services import record
from registry.auth.models import LoginSession, SessionEndReason, User
from registry.auth.policy import Action, require
from registry.database import utcnow
from registry.extensions import db
from registry.validation import NotFound

# Keys of the cookie session (next to Flask-Login's ``_user_id``).
SESSION_KEY = "_login_key"
SEEN_KEY = "_login_seen"
SEEN_REFRESH_SECONDS = 60
USER_AGENT_LENGTH = 120


def key_digest(raw_key: str) -> str:
    """The SHA-256 digest under which a session key is stored (the key itself never is)."""
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def _max_age() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_MAX_HOURS"])


def _idle_seconds() -> int:
    return current_app.config["SESSION_IDLE_MINUTES"] * 60


def begin_session(user: User, user_agent: Optional[str] = None) -> str:
    """Add a new session of ``user`` to the current transaction; return its raw key, which
    belongs in the cookie only (never in a log or the database)."""
    raw_key = secrets.token_urlsafe(32)
    summary = " ".join((user_agent or "").split())[:USER_AGENT_LENGTH] or None
    db.session.add(LoginSession(user_id=user.id, key_digest=key_digest(raw_key),
                                created_at=utcnow(), user_agent=summary))
    db.session.flush()
    return raw_key


def start_session(user: User, user_agent: Optional[str] = None) -> str:
    """Open a session for an account that has just proved who it is (after sign-up)."""
    require(user, Action.OWN_ACCOUNT, user)
    raw_key = begin_session(user, user_agent)
    db.session.commit()
    return raw_key


def end_sessions(user_id: int, reason: SessionEndReason, *,
                 keep_raw_key: Optional[str] = None) -> int:
    """End the account's open sessions (all but ``keep_raw_key``'s) in the current
    transaction; return how many ended."""
    statement = sa.update(LoginSession).where(LoginSession.user_id == user_id,
                                              LoginSession.ended_at.is_(None))
    if keep_raw_key:
        statement = statement.where(LoginSession.key_digest != key_digest(keep_raw_key))
    result = db.session.execute(statement.values(ended_at=utcnow(), ended_reason=reason))
    return result.rowcount


def remember(cookie: MutableMapping, raw_key: str) -> None:
    """Put a new session's key and the time into the cookie session (at login)."""
    cookie[SESSION_KEY] = raw_key
    cookie[SEEN_KEY] = int(utcnow().timestamp())


def forget(cookie: MutableMapping) -> None:
    """Take the session's key out of the cookie session."""
    cookie.pop(SESSION_KEY, None)
    cookie.pop(SEEN_KEY, None)


def session_is_live(cookie: MutableMapping, user_id: int, now: Optional[datetime] = None) -> bool:
    """Whether the cookie session carries a live session of ``user_id``: its row exists and has
    not ended, it is younger than ``SESSION_MAX_HOURS``, and its last request was less than
    ``SESSION_IDLE_MINUTES`` ago. Reads only; a live session's last-seen time is re-stamped
    in the cookie (not in the database)."""
    now = now or utcnow()
    raw_key, seen = cookie.get(SESSION_KEY), cookie.get(SEEN_KEY)
    if not isinstance(raw_key, str) or not isinstance(seen, int) or isinstance(seen, bool):
        return False
    now_seconds = int(now.timestamp())
    if now_seconds - seen > _idle_seconds():
        return False
    row = db.session.execute(
        sa.select(LoginSession.created_at, LoginSession.ended_at)
        .where(LoginSession.key_digest == key_digest(raw_key), LoginSession.user_id == user_id)
    ).first()
    if row is None or row.ended_at is not None or row.created_at + _max_age() <= now:
        return False
    if now_seconds - seen >= SEEN_REFRESH_SECONDS:
        cookie[SEEN_KEY] = now_seconds
    return True


# --- use cases (each commits) ----------------------------------------------------------------

def log_out(user: User, raw_key: Optional[str]) -> None:
    """End this session (the others of the account continue)."""
    if raw_key:
        db.session.execute(
            sa.update(LoginSession)
            .where(LoginSession.key_digest == key_digest(raw_key),
                   LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow(), ended_reason=SessionEndReason.LOGOUT))
    record("account.logout", "user", user.id, actor=user, region_code=user.region_code)
    db.session.commit()


def end_other_sessions(user: User, raw_key: Optional[str]) -> int:
    """Sign out everywhere else: end every session of one's account but this one."""
    require(user, Action.OWN_ACCOUNT, user)
    ended = end_sessions(user.id, SessionEndReason.SIGNED_OUT_ELSEWHERE, keep_raw_key=raw_key)
    record("account.sessions_end_others", "user", user.id, actor=user, after={"ended": ended},
           region_code=user.region_code)
    db.session.commit()
    return ended


def end_all_sessions(actor: User, user_id: int) -> int:
    """An administrator ends every session of an account (its API tokens are left alone)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    require(actor, Action.ACCOUNT_MANAGE, user)
    ended = end_sessions(user.id, SessionEndReason.ENDED_BY_ADMIN)
    record("account.sessions_end", "user", user.id, actor=actor, after={"ended": ended},
           region_code=user.region_code)
    db.session.commit()
    return ended


def live_sessions(user: User, raw_key: Optional[str]) -> list[tuple[LoginSession, bool]]:
    """One's sessions that have neither ended nor reached their maximum age, newest first,
    each with whether it is this one. (A session idle too long is refused, but the server
    cannot see that: the idle time is in its browser's cookie.)"""
    require(user, Action.OWN_ACCOUNT, user)
    current = key_digest(raw_key) if raw_key else None
    rows = db.session.scalars(
        sa.select(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None),
               LoginSession.created_at > utcnow() - _max_age())
        .order_by(LoginSession.id.desc()))
    return [(row, row.key_digest == current) for row in rows]


def prune_sessions(older_than_days: int) -> int:
    """Delete the rows of sessions that ended, or expired, more than ``older_than_days`` ago
    (the command line: nothing else needs them; the audit log keeps logins and logouts)."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    result = db.session.execute(sa.delete(LoginSession).where(sa.or_(
        LoginSession.ended_at < cutoff,
        LoginSession.created_at < cutoff - _max_age(),
    )))
    deleted = result.rowcount
    if deleted:
        record("session.prune", "login_session", None, after={"deleted": deleted,
                                                               "older_than_days": older_than_days})
    db.session.commit()
    return deleted
