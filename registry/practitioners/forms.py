"""Practitioner, qualification, verification and certificate-lookup forms.

The forms only parse input; every rule lives in ``validation``/``services`` and comes back as
field errors. Length limits are left to the services too, so that a long value is refused with
a message that says how long it was, beside the field, and nothing typed is lost.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import EqualTo
from wtforms.widgets import CheckboxInput, ListWidget

from registry import vocabulary
from registry.practitioners.models import AffiliationRole, Gender

DATE_INPUT = {"type": "date", "placeholder": "YYYY-MM-DD"}


class UnrepeatedField(StringField):
    """A text input that never writes its value back into the page.

    Used for the ID number (身份证号): after a failed submission the page must not carry the
    number (it would sit in the HTML, the browser cache and any proxy), so it is typed again.
    """

    def _value(self) -> str:
        return ""


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (usable without JavaScript and on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _role_choices() -> list[tuple[str, str]]:
    from registry.public.labels import label

    return [(role.value, label(role)) for role in AffiliationRole]


def _gender_choices() -> list[tuple[str, str]]:
    from registry.public.labels import label

    return [("", _l("请选择"))] + [(gender.value, label(gender)) for gender in Gender]


class QualificationFields(Form):
    """One certificate (a row of the new-practitioner form, or the whole qualification form)."""

    kind = SelectField(_l("资质类别"), validate_choice=False)
    certificate_number = StringField(_l("证书编号"))
    issuer = StringField(_l("发证机构"))
    issued_on = StringField(_l("发证日期"), render_kw=DATE_INPUT)
    expires_on = StringField(_l("有效期至"), render_kw=DATE_INPUT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("请选择"))] + vocabulary.QUALIFICATION_KINDS.choices()

    def values(self) -> dict:
        """The typed values, for the service."""
        return {name: getattr(self, name).data for name in
                ("kind", "certificate_number", "issuer", "issued_on", "expires_on")}

    def is_blank(self) -> bool:
        """Nothing typed in this row (it is left out, not refused)."""
        return not any((value or "").strip() for value in self.values().values())


class QualificationForm(QualificationFields, FlaskForm):
    """Add or correct one certificate."""


class PractitionerFields:
    """The public fields of a practitioner, shared by the add and edit forms."""

    name = StringField(_l("姓名"))
    gender = SelectField(_l("性别"), validate_choice=False)
    specialties = CheckboxesField(_l("擅长领域"), validate_choice=False)
    ce_hours = StringField(_l("继续教育学时"), render_kw={"inputmode": "numeric"})
    bio = TextAreaField(_l("个人简介"), render_kw={"rows": 4})

    def fill_choices(self) -> None:
        """Options in the request's language."""
        self.gender.choices = _gender_choices()
        self.specialties.choices = vocabulary.SPECIALTIES.choices()

    def practitioner_values(self) -> dict:
        """The typed values, for the service (the ID number included when typed)."""
        return {"name": self.name.data, "gender": self.gender.data,
                "specialties": self.specialties.data or [], "ce_hours": self.ce_hours.data,
                "bio": self.bio.data, "id_number": self.id_number.data}


class NewPractitionerForm(PractitionerFields, FlaskForm):
    """Add a practitioner with their first certificates."""

    id_number = UnrepeatedField(_l("身份证号码"), render_kw={"autocomplete": "off"})
    role = SelectField(_l("聘用方式"), validate_choice=False)
    start_date = StringField(_l("入职日期"), render_kw=DATE_INPUT)
    qualifications = FieldList(FormField(QualificationFields), min_entries=1, max_entries=10)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fill_choices()
        self.role.choices = _role_choices()

    def qualification_rows(self) -> list[tuple[int, dict]]:
        """(row index, values) of every row that is not blank."""
        return [(index, entry.form.values())
                for index, entry in enumerate(self.qualifications.entries)
                if not entry.form.is_blank()]


class EditPractitionerForm(PractitionerFields, FlaskForm):
    """Correct a practitioner's public fields; the ID number only by typing it again (twice)."""

    id_number = UnrepeatedField(_l("更正身份证号码"), render_kw={"autocomplete": "off"})
    id_number_confirm = UnrepeatedField(_l("再次输入身份证号码"), render_kw={"autocomplete": "off"},
                                        validators=[EqualTo("id_number", _l("两次输入的身份证号码不一致。"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fill_choices()


class EndAffiliationForm(FlaskForm):
    """The practitioner leaves: the last day."""

    end_date = StringField(_l("离职日期"), render_kw=DATE_INPUT)


class ReasonForm(FlaskForm):
    """A reason for rejecting or revoking a certificate."""

    reason = TextAreaField(_l("理由"), render_kw={"rows": 3})


class ActionForm(FlaskForm):
    """A POST button with nothing but the CSRF token."""


class CertificateLookupForm(FlaskForm):
    """证书查询: the certificate number and the holder's name."""

    number = StringField(_l("证书编号"), render_kw={"autocomplete": "off"})
    name = StringField(_l("持证人姓名"), render_kw={"autocomplete": "off"})
