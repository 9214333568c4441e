"""Recommendations from the association to the regulator, and appeals and credit repair:
each transition, its refusals (nothing changed) and its audit trail."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.auth.policy import PermissionDenied
from registry.extensions import db
from registry.orgs.models import OrganisationStatus
from registry.sanctions import appeals, recommendations, services
from registry.sanctions.models import AppealStatus, RecommendationStatus, SanctionState
from registry.validation import StateConflict, ValidationFailed
from tests import factories
from tests.matrix import fingerprint
from tests.sanctions.conftest import TODAY, sanction_values, suspension_values

FACTS = {"proposed_type": "suspension", "facts": "多名来访者反映咨询师作出药物建议。",
         "evidence": "来访者书面陈述 3 份。"}


def _recommend(setting, **values):
    return recommendations.file_recommendation(setting.assessor, "organisation",
                                               setting.organisation.id, FACTS | values)


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_an_assessor_recommends_and_the_regulator_accepts_by_recording(setting):
    recommendation = _recommend(setting)
    assert recommendation.region_code == "370602"
    assert recommendations.queue(setting.regulator) == [recommendation]
    assert recommendations.queue(setting.outsider) == []

    sanction = services.record_sanction(
        setting.regulator, "organisation", setting.organisation.id,
        suspension_values(recommendation_id=recommendation.id), today=TODAY)

    assert recommendation.status is RecommendationStatus.ACCEPTED
    assert sanction.recommendation_id == recommendation.id
    assert setting.organisation.status is OrganisationStatus.SUSPENDED
    assert recommendations.of_association(setting.assessor) == [(recommendation, sanction)]
    assert _actions()[:3] == ["recommendation.file", "sanction.record", "recommendation.accept"]
    with pytest.raises(StateConflict):  # accepted once
        services.record_sanction(setting.regulator, "organisation", setting.organisation.id,
                                 suspension_values(recommendation_id=recommendation.id),
                                 today=TODAY)


def test_a_decline_needs_a_reason_and_the_association_sees_it(setting):
    recommendation = _recommend(setting)
    with pytest.raises(ValidationFailed) as failed:
        recommendations.decline(setting.regulator, recommendation.id, " ")
    assert "decision_reason" in failed.value.errors

    recommendations.decline(setting.regulator, recommendation.id, "证据不足，已要求补充材料。")

    assert recommendation.status is RecommendationStatus.DECLINED
    (row, sanction), = recommendations.of_association(setting.assessor)
    assert row.decision_reason == "证据不足，已要求补充材料。" and sanction is None
    with pytest.raises(StateConflict):
        recommendations.decline(setting.regulator, recommendation.id, "再次")


def test_recommendations_stay_inside_the_jurisdiction(setting):
    before = fingerprint()
    with pytest.raises(PermissionDenied):
        recommendations.file_recommendation(setting.assessor, "organisation",
                                            setting.outside.id, FACTS)
    recommendation = _recommend(setting)
    with pytest.raises(PermissionDenied):
        recommendations.decline(setting.outsider, recommendation.id, "不在辖区")
    with pytest.raises(PermissionDenied):
        recommendations.file_recommendation(setting.regulator, "organisation",
                                            setting.organisation.id, FACTS)
    assert recommendation.status is RecommendationStatus.PENDING
    assert fingerprint() != before  # only the one inside was filed


def test_a_recommendation_about_a_practitioner_and_bad_input(setting):
    recommendation = recommendations.file_recommendation(
        setting.assessor, "practitioner", setting.practitioner.id, FACTS)
    assert recommendation.practitioner_id == setting.practitioner.id
    with pytest.raises(ValidationFailed) as failed:
        recommendations.file_recommendation(setting.assessor, "practitioner",
                                            setting.practitioner.id,
                                            {"proposed_type": "licence_revocation_referral",
                                             "facts": ""})
    assert set(failed.value.errors) == {"proposed_type", "facts"}


def test_a_recommendation_links_only_a_published_evaluation_of_the_subject(setting):
    rubric = factories.make_rubric()
    evaluation = factories.make_evaluation(setting.organisation, setting.association, rubric)
    other = factories.make_evaluation(setting.outside, setting.association, rubric)
    db.session.commit()

    assert _recommend(setting, evaluation_id=evaluation.id).evaluation_id == evaluation.id
    with pytest.raises(ValidationFailed):
        _recommend(setting, evaluation_id=other.id)


# --- appeals and credit repair ----------------------------------------------------------------

def _suspend(setting):
    return services.record_sanction(setting.regulator, "organisation", setting.organisation.id,
                                    suspension_values(), today=TODAY)


def test_an_accepted_appeal_lifts_the_sanction_and_ends_disclosure(setting):
    sanction = _suspend(setting)
    appeal = appeals.file_request(setting.owner, sanction.id, "appeal",
                                  {"statement": "诊断建议系来访者误解，附录音。"}, today=TODAY)
    assert appeals.queue(setting.regulator) == [appeal]
    with pytest.raises(StateConflict):  # one pending request at a time
        appeals.file_request(setting.owner, sanction.id, "appeal", {"statement": "再次"},
                             today=TODAY)

    appeals.decide(setting.regulator, appeal.id, True, "复核录音，原认定事实不清。", today=TODAY)

    assert appeal.status is AppealStatus.ACCEPTED
    assert sanction.state is SanctionState.LIFTED
    assert not sanction.is_disclosed(TODAY)
    assert sanction.disclosure_ended_at is not None
    assert setting.organisation.status is OrganisationStatus.ACTIVE
    assert {"appeal.file", "appeal.accept", "sanction.lift", "sanction.disclosure_end",
            "organisation.reactivate"} <= set(_actions())


@pytest.mark.parametrize("day, allowed", [(date(2026, 5, 9), True), (date(2026, 5, 10), False)])
def test_an_appeal_after_the_deadline_is_refused(setting, day, allowed):
    sanction = _suspend(setting)  # decided 2026-03-10: 60 days → 2026-05-09
    if allowed:
        assert appeals.file_request(setting.owner, sanction.id, "appeal",
                                    {"statement": "不服"}, today=day).id
    else:
        before = fingerprint()
        with pytest.raises(StateConflict) as refused:
            appeals.file_request(setting.owner, sanction.id, "appeal", {"statement": "不服"},
                                 today=day)
        assert "2026-05-09" in refused.value.message
        assert fingerprint() == before


def test_a_rejected_appeal_changes_nothing_but_its_status(setting):
    sanction = _suspend(setting)
    appeal = appeals.file_request(setting.owner, sanction.id, "appeal", {"statement": "不服"},
                                  today=TODAY)
    with pytest.raises(ValidationFailed):
        appeals.decide(setting.regulator, appeal.id, False, "", today=TODAY)

    appeals.decide(setting.regulator, appeal.id, False, "事实清楚，维持原决定。", today=TODAY)

    assert appeal.status is AppealStatus.REJECTED
    assert sanction.state is SanctionState.IN_FORCE
    assert setting.organisation.status is OrganisationStatus.SUSPENDED
    with pytest.raises(StateConflict):
        appeals.decide(setting.regulator, appeal.id, True, "改判", today=TODAY)


@pytest.mark.parametrize("day, allowed", [(date(2026, 6, 9), False), (date(2026, 6, 10), True)])
def test_credit_repair_opens_after_the_minimum_period(setting, day, allowed):
    sanction = services.record_sanction(setting.regulator, "organisation",
                                        setting.organisation.id,
                                        sanction_values(disclosure_until="2027-03-10"),
                                        today=TODAY)
    values = {"statement": "已在服务场所公示收费标准。", "evidence": "整改照片及公示截图。"}
    if not allowed:
        with pytest.raises(StateConflict) as refused:
            appeals.file_request(setting.owner, sanction.id, "credit_repair", values, today=day)
        assert "2026-06-10" in refused.value.message
        return
    request = appeals.file_request(setting.owner, sanction.id, "credit_repair", values, today=day)
    appeals.decide(setting.regulator, request.id, True, "整改到位，同意提前结束公示。", today=day)

    assert not sanction.is_disclosed(day)
    assert sanction.state is SanctionState.IN_FORCE  # repair ends disclosure, not the decision


def test_repair_needs_evidence_and_is_not_for_exits(setting):
    warning = services.record_sanction(setting.regulator, "organisation",
                                       setting.organisation.id, sanction_values(), today=TODAY)
    with pytest.raises(ValidationFailed) as failed:
        appeals.file_request(setting.owner, warning.id, "credit_repair", {"statement": "已整改"},
                             today=date(2026, 7, 1))
    assert "evidence" in failed.value.errors
    exit_ = services.record_sanction(setting.regulator, "organisation", setting.organisation.id,
                                     sanction_values(sanction_type="exit", disclosure_until=""),
                                     today=TODAY)
    with pytest.raises(StateConflict):
        appeals.file_request(setting.owner, exit_.id, "credit_repair",
                             {"statement": "已整改", "evidence": "材料"}, today=date(2030, 1, 1))


def test_a_repaired_abnormal_listing_is_lifted(setting):
    listing = services.record_sanction(setting.regulator, "organisation", setting.organisation.id,
                                       sanction_values(sanction_type="abnormal_list",
                                                       disclosure_until="2027-03-10"), today=TODAY)
    day = date(2026, 9, 10)
    request = appeals.file_request(setting.owner, listing.id, "credit_repair",
                                   {"statement": "已报送年度报告", "evidence": "年报回执"}, today=day)
    appeals.decide(setting.regulator, request.id, True, "已履行报送义务，移出异常名录。", today=day)

    assert listing.state is SanctionState.LIFTED


def test_only_the_party_may_appeal_and_only_the_jurisdiction_decides(setting):
    sanction = _suspend(setting)
    other = factories.make_user(factories.Role.ORG, organisation_id=setting.outside.id,
                                email="other@example.cn")
    db.session.commit()
    with pytest.raises(PermissionDenied):
        appeals.file_request(other, sanction.id, "appeal", {"statement": "不服"}, today=TODAY)
    appeal = appeals.file_request(setting.owner, sanction.id, "appeal", {"statement": "不服"},
                                  today=TODAY)
    with pytest.raises(PermissionDenied):
        appeals.decide(setting.outsider, appeal.id, True, "越权", today=TODAY)
    assert appeal.status is AppealStatus.PENDING


def test_the_employer_appeals_for_its_practitioner(setting):
    sanction = services.record_sanction(setting.regulator, "practitioner", setting.practitioner.id,
                                        sanction_values(), today=TODAY)

    appeal = appeals.file_request(setting.owner, sanction.id, "appeal", {"statement": "不服"},
                                  today=TODAY)

    assert appeal.sanction_id == sanction.id
    assert appeals.own_sanctions(setting.owner) == [sanction]
