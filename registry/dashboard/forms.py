"""Designation forms. They only parse input: the rules live in the designation service."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField


class DesignationForm(FlaskForm):
    """Designate an organisation 示范单位 for a year."""

    year = IntegerField(_l("认定年度"))
    valid_from = DateField(_l("有效期开始"))
    valid_to = DateField(_l("有效期结束"))
    designating_body = StringField(_l("认定单位"))
    override_reason = TextAreaField(_l("认定理由（不符合条件时必填）"), render_kw={"rows": 3})


class RevokeForm(FlaskForm):
    """Revoke a designation with a reason."""

    reason = TextAreaField(_l("撤销理由"), render_kw={"rows": 2})
