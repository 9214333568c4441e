"""Fills an empty register with realistic, deterministic demo data (``flask demo seed``).

The same ``seed`` and number of organisations always give the same rows: every phase has
its own ``random.Random`` derived from the seed, and dates are fixed relative to
``clock.REFERENCE_DATE``. What differs between runs is only what must differ: password
hashes and encrypted ID numbers (random salts and IVs), the search-outbox and audit times.
The run ends with one audit event (``demo.seed``) that records the counts.

Everything is written in one transaction, so a failure leaves nothing behind.
"""
from __future__ import annotations

import contextlib
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, ContextManager, Iterator, Sequence

import sqlalchemy as sa
from registry.audit.services import record
from registry.auth.models import User
from registry.auth.passwords import hash_password
from registry.complaints.models import Complaint
from registry.database import utcnow
from registry.demo import accounts
from registry.demo.casework import CaseworkMaker
from registry.demo.clock import REFERENCE_DATE
from registry.demo.complaints import ComplaintMaker, Subject
from registry.demo.evaluations import (
    CRITERIA,
    RUBRIC_NAME,
    THRESHOLDS,
    EvaluationMaker,
    RubricInfo,
    rubric_rows,
)
from registry.demo.organisations import OrgPlan, OrgRowMaker, plan_organisations
from registry.demo.people import PeopleMaker
from registry.demo.places import CityProfile, PlacesError, load_city_profiles
from registry.demo.sanctions import SanctionMaker
from registry.demo.writer import BulkWriter
from registry.evaluation.models import (
    Association,
    DemonstrationDesignation,
    Evaluation,
    Rubric,
    RubricCriterion,
    Score,
    evaluation_assessors,
)
from registry.extensions import db
from registry.orgs.models import (
    PUBLIC_STATUSES,
    ChangeRequest,
    ChangeRequestKind,
    ChangeRequestStatus,
    Organisation,
    OrganisationStatus,
)
from registry.practitioners.models import Affiliation, Practitioner, Qualification
from registry.sanctions.models import (
    LicenceReferral,
    Sanction,
    SanctionAppeal,
    SanctionRecommendation,
)
from registry.search.hooks import note_written
from registry.search.models import OutboxOperation, SearchOutbox

DEFAULT_ORGS = 500
DEFAULT_SEED = 2026
CHUNK_ORGS = 1000
# When the reference rows (accounts, associations, rubric) are said to have been created.
SETUP_TIME = datetime(2020, 12, 1, 1, 0, tzinfo=timezone.utc)
OUTBOX_ENTITY_TYPE = "organisation"
# What demo organisations ask to change after approval (values as the validators store them).
PROPOSED_CHANGES = (
    {"opening_hours": "周一至周六 8:30–20:30（演示数据）"},
    {"fees": "个体咨询 260 元/50 分钟；低保家庭免费（演示数据）", "offers_public_benefit": True},
    {"phone": "139 5351 8899"},
    {"modalities": ["in_person", "phone", "online"]},
)

Progress = Callable[[str, int], ContextManager[Any]]


class SeedError(RuntimeError):
    """The demo data cannot be written (regions missing, register not empty …)."""


@dataclass(frozen=True)
class SeedOptions:
    """What to seed: how many organisations, with which seed, in which cities."""

    orgs: int = DEFAULT_ORGS
    seed: int = DEFAULT_SEED
    cities: tuple[str, ...] = ()


@dataclass
class SeedResult:
    """What was written."""

    counts: dict[str, int]
    statuses: dict[str, int]
    cities: list[str]
    city_names: list[str]
    rows: int = 0  # every row written, link tables and the search outbox included
    seconds: float = 0.0
    accounts: list[str] = field(default_factory=list)


class _SilentBar:
    def update(self, steps: int) -> None:
        """Ignore progress."""


@contextlib.contextmanager
def silent_progress(label: str, length: int) -> Iterator[_SilentBar]:
    """A progress reporter that reports nothing."""
    yield _SilentBar()


def organisation_count() -> int:
    """How many organisations the register holds."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Organisation))


def seed_demo(options: SeedOptions, progress: Progress = silent_progress) -> SeedResult:
    """Write the demo data and commit; raises SeedError (nothing written) if it cannot."""
    started = time.perf_counter()
    if options.orgs < 1:
        raise SeedError("--orgs must be at least 1.")
    if not options.cities:
        raise SeedError("No demo cities given (DEMO_CITIES or --cities).")
    try:
        cities = load_city_profiles(list(options.cities))
    except PlacesError as error:
        raise SeedError(str(error)) from error
    _check_nothing_in_the_way(cities)
    existing_rubric = reusable_rubric()
    writer = BulkWriter(db.session)
    try:
        result = _Seeder(options, cities, writer, progress, existing_rubric).run()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    result.seconds = time.perf_counter() - started
    return result


def _check_nothing_in_the_way(cities: list[CityProfile]) -> None:
    """Demo data goes only into a register without organisations or demo accounts."""
    existing = organisation_count()
    if existing:
        raise SeedError(f"The register already has {existing} organisations; demo data is only "
                        "seeded into an empty register (--if-empty skips quietly).")
    emails = [accounts.ADMIN_EMAIL] + [f(city.code) for city in cities
                                       for f in (accounts.regulator_email, accounts.assessor_email)]
    taken = db.session.scalars(sa.select(User.email).where(User.email.in_(emails))).all()
    names = [city.association_name for city in cities]
    taken += db.session.scalars(
        sa.select(Association.name).where(Association.name.in_(names))).all()
    if taken:
        raise SeedError("Demo records already exist: " + ", ".join(sorted(taken)) + ".")


def reusable_rubric() -> Rubric | None:
    """The shipped default rubric if it is already installed (``flask evaluation
    default-rubric``, or an earlier seed rolled back after the rubric was kept): the demo
    evaluations then use it rather than a second rubric of the same name.

    Only version 1 of that name is reused, and only if its criteria (names and maxima, in
    order) and thresholds are still the shipped ones, since the demo scores are made for
    them; otherwise SeedError says why.
    """
    rubric = db.session.scalars(
        sa.select(Rubric).where(Rubric.name == RUBRIC_NAME, Rubric.version == 1)).first()
    if rubric is None:
        return None
    criteria = [(criterion.name, float(criterion.max_points)) for criterion in rubric.criteria]
    shipped = [(name, float(points)) for name, points, _ in CRITERIA]
    thresholds = {key: float(getattr(rubric, key)) for key in THRESHOLDS}
    if criteria != shipped or thresholds != {k: float(v) for k, v in THRESHOLDS.items()}:
        raise SeedError(f"The rubric “{RUBRIC_NAME}” (version 1, id {rubric.id}) exists but "
                        "its criteria or thresholds differ from the shipped default; the demo "
                        "evaluations cannot use it.")
    return rubric


def _rng(seed: int, phase: str) -> random.Random:
    """An independent, reproducible random stream per phase."""
    return random.Random(f"{seed}:{phase}")


def _chunks(plans: Sequence[OrgPlan]) -> Iterator[Sequence[OrgPlan]]:
    for start in range(0, len(plans), CHUNK_ORGS):
        yield plans[start:start + CHUNK_ORGS]


class _Seeder:
    """The phases of one seeding run, in foreign-key order."""

    def __init__(self, options: SeedOptions, cities: list[CityProfile], writer: BulkWriter,
                 progress: Progress, existing_rubric: Rubric | None = None):
        self.options, self.cities, self.writer, self.progress = options, cities, writer, progress
        self.existing_rubric = existing_rubric
        self.staff = accounts.DemoStaff()
        self.password_hash = hash_password(accounts.DEMO_PASSWORD)
        self.user_emails: list[str] = []

    def run(self) -> SeedResult:
        """Write every phase, then the audit event; the caller commits."""
        self._reference_rows()
        rubric = self._rubric()
        with self.progress("Planning      ", self.options.orgs) as bar:
            plans = plan_organisations(self._rng("organisations"), self.cities,
                                       self.options.orgs, self.writer.take_id, bar.update)
        self._organisations(plans)
        self._people(plans)
        self._evaluations(plans, rubric)
        self._sanctions(plans)
        self._change_requests(plans)
        self._complaints(plans)
        self.writer.reset_sequences()
        result = self._result(plans)
        record("demo.seed", "database", actor_role="system", after=self._summary(result))
        return result

    def _rng(self, phase: str) -> random.Random:
        return _rng(self.options.seed, phase)

    def _reference_rows(self) -> None:
        rng, take_id = self._rng("reference"), self.writer.take_id
        rows = []
        for city in self.cities:
            self.staff.associations[city.code] = take_id("associations")
            rows.append(accounts.association_row(rng, self.staff.associations[city.code], city,
                                                 SETUP_TIME))
        self.writer.insert(Association, rows)
        users = accounts.staff_rows(self.staff, self.cities, self.password_hash, SETUP_TIME,
                                    take_id)
        self._insert_users(users)

    def _insert_users(self, rows: list[dict]) -> None:
        self.writer.insert(User, rows)
        self.user_emails.extend(row["email"] for row in rows)

    def _rubric(self) -> RubricInfo:
        """The default rubric: the one already installed, else a new row with its criteria."""
        if self.existing_rubric is not None:
            rubric = self.existing_rubric
            return RubricInfo(rubric.id, tuple((criterion.id, float(criterion.max_points))
                                               for criterion in rubric.criteria),
                              float(rubric.excellent_min), float(rubric.good_min),
                              float(rubric.pass_min))
        take_id = self.writer.take_id
        rubric_id = take_id("rubrics")
        criterion_ids = [take_id("rubric_criteria") for _ in CRITERIA]
        rubric, criteria = rubric_rows(rubric_id, criterion_ids, SETUP_TIME)
        self.writer.insert(Rubric, [rubric])
        self.writer.insert(RubricCriterion, criteria)
        return RubricInfo(rubric_id, tuple((row["id"], row["max_points"]) for row in criteria),
                          THRESHOLDS["excellent_min"], THRESHOLDS["good_min"],
                          THRESHOLDS["pass_min"])

    def _organisations(self, plans: list[OrgPlan]) -> None:
        maker, queued_at = OrgRowMaker(self._rng("organisation rows")), utcnow()
        with self.progress("Organisations ", len(plans)) as bar:
            for chunk in _chunks(plans):
                self.writer.insert(Organisation, [maker.row(plan) for plan in chunk])
                changes = [
                    {"id": self.writer.take_id("search_outbox"), "entity_type": OUTBOX_ENTITY_TYPE,
                     "entity_id": plan.id, "operation": OutboxOperation.UPSERT,
                     "created_at": queued_at}
                    for plan in chunk if plan.status in PUBLIC_STATUSES]
                self.writer.insert(SearchOutbox, changes)
                note_written(self.writer.session, len(changes))
                bar.update(len(chunk))
        org_accounts = accounts.organisation_account_rows(plans, self.password_hash,
                                                          self.writer.take_id)
        self.org_accounts = {row["organisation_id"]: row["id"] for row in org_accounts}
        self._insert_users(org_accounts)

    def _people(self, plans: list[OrgPlan]) -> None:
        maker = PeopleMaker(self._rng("people"), self.writer.take_id, self.staff.regulators)
        with self.progress("Practitioners ", len(plans)) as bar:
            for chunk in _chunks(plans):
                rows = maker.rows_for(list(chunk))
                self.writer.insert(Practitioner, rows.practitioners)
                self.writer.insert(Affiliation, rows.affiliations)
                self.writer.insert(Qualification, rows.qualifications)
                bar.update(len(chunk))

    def _evaluations(self, plans: list[OrgPlan], rubric: RubricInfo) -> None:
        maker = EvaluationMaker(self._rng("evaluations"), self.writer.take_id, rubric,
                                self.staff.associations, self.staff.assessors)
        with self.progress("Evaluations   ", len(plans)) as bar:
            for chunk in _chunks(plans):
                rows = maker.rows_for(list(chunk))
                self.writer.insert(Evaluation, rows.evaluations)
                self.writer.insert(evaluation_assessors, rows.assessors)
                self.writer.insert(Score, rows.scores)
                bar.update(len(chunk))
        bodies = {city.code: f"{city.name}卫生健康委员会" for city in self.cities}
        self.writer.insert(DemonstrationDesignation,
                           maker.designation_rows(self.writer.take_id, bodies,
                                                  self.staff.regulators))

    def _sanctions(self, plans: list[OrgPlan]) -> None:
        maker = SanctionMaker(self._rng("sanctions"), self.writer.take_id, self.staff.regulators)
        sanctions = maker.rows_for(plans)
        casework = CaseworkMaker(self._rng("casework"), self.writer.take_id, self.staff,
                                 self.staff.associations).rows_for(plans, sanctions)
        self.writer.insert(SanctionRecommendation, casework.recommendations)
        self.writer.insert(Sanction, sanctions)
        self.writer.insert(SanctionAppeal, casework.appeals)
        self.writer.insert(LicenceReferral, casework.referrals)

    def _change_requests(self, plans: list[OrgPlan]) -> None:
        """Pending changes awaiting review: every demo organisation account's active
        organisation has one (so its staff see it), and about one in a hundred others."""
        rng = self._rng("change requests")
        rows = []
        for plan in plans:
            if plan.status is not OrganisationStatus.ACTIVE or plan.fate is not None:
                continue
            has_account = plan.id in self.org_accounts
            if not has_account and rng.random() >= 0.01:
                continue
            asked = datetime.combine(REFERENCE_DATE, datetime.min.time(), timezone.utc) - timedelta(
                days=rng.randint(1, 60), minutes=rng.randint(0, 600))
            if plan.approved is not None:  # never asked before the registration was approved
                asked = max(asked, plan.approved + timedelta(days=1))
            rows.append({
                "id": self.writer.take_id("change_requests"), "organisation_id": plan.id,
                "kind": ChangeRequestKind.CHANGE, "status": ChangeRequestStatus.PENDING,
                "changes": rng.choice(PROPOSED_CHANGES), "reason": None,
                "requested_by_id": self.org_accounts.get(plan.id), "decided_by_id": None,
                "decided_at": None, "decision_reason": None,
                "created_at": asked, "updated_at": asked,
            })
        self.writer.insert(ChangeRequest, rows)

    def _complaints(self, plans: list[OrgPlan]) -> None:
        """Complaints from the public in every state, about organisations and practitioners."""
        maker = ComplaintMaker(self._rng("complaints"), self.writer.take_id, self.staff)
        picked = maker.pick(maker.candidates(plans))
        ids = sorted({plan.id for plan in picked})
        working: dict[int, list[int]] = {}
        for start in range(0, len(ids), 500):  # well inside every driver's parameter limit
            for organisation_id, practitioner_id in db.session.execute(
                    sa.select(Affiliation.organisation_id, Affiliation.practitioner_id)
                    .where(Affiliation.end_date.is_(None),
                           Affiliation.organisation_id.in_(ids[start:start + 500]))
                    .order_by(Affiliation.organisation_id, Affiliation.practitioner_id)):
                working.setdefault(organisation_id, []).append(practitioner_id)
        subjects = [Subject(plan, tuple(working.get(plan.id, ()))) for plan in picked]
        self.writer.insert(Complaint, maker.rows_for(subjects))

    def _result(self, plans: list[OrgPlan]) -> SeedResult:
        statuses: dict[str, int] = {}
        for plan in plans:
            statuses[plan.status.value] = statuses.get(plan.status.value, 0) + 1
        counts = self.writer.counts
        return SeedResult(
            counts={
                "organisations": counts["organisations"], "practitioners": counts["practitioners"],
                "affiliations": counts["affiliations"], "qualifications": counts["qualifications"],
                "evaluations": counts["evaluations"], "scores": counts["scores"],
                "designations": counts["demonstration_designations"],
                "sanctions": counts["sanctions"], "associations": counts["associations"],
                "recommendations": counts.get("sanction_recommendations", 0),
                "appeals": counts.get("sanction_appeals", 0),
                "referrals": counts.get("licence_referrals", 0),
                "rubrics": counts["rubrics"], "users": counts["users"],
                "change_requests": counts.get("change_requests", 0),
                "complaints": counts.get("complaints", 0),
            },
            statuses=dict(sorted(statuses.items())),
            cities=[city.code for city in self.cities],
            city_names=[city.name for city in self.cities],
            rows=sum(counts.values()) + 1,  # + the audit event
            accounts=self.user_emails,
        )

    def _summary(self, result: SeedResult) -> dict:
        return {"seed": self.options.seed, "cities": result.cities,
                "reference_date": REFERENCE_DATE.isoformat(), "counts": result.counts,
                "statuses": result.statuses}
