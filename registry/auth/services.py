"""Accounts: creation, organisation sign-up, login, passwords, deactivation, API tokens.

One transaction per use case, committed here; every change writes an audit event.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry import vocabulary
from registry.audit.services import record, snapshot
from registry.auth.models import ApiToken, Role, SessionEndReason, User
from registry.auth.passwords import dummy_hash, hash_password, password_matches, password_problem
from registry.auth.policy import Action, require
from registry.auth.sessions import begin_session, end_sessions
from registry.database import utcnow
from registry.evaluation.models import Association
from registry.extensions import db
from registry.orgs.models import Organisation, OrganisationStatus
from registry.orgs.validation import clean_region
from registry.regions.models import Region
from registry.text import TextProblem, clean_name
from registry.validation import NotFound, ValidationFailed

ACCOUNT_FIELDS = ("email", "display_name", "role", "organisation_id", "association_id",
                  "region_code", "active")
TOKEN_PREFIX = "mhr_"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    """Trimmed, NFKC-normalised (full-width letters become ASCII), lower-case."""
    return unicodedata.normalize("NFKC", email or "").strip().lower()


def _check_email(email: str, errors: dict) -> None:
    if not _EMAIL.match(email) or len(email) > 254:
        errors["email"] = _l("请输入有效的电子邮箱地址。")
    elif db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        errors["email"] = _l("该邮箱已注册账号。")


def _check_links(role: Role, region_code: Optional[str], association_id: Optional[int],
                 organisation_id: Optional[int], errors: dict) -> None:
    """Each role carries exactly what it needs: a jurisdiction, an association, an organisation."""
    if role in (Role.ASSESSOR, Role.REGULATOR):
        if not region_code or db.session.get(Region, region_code) is None:
            errors["region_code"] = _l("请选择有效的管辖地区。")
    if role is Role.ASSESSOR:
        association = db.session.get(Association, association_id) if association_id else None
        if association is None:
            errors["association_id"] = _l("请选择评估人员所属的行业组织。")
    if role is Role.ORG and (not organisation_id or db.session.get(Organisation, organisation_id) is None):
        errors["organisation_id"] = _l("请选择账号所属的机构。")


def create_account(actor: Optional[User], *, email: str, password: str, role: Role,
                   region_code: Optional[str] = None, association_id: Optional[int] = None,
                   organisation_id: Optional[int] = None,
                   display_name: Optional[str] = None) -> User:
    """Create an account. ``actor`` None means the command line (an operator on the server)."""
    if actor is not None:
        require(actor, Action.ACCOUNT_MANAGE)
    email = normalise_email(email)
    errors: dict = {}
    _check_email(email, errors)
    problem = password_problem(password, email, [display_name])
    if problem:
        errors["password"] = problem
    _check_links(role, region_code, association_id, organisation_id, errors)
    if errors:
        raise ValidationFailed(errors)
    user = User(
        email=email, password_hash=hash_password(password), role=role,
        display_name=(display_name or "").strip() or None,
        region_code=region_code if role in (Role.ASSESSOR, Role.REGULATOR) else None,
        association_id=association_id if role is Role.ASSESSOR else None,
        organisation_id=organisation_id if role is Role.ORG else None,
    )
    db.session.add(user)
    db.session.flush()
    record("account.create", "user", user.id, actor=actor, after=snapshot(user, ACCOUNT_FIELDS),
           region_code=user.region_code)
    db.session.commit()
    return user


def _sign_up_values(email: str, password: str, organisation_name: str, org_type: str,
                    region_code: str) -> tuple[dict, dict]:
    """Every problem of a sign-up at once, and the cleaned values: (errors, cleaned)."""
    email = normalise_email(email or "")
    errors: dict = {}
    cleaned: dict = {"email": email, "org_type": org_type}
    try:
        cleaned["name"] = clean_name(organisation_name, max_length=120)
    except TextProblem as problem:
        errors["organisation_name"] = problem.args[0]
    _check_email(email, errors)
    problem = password_problem(password or "", email, [organisation_name])
    if problem:
        errors["password"] = problem
    if org_type not in vocabulary.ORGANISATION_TYPES:
        errors["org_type"] = _l("请选择机构类型。")
    try:
        cleaned["region_code"] = clean_region(region_code)
    except TextProblem as problem:
        errors["region_code"] = problem.args[0]
    if not cleaned.get("region_code"):
        errors.setdefault("region_code", _l("请选择机构所在的区县。"))
    return errors, cleaned


def sign_up_problems(*, email: str, password: str, organisation_name: str, org_type: str,
                     region_code: str) -> dict:
    """What ``sign_up_organisation`` would refuse, by field (empty when nothing), so a form
    that failed its own checks can still show every problem in one round."""
    return _sign_up_values(email, password, organisation_name, org_type, region_code)[0]


def sign_up_organisation(*, email: str, password: str, organisation_name: str, org_type: str,
                         region_code: str) -> User:
    """Self sign-up (机构账号注册): an ``org`` account and the draft organisation it owns."""
    errors, cleaned = _sign_up_values(email, password, organisation_name, org_type, region_code)
    if errors:
        raise ValidationFailed(errors)
    email, name, region_code = cleaned["email"], cleaned["name"], cleaned["region_code"]
    organisation = Organisation(name=name, org_type=org_type, region_code=region_code,
                                status=OrganisationStatus.DRAFT)
    db.session.add(organisation)
    db.session.flush()
    user = User(email=email, password_hash=hash_password(password), role=Role.ORG,
                organisation_id=organisation.id)
    db.session.add(user)
    db.session.flush()
    record("organisation.create", "organisation", organisation.id, actor=user,
           after=snapshot(organisation, ("name", "org_type", "region_code", "status")),
           region_code=organisation.region_code)
    record("account.signup", "user", user.id, actor=user, after=snapshot(user, ACCOUNT_FIELDS),
           region_code=organisation.region_code)
    db.session.commit()
    return user


def _check_credentials(email: str, password: str) -> Optional[User]:
    """The active account with these credentials, or None (taking as long either way)."""
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        password_matches(dummy_hash(), password)
        return None
    if not password_matches(user.password_hash, password) or not user.active:
        return None
    return user


def _record_login(user: User) -> None:
    user.last_login_at = utcnow()
    record("account.login", "user", user.id, actor=user, region_code=user.region_code)


def authenticate(email: str, password: str) -> Optional[User]:
    """The active account with these credentials, or None (whatever was wrong).

    Opens no session: the web login uses ``log_in``."""
    user = _check_credentials(email, password)
    if user is None:
        return None
    _record_login(user)
    db.session.commit()
    return user


def log_in(email: str, password: str,
           user_agent: Optional[str] = None) -> Optional[tuple[User, str]]:
    """Check the credentials and open a server-side session: the account and the session's
    raw key (for the cookie only), or None whatever was wrong."""
    user = _check_credentials(email, password)
    if user is None:
        return None
    _record_login(user)
    raw_key = begin_session(user, user_agent)
    db.session.commit()
    return user, raw_key


def change_password(user: User, current_password: str, new_password: str,
                    keep_session_key: Optional[str] = None) -> None:
    """Change one's own password; every other session of the account ends (all of them but
    the one whose raw key is ``keep_session_key``)."""
    require(user, Action.OWN_ACCOUNT, user)
    errors: dict = {}
    if not password_matches(user.password_hash, current_password):
        errors["current_password"] = _l("当前密码不正确。")
    problem = password_problem(new_password, user.email, [
        user.display_name, user.organisation.name if user.organisation is not None else None])
    if problem:
        errors["new_password"] = problem
    elif current_password == new_password:
        errors["new_password"] = _l("新密码不能与当前密码相同。")
    if errors:
        raise ValidationFailed(errors)
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    end_sessions(user.id, SessionEndReason.PASSWORD_CHANGE, keep_raw_key=keep_session_key)
    record("account.password_change", "user", user.id, actor=user, region_code=user.region_code)
    db.session.commit()


def set_account_active(actor: User, user_id: int, active: bool) -> User:
    """Deactivate (or reactivate) an account; a deactivated account's sessions and tokens stop."""
    require(actor, Action.ACCOUNT_MANAGE)
    user = _get_user(user_id)
    if user.id == actor.id and not active:
        raise ValidationFailed({"active": _l("不能停用自己的账号。")})
    before = snapshot(user, ("active",))
    user.active = active
    user.session_version += 1
    if not active:
        end_sessions(user.id, SessionEndReason.DEACTIVATION)
    record("account.activate" if active else "account.deactivate", "user", user.id, actor=actor,
           before=before, after=snapshot(user, ("active",)), region_code=user.region_code)
    db.session.commit()
    return user


def _get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    return user


def list_accounts(actor: User, page: int = 1, per_page: int = 50):
    """Every account, newest first (admins only)."""
    require(actor, Action.ACCOUNT_MANAGE)
    return db.paginate(sa.select(User).order_by(User.id.desc()), page=page, per_page=per_page,
                       error_out=False)


# --- API tokens -------------------------------------------------------------------------------

def _digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new bearer token; the raw value is returned once and never stored."""
    require(user, Action.OWN_ACCOUNT, user)
    name = unicodedata.normalize("NFKC", name or "").strip()
    if not 1 <= len(name) <= 80:
        raise ValidationFailed({"name": _l("请为令牌起一个名称（不超过 80 个字符）。")})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_digest=_digest(raw),
                     token_prefix=raw[:12], created_at=utcnow())
    db.session.add(token)
    db.session.flush()
    record("token.create", "api_token", token.id, actor=user,
           after={"name": name, "token_prefix": token.token_prefix}, region_code=user.region_code)
    db.session.commit()
    return token, raw


def list_tokens(user: User) -> list[ApiToken]:
    """The account's tokens, newest first, revoked ones included."""
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ))


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the account's tokens (an admin may revoke anyone's)."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(token_id)
    if token.user_id != user.id:
        require(user, Action.ACCOUNT_MANAGE)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record("token.revoke", "api_token", token.id, actor=user,
               after={"revoked_at": token.revoked_at}, region_code=user.region_code)
        db.session.commit()
    return token


def user_for_token(raw_token: str) -> Optional[User]:
    """The active account a live bearer token belongs to, or None."""
    if not raw_token or not raw_token.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_digest == _digest(raw_token)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    db.session.commit()
    return token.user
