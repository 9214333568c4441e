"""Shared helpers for the demo-data tests."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from registry.auth.models import User
from registry.complaints.models import Complaint
from registry.demo.seed import SeedOptions, SeedResult, seed_demo
from registry.evaluation.models import Evaluation
from registry.extensions import db
from registry.orgs.models import Organisation
from registry.practitioners.models import Affiliation, Practitioner, Qualification
from registry.regions.models import Region
from registry.sanctions.models import Sanction

DEMO_CITIES = ("370600", "371300", "370400", "510700")


def seed(orgs: int = 40, seed_value: int = 7, cities: tuple[str, ...] = DEMO_CITIES) -> SeedResult:
    """Seed through the service (faster than the CLI, same code path below it)."""
    return seed_demo(SeedOptions(orgs=orgs, seed=seed_value, cities=cities))


def count(model) -> int:
    """Rows in ``model``'s table."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def data_digest() -> str:
    """SHA-256 over the demo's natural keys and values (no ids, no random salts or IVs)."""
    org = aliased(Organisation)
    queries = [
        sa.select(Organisation.uscc, Organisation.name, Organisation.org_type,
                  Organisation.region_code, Organisation.status, Organisation.address,
                  Organisation.phone, Organisation.website, Organisation.fees,
                  Organisation.services, Organisation.approved_at).order_by(Organisation.uscc),
        sa.select(org.uscc, Practitioner.name, Practitioner.gender, Practitioner.id_number_digest,
                  Affiliation.role, Affiliation.start_date)
        .join(Affiliation, Affiliation.practitioner_id == Practitioner.id)
        .join(org, org.id == Affiliation.organisation_id)
        .order_by(org.uscc, Practitioner.id_number_digest, Affiliation.start_date),
        sa.select(Qualification.kind, Qualification.certificate_number, Qualification.state)
        .order_by(Qualification.kind, Qualification.certificate_number),
        sa.select(org.uscc, Evaluation.cycle, Evaluation.total, Evaluation.grade)
        .join(org, org.id == Evaluation.organisation_id).order_by(org.uscc, Evaluation.cycle),
        sa.select(Sanction.decision_number, Sanction.sanction_type, Sanction.disclosure_until)
        .order_by(Sanction.decision_number),
        sa.select(User.email, User.role).order_by(User.email),
        sa.select(Complaint.reference, Complaint.status, Complaint.category,
                  Complaint.region_code, Complaint.created_at).order_by(Complaint.reference),
    ]
    digest = hashlib.sha256()
    for query in queries:
        for row in db.session.execute(query):
            digest.update(repr(tuple(row)).encode("utf-8"))
    return digest.hexdigest()


def wipe_all_but_regions() -> None:
    """Empty every table except the regions, children first."""
    for table in reversed(db.metadata.sorted_tables):
        if table.name != Region.__tablename__:
            db.session.execute(table.delete())
    db.session.commit()
