"""Sanction, recommendation and appeal forms. They only parse input: every rule (dates, the
publication policy, states) lives in the services, whose messages the views put beside
each field. Dates are text (``<input type="date">``) so that what was typed is kept."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from registry.public.labels import SANCTION_TYPE
from registry.sanctions.models import ReferralOutcome

DATE = {"type": "date"}
OUTCOME_LABELS = {
    ReferralOutcome.PENDING: _l("等待处理结果"),
    ReferralOutcome.REVOKED: _l("已吊销营业执照"),
    ReferralOutcome.NOT_REVOKED: _l("决定不予吊销"),
    ReferralOutcome.OTHER: _l("其他处理"),
}


def type_choices() -> list[SelectChoice]:
    """Every sanction type, mildest first, with a prompt."""
    return [SelectChoice("", _l("请选择"))] + [SelectChoice(kind.value, label)
                                             for kind, label in SANCTION_TYPE.items()]


class SanctionForm(FlaskForm):
    """A regulator's decision: type, facts, basis, number, dates and disclosure period."""

    sanction_type = SelectField(_l("惩戒类型"), validate_choice=False)
    facts = TextAreaField(_l("违法违规事实"), render_kw={"rows": 5})
    legal_basis = StringField(_l("处理依据"))
    decision_number = StringField(_l("决定文号"))
    decision_date = StringField(_l("决定日期"), render_kw=DATE)
    deciding_body = StringField(_l("决定机关"))
    starts_on = StringField(_l("执行开始日期"), render_kw=DATE)
    ends_on = StringField(_l("执行结束日期"), render_kw=DATE)
    disclosure_until = StringField(_l("公示截止日期"), render_kw=DATE)
    referred_to = StringField(_l("移送的市场监督管理部门"))
    referred_on = StringField(_l("移送日期"), render_kw=DATE)
    reference_number = StringField(_l("移送文号"))
    revoke_qualification_ids = SelectMultipleField(
        _l("同时撤销以下证书的核验"), coerce=str, validate_choice=False,
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    recommendation_id = HiddenField()
    complaint_id = HiddenField()

    FIELDS = ("sanction_type", "facts", "legal_basis", "decision_number", "decision_date",
              "deciding_body", "starts_on", "ends_on", "disclosure_until", "referred_to",
              "referred_on", "reference_number", "revoke_qualification_ids",
              "recommendation_id", "complaint_id")

    def values(self) -> dict:
        """The typed values, for the service."""
        return {name: getattr(self, name).data for name in self.FIELDS}


class RecommendationForm(FlaskForm):
    """An association's recommendation: proposed type, facts, evidence, links."""

    proposed_type = SelectField(_l("建议的惩戒类型"), validate_choice=False)
    facts = TextAreaField(_l("违规事实"), render_kw={"rows": 5})
    evidence = TextAreaField(_l("证据材料说明"), render_kw={"rows": 3})
    evaluation_id = HiddenField()
    complaint_id = HiddenField()
    association_id = HiddenField()  # only the admin, who belongs to no association, sends it

    def values(self) -> dict:
        """The typed values, for the service."""
        return {name: getattr(self, name).data
                for name in ("proposed_type", "facts", "evidence", "evaluation_id",
                             "complaint_id", "association_id")}


class ReasonForm(FlaskForm):
    """A decision that needs a written reason (declining a recommendation, an appeal)."""

    decision_reason = TextAreaField(_l("理由"), render_kw={"rows": 3})


class AppealForm(FlaskForm):
    """The party's appeal or credit-repair request."""

    kind = SelectField(_l("申请类型"), choices=[SelectChoice("appeal", _l("申诉（对决定有异议）")),
                                            SelectChoice("credit_repair",
                                                         _l("信用修复（已整改，申请提前结束公示）"))],
                       validate_choice=False)
    statement = TextAreaField(_l("申请理由"), render_kw={"rows": 5})
    evidence = TextAreaField(_l("整改或证明材料说明"), render_kw={"rows": 3})


class ReferralOutcomeForm(FlaskForm):
    """What the market regulator decided on a referral."""

    outcome = SelectField(_l("处理结果"), validate_choice=False,
                          choices=[SelectChoice(o.value, label)
                                   for o, label in OUTCOME_LABELS.items()])
    outcome_on = StringField(_l("处理日期"), render_kw=DATE)
    reference_number = StringField(_l("移送文号"))
    outcome_note = TextAreaField(_l("说明"), render_kw={"rows": 2})


class LookupForm(FlaskForm):
    """Find the organisation or practitioner a decision concerns."""

    class Meta:
        csrf = False  # a GET search, changes nothing

    kind = SelectField(_l("对象"), choices=[SelectChoice("organisation", _l("机构")),
                                          SelectChoice("practitioner", _l("从业人员"))],
                       validate_choice=False)
    q = StringField(_l("统一社会信用代码、机构名称、人员姓名或证书编号"))
