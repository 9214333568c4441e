"""Index documents built from the database: public records and public fields only.

Every value placed in a document is listed here, field by field; the ID number (its digest
and ciphertext), contact details of people and anything else private is never read, so it
cannot reach the index, a result page or the API.
"""
from __future__ import annotations

from array import array
from collections import defaultdict
from datetime import date
from typing import Iterable, Iterator, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registry import vocabulary
from registry.evaluation.models import DemonstrationDesignation, Evaluation, EvaluationState
from registry.orgs.models import PUBLIC_STATUSES, Organisation, OrganisationStatus
from registry.practitioners.models import Affiliation, Practitioner, Qualification, VerificationState
from registry.regions.models import Region
from registry.regions.services import region_prefix
from registry.sanctions.models import Sanction
from registry.search.analysis import (
    name_syllables,
    normalise,
    pinyin_sort_key,
    pinyin_tokens,
    text_tokens,
)
from registry.sanctions.status import standings

GRADE_RANK = {"excellent": 3, "good": 2, "pass": 1, "fail": -1}
SHOWN_QUALIFICATION_STATES = (VerificationState.VERIFIED, VerificationState.EXPIRED)
DESCRIPTION_CHARS = 80  # the start of a description is what distinguishes it
BATCH = 1000


def label_source(term: vocabulary.Term) -> str:
    """The Chinese label of a vocabulary term (the catalog's msgid), whatever the locale."""
    label = term.label
    args = getattr(label, "_args", None)
    return args[0] if args else str(label)


def name_sort_number(name: str, runs: list[list[str]] | None = None) -> int:
    """The first 12 letters of a name's pinyin as a base-27 number (sorts like the text)."""
    key = pinyin_sort_key(name, runs)
    number = 0
    for position in range(12):
        char = key[position] if position < len(key) else " "
        digit = ord(char) - 96 if "a" <= char <= "z" else 0
        number = number * 27 + digit
    return number


def region_filter_terms(code: str) -> set[str]:
    """``region:37``, ``region:3706``, ``region:370602``: a filter by any ancestor matches."""
    return {"region:" + code[:2], "region:" + code[:4], "region:" + code,
            "region:" + region_prefix(code)}


def region_names(session: Session) -> dict[str, str]:
    """Every region code with its name (a few thousand rows)."""
    return dict(session.execute(sa.select(Region.code, Region.name)).all())


# --- organisations --------------------------------------------------------------------------

def organisation_document(org: Organisation, evaluation: Optional[tuple], demonstration: bool,
                          sanctions: list[dict], names: dict[str, str],
                          status: Optional[str] = None) -> dict:
    """The index document of one public organisation; ``status``: its status on the day the
    document is made (``registry.sanctions.status``), the stored one when not given."""
    grade, total = evaluation if evaluation else (None, None)
    status = status or org.status.value
    runs = name_syllables(org.name)
    name_tokens = text_tokens(org.name, unigrams=True) | pinyin_tokens(runs)
    text = (text_tokens(org.address)
            | text_tokens(org.description, limit=DESCRIPTION_CHARS)
            | text_tokens(org.public_benefit_note, limit=60))
    filters = {"status:" + status, "type:" + org.org_type} | region_filter_terms(org.region_code)
    filters.update("service:" + code for code in org.services or ())
    filters.update("population:" + code for code in org.populations or ())
    filters.update("modality:" + code for code in org.modalities or ())
    if demonstration:
        filters.add("demonstration:1")
    if grade:
        filters.add("grade:" + grade)
    if org.offers_public_benefit:
        filters.add("free:1")
    rank = (100_000 if demonstration else 0) + GRADE_RANK.get(grade, 0) * 10_000 \
        + int(round((total or 0) * 10))
    return {
        "id": str(org.id),
        "name": list(name_tokens),
        "text": list(text),
        "ident": [org.uscc.lower(), "n:" + normalise(org.name)] if org.uscc
        else ["n:" + normalise(org.name)],
        "f": list(filters),
        "key": org.id,
        "rank": rank,
        "total": int(round(total * 10)) + 1 if total is not None else 0,
        "name_key": name_sort_number(org.name, runs),
        "data": {
            "id": org.id, "name": org.name, "uscc": org.uscc, "org_type": org.org_type,
            "region_code": org.region_code, "region_name": names.get(org.region_code, ""),
            "address": org.address or "", "phone": org.phone or "",
            "description": (org.description or "")[:200], "status": status,
            "services": list(org.services or ()), "populations": list(org.populations or ()),
            "modalities": list(org.modalities or ()), "grade": grade,
            "total": total, "demonstration": demonstration,
            "free": bool(org.offers_public_benefit), "sanctions": sanctions,
        },
    }


# The state of evaluations, qualifications and affiliated organisations is checked here rather
# than in the queries' WHERE clauses: SQLite (without ANALYZE statistics) otherwise walks the
# state index — every published evaluation, verified certificate or active organisation of
# the country — for each batch of records, which made a rebuild quadratic and a single
# change's sync take half a second at 100,000 organisations. Selected by the record's own
# index, a batch reads only its own rows.

def _latest_grades(session: Session, ids: list[int]) -> dict[int, tuple]:
    rows = session.execute(
        sa.select(Evaluation.organisation_id, Evaluation.grade, Evaluation.total,
                  Evaluation.state)
        .where(Evaluation.organisation_id.in_(ids))
        .order_by(*Evaluation.latest_first())
    )
    latest: dict[int, tuple] = {}
    for organisation_id, grade, total, state in rows:
        if state == EvaluationState.PUBLISHED:
            latest.setdefault(organisation_id, (grade.value if grade else None, total))
    return latest


def _demonstration_ids(session: Session, ids: list[int], today: date) -> set[int]:
    return set(session.scalars(
        sa.select(DemonstrationDesignation.organisation_id)
        .where(DemonstrationDesignation.organisation_id.in_(ids),
               DemonstrationDesignation.current_condition(today))
    ))


def _sanctions(session: Session, column, ids: list[int], today: date) -> dict[int, list[dict]]:
    """Sanctions disclosed today, newest first, as type and disclosure end (for the badge)."""
    found: dict[int, list[dict]] = defaultdict(list)
    for sanction in session.scalars(
        sa.select(Sanction).where(column.in_(ids))
        .order_by(Sanction.decision_date.desc(), Sanction.id.desc())
    ):
        if sanction.is_disclosed(today):
            subject = sanction.organisation_id or sanction.practitioner_id
            found[subject].append({
                "type": sanction.sanction_type.value,
                "until": sanction.disclosure_until.isoformat() if sanction.disclosure_until else None,
            })
    return found


def organisation_documents(session: Session, ids: list[int], today: date,
                           names: dict[str, str]) -> dict[int, Optional[dict]]:
    """Documents of organisations ``ids``; None for one that is gone or not public."""
    result: dict[int, Optional[dict]] = {i: None for i in ids}
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        orgs = session.scalars(sa.select(Organisation).where(
            Organisation.id.in_(batch), Organisation.status.in_(PUBLIC_STATUSES))).all()
        grades = _latest_grades(session, batch)
        demonstration = _demonstration_ids(session, batch, today)
        sanctions = _sanctions(session, Sanction.organisation_id, batch, today)
        standing = standings(orgs, today, session)
        for org in orgs:
            result[org.id] = organisation_document(org, grades.get(org.id), org.id in demonstration,
                                                   sanctions.get(org.id, []), names,
                                                   standing[org.id].value)
    return result


def all_organisation_ids(session: Session) -> list[int]:
    """Ids of every public organisation (what a rebuild indexes)."""
    return list(session.scalars(sa.select(Organisation.id)
                                .where(Organisation.status.in_(PUBLIC_STATUSES))
                                .order_by(Organisation.id)))


# --- practitioners --------------------------------------------------------------------------

def practitioner_document(person: Practitioner, affiliations: list[tuple],
                          qualifications: list[tuple], sanctions: list[dict]) -> Optional[dict]:
    """The document of a practitioner with a public affiliation or a verified qualification."""
    current = [row for row in affiliations if row[3]]
    if not affiliations and not qualifications:
        return None
    runs = name_syllables(person.name)
    name_tokens = text_tokens(person.name, unigrams=True) | pinyin_tokens(runs)
    # Organisation names are not copied into practitioners' documents: a query word is
    # matched against the organisation index and joined through the ``org`` column
    # (registry.search.services), which keeps this index small and fast to rebuild.
    filters = {"status:active"}
    for organisation_id, _, region_code, _ in current:
        filters |= region_filter_terms(region_code)
        filters.add(f"org:{organisation_id}")
    filters.update("qualification:" + kind for kind, _, _ in qualifications)
    filters.update("specialty:" + code for code in person.specialties or ())
    ident = ["n:" + normalise(person.name)] + [number.lower() for _, number, _ in qualifications]
    verified = sum(1 for _, _, state in qualifications if state == "verified")
    return {
        "id": str(person.id),
        "name": list(name_tokens),
        "text": [],
        "ident": ident,
        "f": list(filters),
        "key": person.id,
        "org": current[0][0] if current else 0,
        "orgs": array("I", [row[0] for row in current[1:]]).tobytes() if len(current) > 1
        else None,
        "rank": verified * 10 + len(current),
        "total": 0,
        "name_key": name_sort_number(person.name, runs),
        "data": {
            "id": person.id, "name": person.name,
            "organisations": [{"id": row[0], "name": row[1], "region_code": row[2]}
                              for row in current],
            "qualifications": [{"kind": kind, "state": state}
                               for kind, _, state in qualifications],
            "specialties": list(person.specialties or ()),
            "sanctions": sanctions,
        },
    }


def practitioner_documents(session: Session, ids: list[int],
                           today: date) -> dict[int, Optional[dict]]:
    """Documents of practitioners ``ids``; None for one with nothing public."""
    result: dict[int, Optional[dict]] = {i: None for i in ids}
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        affiliations: dict[int, list[tuple]] = defaultdict(list)
        for row in session.execute(
            sa.select(Affiliation.practitioner_id, Organisation.id, Organisation.name,
                      Organisation.region_code, Affiliation.end_date, Organisation.status)
            .join(Organisation, Organisation.id == Affiliation.organisation_id)
            .where(Affiliation.practitioner_id.in_(batch))  # status: see _latest_grades
            .order_by(Affiliation.start_date.desc(), Affiliation.id.desc())
        ):
            if row[5] in PUBLIC_STATUSES:
                affiliations[row[0]].append((row[1], row[2], row[3], row[4] is None))
        qualifications: dict[int, list[tuple]] = defaultdict(list)
        for practitioner_id, kind, number, state in session.execute(
            sa.select(Qualification.practitioner_id, Qualification.kind,
                      Qualification.certificate_number, Qualification.state)
            .where(Qualification.practitioner_id.in_(batch))  # state: see _latest_grades
            .order_by(Qualification.id)
        ):
            if state in SHOWN_QUALIFICATION_STATES:
                qualifications[practitioner_id].append((kind, number, state.value))
        sanctions = _sanctions(session, Sanction.practitioner_id, batch, today)
        for person in session.scalars(sa.select(Practitioner).where(Practitioner.id.in_(batch))):
            result[person.id] = practitioner_document(
                person, affiliations.get(person.id, []), qualifications.get(person.id, []),
                sanctions.get(person.id, []))
    return result


def all_practitioner_ids(session: Session) -> list[int]:
    """Ids of every practitioner (those with nothing public are skipped when built)."""
    return list(session.scalars(sa.select(Practitioner.id).order_by(Practitioner.id)))


def practitioners_of(session: Session, organisation_ids: Iterable[int]) -> set[int]:
    """Practitioners affiliated to any of the organisations (their documents name them)."""
    ids = list(organisation_ids)
    if not ids:
        return set()
    return set(session.scalars(sa.select(Affiliation.practitioner_id)
                               .where(Affiliation.organisation_id.in_(ids))))


def iter_batches(ids: list[int], size: int = BATCH) -> Iterator[list[int]]:
    """``ids`` in slices of ``size``."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


PUBLIC_STATUS_CODES = tuple(status.value for status in PUBLIC_STATUSES)
ACTIVE = OrganisationStatus.ACTIVE.value
