"""The workbench links an account sees, decided by the policy (templates only ask)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from registry.auth.policy import Action, can


@dataclass(frozen=True)
class Link:
    """One entry of the workbench bar."""

    endpoint: str
    label: object
    action: Action
    own_organisation: bool = False  # an org account's link, checked against its organisation


# In display order; an endpoint that the app does not have is left out.
WORKBENCH = (
    Link("orgs.mine", _l("我的机构"), Action.ORG_EDIT, own_organisation=True),
    Link("practitioners.mine", _l("从业人员"), Action.PRACTITIONER_MANAGE, own_organisation=True),
    Link("orgs.queue", _l("登记审核"), Action.ORG_REVIEW),
    Link("evaluation.mine", _l("评估报告"), Action.ORG_EDIT, own_organisation=True),
    Link("evaluation.index", _l("机构评估"), Action.EVALUATION_SCORE),
    Link("practitioners.queue", _l("资质核验"), Action.QUALIFICATION_VERIFY),
    Link("imports.index", _l("批量导入"), Action.ORG_REVIEW),
    Link("dashboard.coverage", _l("评估覆盖率"), Action.DASHBOARD_VIEW),
    Link("dashboard.designation_list", _l("示范单位认定"), Action.DESIGNATION_MANAGE),
    Link("sanctions.own_sanctions", _l("惩戒与申诉"), Action.APPEAL_FILE, own_organisation=True),
    Link("sanctions.recommendations_list", _l("惩戒建议"), Action.RECOMMENDATION_FILE),
    Link("sanctions.recommendation_queue", _l("建议审查"), Action.RECOMMENDATION_DECIDE),
    Link("sanctions.sanction_list", _l("惩戒管理"), Action.SANCTION_RECORD),
    Link("sanctions.appeal_queue", _l("申诉审查"), Action.APPEAL_DECIDE),
    Link("complaints.queue", _l("投诉处理"), Action.COMPLAINT_HANDLE),
    Link("complaints.referred", _l("协会核查投诉"), Action.COMPLAINT_FINDINGS),
    Link("auth.accounts", _l("账号管理"), Action.ACCOUNT_MANAGE),
    Link("evaluation.associations", _l("行业协会"), Action.ASSOCIATION_MANAGE),
    Link("evaluation.rubrics", _l("评估细则"), Action.RUBRIC_MANAGE),
    Link("audit.events", _l("审计日志"), Action.AUDIT_VIEW),
)


def workbench_links(user) -> list[tuple[str, str, str]]:
    """``(endpoint, url, label)`` for every page this account may open."""
    if not getattr(user, "is_authenticated", False):
        return []
    links = []
    for link in WORKBENCH:
        if link.endpoint not in current_app.view_functions:
            continue
        target = user.organisation if link.own_organisation else None
        if link.own_organisation and target is None:
            continue
        if can(user, link.action, target):
            links.append((link.endpoint, url_for(link.endpoint), str(link.label)))
    return links
