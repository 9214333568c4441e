"""Complaint forms. They only parse input: the rules live in ``registry.complaints.services``,
whose messages the views put beside each field."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from registry.vocabulary import COMPLAINT_CATEGORIES


class ComplaintForm(FlaskForm):
    """The public complaint form, with a honeypot field people never see."""

    category = SelectField(_l("投诉类别"), validate_choice=False)
    summary = StringField(_l("投诉事由（一句话概括）"), render_kw={"maxlength": 200})
    details = TextAreaField(_l("详细情况"), render_kw={"rows": 8})
    name = StringField(_l("您的姓名（选填）"), render_kw={"autocomplete": "name"})
    contact = StringField(_l("联系电话或电子邮箱（选填）"))
    # Hidden by static/css/site.css (.complaint-trap); bots fill every field they find.
    homepage = StringField(_l("请勿填写此栏（用于识别自动程序）"),
                           render_kw={"autocomplete": "off", "tabindex": "-1"})

    def with_choices(self) -> "ComplaintForm":
        """The category choices in the reader's language, after a first empty one."""
        self.category.choices = [("", _l("请选择"))] + COMPLAINT_CATEGORIES.choices()
        return self

    def values(self) -> dict:
        """The typed values, for the service."""
        return {name: getattr(self, name).data
                for name in ("category", "summary", "details", "name", "contact")}

    def caught_a_bot(self) -> bool:
        """Whether the honeypot was filled in (people leave it empty)."""
        return bool((self.homepage.data or "").strip())


class TrackForm(FlaskForm):
    """The tracking number (a GET form)."""

    class Meta:
        csrf = False

    reference = StringField(_l("投诉编号"), render_kw={"autocomplete": "off"})


class ReferForm(FlaskForm):
    """Which association to refer the complaint to."""

    association_id = SelectField(_l("转交的行业协会"), validate_choice=False)


class CloseForm(FlaskForm):
    """How the complaint ends, and the outcome text the complainant reads."""

    outcome = SelectField(_l("办结结果"), validate_choice=False)
    resolution = TextAreaField(_l("办结意见（投诉人可见）"), render_kw={"rows": 4})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [("resolved", _l("投诉属实，已处理")),
                                ("dismissed", _l("投诉不成立，不予支持"))]


class FindingsForm(FlaskForm):
    """The association's findings on a referred complaint."""

    findings = TextAreaField(_l("核查结果"), render_kw={"rows": 6})


class ActionForm(FlaskForm):
    """A button that only carries the CSRF token."""
