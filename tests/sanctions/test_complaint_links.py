"""The loop from a complaint: referred to the association, which recommends; the regulator
records the sanction; the complaint page lists both, and a link to another subject's
complaint is refused."""
from __future__ import annotations

import pytest

from registry.auth.policy import PermissionDenied
from registry.complaints import services as complaints
from registry.sanctions import recommendations, services
from registry.validation import ValidationFailed
from tests.sanctions.conftest import TODAY, suspension_values

COMPLAINT = {"category": "unqualified_practice", "summary": "咨询师建议我停药",
             "details": "第三次咨询时，咨询师建议我停用医生开的药。", "name": "张三",
             "contact": "13953518899"}


def test_complaint_to_recommendation_to_sanction(setting, client, auth):
    complaint = complaints.file_complaint(COMPLAINT, organisation_id=setting.organisation.id)
    complaints.refer(setting.regulator, complaint.id, setting.association.id)

    recommendation = recommendations.file_recommendation(
        setting.assessor, "organisation", setting.organisation.id,
        {"proposed_type": "suspension", "facts": "经核查，投诉属实。", "complaint_id": complaint.id})
    sanction = services.record_sanction(
        setting.regulator, "organisation", setting.organisation.id,
        suspension_values(recommendation_id=recommendation.id), today=TODAY)

    assert recommendation.complaint_id == complaint.id
    assert sanction.complaint_id == complaint.id  # carried over from the recommendation
    auth.login(setting.regulator.email)
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert sanction.decision_number in page


def test_a_complaint_about_someone_else_cannot_be_linked(setting):
    other = complaints.file_complaint(COMPLAINT, practitioner_id=setting.practitioner.id)

    with pytest.raises(ValidationFailed) as failed:
        services.record_sanction(setting.regulator, "organisation", setting.organisation.id,
                                 suspension_values(complaint_id=other.id), today=TODAY)
    assert "complaint_id" in failed.value.errors
    with pytest.raises(PermissionDenied):  # not referred to the association
        recommendations.file_recommendation(
            setting.assessor, "practitioner", setting.practitioner.id,
            {"proposed_type": "warning", "facts": "投诉属实。", "complaint_id": other.id})
