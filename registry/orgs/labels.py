"""Chinese labels (translated through the Babel catalog) for the registration pages: the
profile fields, the change-request states and kinds, audit actions, and how a stored value
reads to a person (vocabulary labels, 是/否, the region path)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry import vocabulary
from registry.extensions import db
from registry.orgs.models import ChangeRequestKind, ChangeRequestStatus
from registry.regions.models import Region
from registry.regions.services import ancestors

FIELD_LABELS = {
    "name": _l("机构名称"),
    "uscc": _l("统一社会信用代码"),
    "org_type": _l("机构类型"),
    "legal_representative": _l("法定代表人（负责人）"),
    "region_code": _l("所在地区"),
    "address": _l("详细地址"),
    "phone": _l("对外服务电话"),
    "website": _l("网站"),
    "opening_hours": _l("服务时间"),
    "fees": _l("收费标准"),
    "offers_public_benefit": _l("是否提供公益服务"),
    "public_benefit_note": _l("公益服务说明"),
    "description": _l("机构简介"),
    "services": _l("服务项目"),
    "populations": _l("服务人群"),
    "modalities": _l("服务方式"),
    "languages": _l("服务语言"),
}

_VOCABULARIES = {
    "org_type": vocabulary.ORGANISATION_TYPES,
    "services": vocabulary.SERVICES,
    "populations": vocabulary.POPULATIONS,
    "modalities": vocabulary.MODALITIES,
    "languages": vocabulary.LANGUAGES,
}

CHANGE_STATUS = {
    ChangeRequestStatus.PENDING: _l("待审核"),
    ChangeRequestStatus.APPROVED: _l("已批准"),
    ChangeRequestStatus.REJECTED: _l("未批准"),
    ChangeRequestStatus.WITHDRAWN: _l("已撤回"),
}

CHANGE_KIND = {
    ChangeRequestKind.CHANGE: _l("信息变更"),
    ChangeRequestKind.DEREGISTRATION: _l("申请注销"),
}

# What each audit action means to the organisation reading its history.
ACTIONS = {
    "organisation.create": _l("创建登记草稿"),
    "organisation.update": _l("修改登记信息"),
    "organisation.submit": _l("提交审核"),
    "organisation.approve": _l("审核通过，信息已公开"),
    "organisation.reject": _l("审核未通过"),
    "organisation.exit": _l("退出登记"),
    "change_request.create": _l("提交变更申请"),
    "change_request.update": _l("修改待审核的变更申请"),
    "change_request.withdraw": _l("撤回申请"),
    "change_request.approve": _l("申请已批准"),
    "change_request.reject": _l("申请未获批准"),
}

ROLES = {
    "org": _l("机构账号"),
    "assessor": _l("行业组织"),
    "regulator": _l("主管部门"),
    "admin": _l("平台管理员"),
    "system": _l("系统"),
}


def field_label(name: str) -> str:
    """The label of a profile field ('' → the name itself, for a field no longer known)."""
    return str(FIELD_LABELS.get(name, name))


def region_path(code: str | None) -> str:
    """山东省 烟台市 芝罘区 for 370602."""
    if not code:
        return ""
    region = db.session.get(Region, code)
    if region is None:
        return code
    return " ".join(part.name for part in ancestors(region))


def display_value(name: str, value: Any) -> str:
    """How a stored value of field ``name`` reads to a person ('' when empty)."""
    if value is None or value == "" or value == []:
        return ""
    if name == "offers_public_benefit":
        return _("是") if value else _("否")
    if name == "region_code":
        return region_path(value)
    vocab = _VOCABULARIES.get(name)
    if vocab is not None:
        codes = [value] if isinstance(value, str) else list(value)
        return _("、").join(vocab.label(code) for code in codes)
    return str(value)


def change_status(status: ChangeRequestStatus) -> str:
    """待审核, 已批准 …"""
    return str(CHANGE_STATUS[status])


def change_kind(kind: ChangeRequestKind) -> str:
    """信息变更 or 申请注销."""
    return str(CHANGE_KIND[kind])


def action_label(action: str) -> str:
    """What an audit action means, or the action code when it has no label."""
    return str(ACTIONS.get(action, action))


def role_label(role: str) -> str:
    """Who acted: 机构账号, 主管部门 …"""
    return str(ROLES.get(role, role))
