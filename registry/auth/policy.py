"""Who may do what (the one home of every permission rule).

``can(user, action, target)`` answers; ``require`` raises ``PermissionDenied``. Services call
``require`` before every change; views and templates call ``can`` only to decide what to show.

Jurisdiction (属地化管理) is a region-code prefix: a regulator of 370600 acts on records in
``3706…``, one of 370000 on ``37…``; an admin acts everywhere.
"""
from __future__ import annotations

import enum
from typing import Any, Optional

from flask import current_app

from registry.auth.models import Role
from registry.regions.services import region_prefix


class PermissionDenied(Exception):
    """The account may not do this; nothing was changed."""

    def __init__(self, action: "Action", message: str = "您没有权限执行此操作。"):
        super().__init__(message)
        self.action = action
        self.message = message


class Action(enum.Enum):
    """Everything that changes state, named by domain."""

    # Organisations (登记)
    ORG_EDIT = "org.edit"
    ORG_SUBMIT = "org.submit"
    ORG_REVIEW = "org.review"
    PRACTITIONER_MANAGE = "practitioner.manage"
    QUALIFICATION_VERIFY = "qualification.verify"  # and reject; delegable (below)
    QUALIFICATION_REVOKE = "qualification.revoke"  # a sanction's consequence: never delegated
    # Evaluation (评价) and demonstration units
    EVALUATION_SCORE = "evaluation.score"
    EVALUATION_READ_DRAFT = "evaluation.read_draft"  # the evaluating association's drafts
    EVALUATION_READ_REPORTS = "evaluation.read_reports"  # full reports with every score
    DESIGNATION_MANAGE = "designation.manage"
    # Sanctions and exit (惩戒和退出), complaints
    RECOMMENDATION_FILE = "recommendation.file"
    RECOMMENDATION_DECIDE = "recommendation.decide"
    SANCTION_RECORD = "sanction.record"
    APPEAL_FILE = "appeal.file"
    APPEAL_DECIDE = "appeal.decide"
    COMPLAINT_HANDLE = "complaint.handle"
    COMPLAINT_FINDINGS = "complaint.findings"  # an association reports on a referred complaint
    # Oversight
    AUDIT_VIEW = "audit.view"
    DASHBOARD_VIEW = "dashboard.view"
    # Administration
    ACCOUNT_MANAGE = "account.manage"
    ASSOCIATION_MANAGE = "association.manage"
    RUBRIC_MANAGE = "rubric.manage"
    # Every account, on itself
    OWN_ACCOUNT = "own_account"


# What each role may do at all; ownership and jurisdiction are checked on top.
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ORG: frozenset({
        Action.ORG_EDIT, Action.ORG_SUBMIT, Action.PRACTITIONER_MANAGE, Action.APPEAL_FILE,
        Action.EVALUATION_READ_REPORTS, Action.OWN_ACCOUNT,
    }),
    Role.ASSESSOR: frozenset({
        Action.EVALUATION_SCORE, Action.EVALUATION_READ_DRAFT, Action.EVALUATION_READ_REPORTS,
        Action.RECOMMENDATION_FILE, Action.COMPLAINT_FINDINGS, Action.QUALIFICATION_VERIFY,
        Action.OWN_ACCOUNT,
    }),
    Role.REGULATOR: frozenset({
        # Regulators onboard existing lists and correct the register they answer for.
        Action.ORG_REVIEW, Action.PRACTITIONER_MANAGE, Action.QUALIFICATION_VERIFY,
        Action.QUALIFICATION_REVOKE, Action.DESIGNATION_MANAGE,
        Action.RECOMMENDATION_DECIDE, Action.SANCTION_RECORD, Action.APPEAL_DECIDE,
        Action.COMPLAINT_HANDLE, Action.EVALUATION_READ_REPORTS, Action.AUDIT_VIEW,
        Action.DASHBOARD_VIEW, Action.OWN_ACCOUNT,
    }),
    Role.ADMIN: frozenset(Action),
}

# Actions an installation hands to some roles only, by a setting naming those roles: who
# verifies certificates (``QUALIFICATION_VERIFIERS``: the regulator, or also the industry
# association's assessors when the regulator delegates). The admin always may.
DELEGATED_BY_SETTING: dict[Action, str] = {Action.QUALIFICATION_VERIFY: "QUALIFICATION_VERIFIERS"}


# Actions an assessor takes only on its own association's records (the target carries an
# ``association_id``), on top of the jurisdiction.
ASSOCIATION_BOUND = frozenset({Action.EVALUATION_READ_DRAFT})


def _delegated(user: Any, action: Action) -> bool:
    setting = DELEGATED_BY_SETTING.get(action)
    if setting is None or user.role is Role.ADMIN:
        return True
    return user.role.value in current_app.config[setting]


def in_jurisdiction(jurisdiction: Optional[str], region_code: Optional[str]) -> bool:
    """Whether ``region_code`` lies inside the jurisdiction ``jurisdiction``."""
    if not jurisdiction or not region_code:
        return False
    return region_code.startswith(region_prefix(jurisdiction))


def target_region(target: Any) -> Optional[str]:
    """The region code a record belongs to (an organisation's, or its organisation's)."""
    if target is None:
        return None
    if isinstance(target, str):
        return target
    for attribute in ("region_code",):
        value = getattr(target, attribute, None)
        if value:
            return value
    organisation = getattr(target, "organisation", None)
    return getattr(organisation, "region_code", None) if organisation is not None else None


def target_organisation_id(target: Any) -> Optional[int]:
    """The organisation a record belongs to, for ownership checks."""
    if target is None:
        return None
    if type(target).__name__ == "Organisation":
        return target.id
    return getattr(target, "organisation_id", None)


def can(user: Any, action: Action, target: Any = None) -> bool:
    """May ``user`` do ``action`` on ``target`` (a record, a region code, or None)?"""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if action not in ROLE_ACTIONS[user.role] or not _delegated(user, action):
        return False
    if user.role is Role.ADMIN or action is Action.OWN_ACCOUNT:
        return True
    if user.role is Role.ORG:
        return target is not None and target_organisation_id(target) == user.organisation_id
    if target is None:
        # Officers may open their queues; each record in them is checked on its own.
        return True
    if action in ASSOCIATION_BOUND and user.role is Role.ASSESSOR \
            and getattr(target, "association_id", None) != user.association_id:
        return False
    return in_jurisdiction(user.region_code, target_region(target))


def require(user: Any, action: Action, target: Any = None) -> None:
    """Raise ``PermissionDenied`` unless ``can(user, action, target)``."""
    if not can(user, action, target):
        raise PermissionDenied(action)


def can_any(user: Any, action: Action, targets) -> bool:
    """May ``user`` do ``action`` on the strength of any one of ``targets`` (a certificate is
    judged by each organisation its holder works for)?"""
    return any(can(user, action, target) for target in targets)


def require_any(user: Any, action: Action, targets) -> None:
    """Raise ``PermissionDenied`` unless ``can_any(user, action, targets)``."""
    if not can_any(user, action, targets):
        raise PermissionDenied(action)
