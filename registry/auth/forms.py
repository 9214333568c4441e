"""Account forms. Field checks that need the database live in the services; these forms
only parse input and carry the services' messages back beside each field."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, ValidationError

from registry import vocabulary
from registry.auth.models import Role
from registry.query import MAX_ID
from registry.regions import services as regions

REQUIRED = _l("此项为必填项。")


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(_l("电子邮箱"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("密码"), validators=[DataRequired(REQUIRED), Length(max=128)])


class RegionPickerMixin:
    """Province → city → county selects; options follow what was chosen (also without JS)."""

    province = SelectField(_l("省份"), choices=[], validate_choice=False)
    city = SelectField(_l("城市"), choices=[], validate_choice=False)
    county = SelectField(_l("区县"), choices=[], validate_choice=False)

    def fill_region_choices(self) -> None:
        """Options for each level, given the levels chosen above it."""
        blank = [("", _l("请选择"))]
        self.province.choices = blank + [(r.code, r.name) for r in regions.children(None)]
        cities = regions.children(self.province.data) if self.province.data else []
        self.city.choices = blank + [(r.code, r.name) for r in cities]
        counties = regions.children(self.city.data) if self.city.data else []
        self.county.choices = blank + [(r.code, r.name) for r in counties]

    def chosen_region(self) -> str:
        """The most specific region chosen (the service decides whether it is specific enough)."""
        return self.county.data or self.city.data or ""


class SignupForm(RegionPickerMixin, FlaskForm):
    """机构账号注册: the account and the organisation's first details."""

    organisation_name = StringField(_l("机构名称"), validators=[DataRequired(REQUIRED), Length(max=120)])
    org_type = SelectField(_l("机构类型"), validate_choice=False)
    email = EmailField(_l("电子邮箱"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("密码"), validators=[DataRequired(REQUIRED), Length(max=128)])
    confirm = PasswordField(_l("确认密码"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("两次输入的密码不一致。"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.org_type.choices = [("", _l("请选择"))] + vocabulary.ORGANISATION_TYPES.choices()


class PasswordChangeForm(FlaskForm):
    """Change one's own password."""

    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(REQUIRED)])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(REQUIRED), Length(max=128)])
    confirm = PasswordField(_l("确认新密码"), validators=[
        DataRequired(REQUIRED), EqualTo("new_password", _l("两次输入的密码不一致。"))])


class TokenForm(FlaskForm):
    """Name a new API token."""

    name = StringField(_l("令牌名称"), validators=[DataRequired(REQUIRED), Length(max=80)])


class AccountForm(RegionPickerMixin, FlaskForm):
    """An admin creates an account of any role."""

    email = EmailField(_l("电子邮箱"), validators=[DataRequired(REQUIRED), Length(max=254)])
    display_name = StringField(_l("姓名或名称"), validators=[Optional(), Length(max=60)])
    role = SelectField(_l("角色"), validate_choice=False)
    association_id = IntegerField(_l("所属行业组织编号"), validators=[Optional(), NumberRange(
        min=1, max=MAX_ID, message=_l("请填写正确的编号。"))])
    organisation_id = IntegerField(_l("所属机构编号"), validators=[Optional(), NumberRange(
        min=1, max=MAX_ID, message=_l("请填写正确的编号。"))])
    password = PasswordField(_l("初始密码"), validators=[DataRequired(REQUIRED), Length(max=128)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from registry.public.labels import label

        self.role.choices = [(role.value, label(role)) for role in Role]

    def validate_role(self, field) -> None:
        """Only a role the registry has (the choice is checked here, in Chinese)."""
        if field.data not in {role.value for role in Role}:
            raise ValidationError(_l("请选择角色。"))

    def chosen_region(self) -> str:
        """Any level will do for a jurisdiction: a province, a city or a county."""
        return self.county.data or self.city.data or self.province.data or ""
