"""Imports every domain's models so that the ORM and Alembic see the whole schema."""
from registry.audit.models import AuditEvent  # noqa: F401
from registry.auth.models import ApiToken, Role, User  # noqa: F401
from registry.complaints.models import Complaint, ComplaintStatus  # noqa: F401
from registry.evaluation.models import (  # noqa: F401
    Association,
    DemonstrationDesignation,
    Evaluation,
    EvaluationState,
    Grade,
    Rubric,
    RubricCriterion,
    Score,
    evaluation_assessors,
)
from registry.orgs.models import (  # noqa: F401
    ChangeRequest,
    ChangeRequestKind,
    ChangeRequestStatus,
    Organisation,
    OrganisationStatus,
)
from registry.practitioners.models import (  # noqa: F401
    Affiliation,
    AffiliationRole,
    Gender,
    Practitioner,
    Qualification,
    VerificationState,
)
from registry.regions.models import Region, RegionLevel  # noqa: F401
from registry.sanctions.models import (  # noqa: F401
    AppealKind,
    AppealStatus,
    LicenceReferral,
    RecommendationStatus,
    ReferralOutcome,
    Sanction,
    SanctionAppeal,
    SanctionRecommendation,
    SanctionState,
    SanctionType,
)
from registry.search.models import OutboxOperation, SearchOutbox  # noqa: F401
