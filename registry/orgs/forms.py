"""Registration forms. They only parse input: every field rule lives in
``registry.orgs.validation`` (called by the services), whose messages the views put back
beside each field. No length or format validators here, on purpose: one home for each rule."""
from __future__ import annotations

from typing import Optional

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from registry import vocabulary
from registry.auth.forms import RegionPickerMixin
from registry.orgs.labels import FIELD_LABELS
from registry.regions import services as regions

# Errors about these names go beside these form fields.
ERROR_ALIASES = {"region_code": "county"}


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes; the service checks the codes against the vocabulary."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text(name: str, rows: Optional[int] = None):
    kwargs = {"render_kw": {"rows": rows}} if rows else {}
    return (TextAreaField if rows else StringField)(FIELD_LABELS[name], **kwargs)


class OrganisationForm(RegionPickerMixin, FlaskForm):
    """Every field of an organisation's profile, in the order of ``PROFILE_FIELDS``."""

    name = _text("name")
    uscc = StringField(FIELD_LABELS["uscc"], render_kw={"autocapitalize": "characters",
                                                         "spellcheck": "false"})
    org_type = SelectField(FIELD_LABELS["org_type"], validate_choice=False)
    legal_representative = _text("legal_representative")
    address = _text("address")
    phone = TelField(FIELD_LABELS["phone"])
    website = StringField(FIELD_LABELS["website"], render_kw={"inputmode": "url",
                                                               "spellcheck": "false"})
    opening_hours = _text("opening_hours")
    fees = _text("fees", rows=3)
    offers_public_benefit = RadioField(FIELD_LABELS["offers_public_benefit"], validate_choice=False)
    public_benefit_note = _text("public_benefit_note", rows=3)
    description = _text("description", rows=6)
    services = CheckboxesField(FIELD_LABELS["services"], validate_choice=False)
    populations = CheckboxesField(FIELD_LABELS["populations"], validate_choice=False)
    modalities = CheckboxesField(FIELD_LABELS["modalities"], validate_choice=False)
    languages = CheckboxesField(FIELD_LABELS["languages"], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.org_type.choices = [("", _l("请选择"))] + vocabulary.ORGANISATION_TYPES.choices()
        self.offers_public_benefit.choices = [("yes", _l("是")), ("no", _l("否"))]
        self.services.choices = vocabulary.SERVICES.choices()
        self.populations.choices = vocabulary.POPULATIONS.choices()
        self.modalities.choices = vocabulary.MODALITIES.choices()
        self.languages.choices = vocabulary.LANGUAGES.choices()
        self.fill_region_choices()

    @classmethod
    def initial(cls, values: dict) -> "OrganisationForm":
        """A form showing stored profile ``values`` (a GET: nothing posted)."""
        data = dict(values)
        data["offers_public_benefit"] = "yes" if values.get("offers_public_benefit") else "no"
        data.update(picker_levels(values.get("region_code")))
        return cls(formdata=None, data=data)

    def profile_values(self) -> dict:
        """What was typed, as the service takes it (``region_code`` from the picker)."""
        values = {name: getattr(self, name).data for name in FIELD_LABELS if name != "region_code"}
        values["region_code"] = self.chosen_region()
        return values


def picker_levels(code: Optional[str]) -> dict:
    """province / city / county for a stored region code (a city without counties leaves
    the county empty; a county directly under its province sits in the city select)."""
    region = regions.get_region(code) if code else None
    if region is None:
        return {"province": "", "city": "", "county": ""}
    path = regions.ancestors(region)
    levels = {"province": path[0].code, "city": "", "county": ""}
    if len(path) >= 2:
        levels["city"] = path[1].code
    if len(path) >= 3:
        levels["county"] = path[2].code
    return levels


class RejectForm(FlaskForm):
    """Rejecting a registration or a change request: the reason the organisation will read."""

    reason = TextAreaField(_l("未通过的理由"), render_kw={"rows": 4})
    revision = HiddenField()


class DeregistrationForm(FlaskForm):
    """申请注销: why the organisation leaves the register."""

    reason = TextAreaField(_l("注销原因"), render_kw={"rows": 4})


class DecisionForm(FlaskForm):
    """Approving a change request: carries the revision the reviewer looked at."""

    revision = HiddenField()
