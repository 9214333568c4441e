"""The search entry points: ``search_organisations(query)`` and ``search_practitioners(query)``.

Both take a parsed query (``registry.search.query``) and return a ``SearchResult`` with the
page of hits (public fields, highlighted name and snippet), the total, facet counts under the
current query, and — when nothing is found — a did-you-mean suggestion and the nearest wider
region that has results. While the index is missing (the worker is building it), organisations
are searched by name in the database instead and the result says so (``limited``).
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from pypinyin import lazy_pinyin
import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from registry import vocabulary
from registry.evaluation.models import Grade
from registry.extensions import db
from registry.public import labels
from registry.orgs.models import Organisation, OrganisationStatus
from registry.regions.services import ancestors, children, get_region, region_prefix
from registry.search import engine
from registry.search.analysis import homophones, is_cjk, normalise
from registry.search.matching import (
    ORGANISATION_LABELS,
    PRACTITIONER_LABELS,
    Match,
    highlight,
    match,
    query_words,
    word_match,
)
from registry.search.query import GRADES_BEST_FIRST, STATUSES, OrganisationQuery, PractitionerQuery
from registry.search.storage import ORGANISATIONS, PRACTITIONERS, IndexUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FacetCount:
    """One value of a facet: how many results it would give, and whether it is chosen."""

    code: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Hit:
    """One result: the stored public fields plus highlighted name and snippet."""

    id: int
    data: dict
    name_html: str
    snippet_html: str


@dataclass(frozen=True)
class WiderRegion:
    """The nearest enclosing region (or the whole country: code None) that has results."""

    code: Optional[str]
    name: str
    count: int


@dataclass
class SearchResult:
    """A page of results and everything the page and the API show around it."""

    items: list[Hit]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    suggestion: Optional[str] = None
    wider_region: Optional[WiderRegion] = None
    limited: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# --- the index, read-only ----------------------------------------------------------------
# Requests never write the index: this host's ``flask search worker`` keeps it current from
# the change log (in the test suite, the commit hook does). A request opens the newest
# generation read-only; while there is none, organisations are searched in the database.

def _index_dir() -> str:
    return current_app.config["SEARCH_INDEX_DIR"]


def engine_ready(kind: str) -> bool:
    """Whether index ``kind`` can be searched now."""
    return _open(kind) is not None


def _open(kind: str):
    if not os.path.isdir(_index_dir()):  # no index yet; and a request creates nothing
        return None
    try:
        return engine.snapshot(kind, _index_dir())
    except IndexUnavailable:
        return None


# --- filters and facets ---------------------------------------------------------------------

def _region_term(code: str) -> str:
    return "region:" + region_prefix(code)


def _and(masks) -> Optional[np.ndarray]:
    result = None
    for mask in masks:
        result = mask if result is None else result & mask
    return result


def _status_mask(snap, found: Match, statuses: tuple[str, ...]) -> np.ndarray:
    """Chosen statuses; by default active ones, and others only by exact name or USCC."""
    if statuses:
        return snap.any_of("f", ["status:" + status for status in statuses])
    others = snap.any_of("f", ["status:suspended", "status:exited"])
    return snap.term("f", "status:active") | (others & found.exact)


def _organisation_filters(snap, query: OrganisationQuery) -> dict[str, np.ndarray]:
    filters = {}
    if query.region:
        filters["region"] = snap.term("f", _region_term(query.region))
    for group, prefix, values in (("type", "type", query.types),
                                  ("service", "service", query.services),
                                  ("population", "population", query.populations),
                                  ("modality", "modality", query.modalities)):
        if values:
            filters[group] = snap.any_of("f", [f"{prefix}:{value}" for value in values])
    if query.demonstration:
        filters["demonstration"] = snap.term("f", "demonstration:1")
    if query.min_grade:
        allowed = GRADES_BEST_FIRST[:GRADES_BEST_FIRST.index(query.min_grade) + 1]
        filters["min_grade"] = snap.any_of("f", ["grade:" + grade for grade in allowed])
    return filters


def _except(base: np.ndarray, filters: dict, group: str) -> np.ndarray:
    others = _and(mask for name, mask in filters.items() if name != group)
    return base if others is None else base & others


def _count(mask: np.ndarray, other: np.ndarray) -> int:
    return int(np.count_nonzero(mask & other))


_labels_by_locale: dict[tuple[str, str, str], str] = {}


def _label(term) -> str:
    """A vocabulary label in the request's language (translated once per process)."""
    key = (str(get_locale()), id(term), term.code)
    label = _labels_by_locale.get(key)
    if label is None:
        label = _labels_by_locale[key] = str(term.label)
    return label


def _vocabulary_facet(snap, base, prefix: str, terms, chosen) -> list[FacetCount]:
    facets = []
    for term in terms:
        count = _count(base, snap.term("f", f"{prefix}:{term.code}"))
        if count or term.code in chosen:
            facets.append(FacetCount(term.code, _label(term), count, term.code in chosen))
    return facets


def _region_facet(snap, base, region: Optional[str]) -> list[FacetCount]:
    rows = snap.regions.get(region)
    if rows is None:  # regions are reference data: read once per snapshot
        rows = snap.regions[region] = [(child.code, child.name) for child in children(region)]
    counts = []
    for code, name in rows:
        count = _count(base, snap.term("f", _region_term(code)))
        if count:
            counts.append(FacetCount(code, name, count, False))
    return counts


def _organisation_facets(snap, found: Match, filters, query: OrganisationQuery,
                         status: np.ndarray) -> dict[str, list[FacetCount]]:
    base = found.mask & status
    facets = {"region": _region_facet(snap, _except(base, filters, "region"), query.region)}
    for group, terms, chosen in (("type", vocabulary.ORGANISATION_TYPES, query.types),
                                 ("service", vocabulary.SERVICES, query.services),
                                 ("population", vocabulary.POPULATIONS, query.populations),
                                 ("modality", vocabulary.MODALITIES, query.modalities)):
        facets[group] = _vocabulary_facet(snap, _except(base, filters, group), group, terms, chosen)
    grade_base = _except(base, filters, "min_grade")
    facets["min_grade"] = [
        FacetCount(grade, grade_label(grade),
                   _count(grade_base, snap.any_of("f", ["grade:" + g for g in
                                                         GRADES_BEST_FIRST[:position + 1]])),
                   grade == query.min_grade)
        for position, grade in enumerate(GRADES_BEST_FIRST)]
    demo_base = _except(base, filters, "demonstration")
    facets["demonstration"] = [FacetCount("1", _("示范单位"),
                                          _count(demo_base, snap.term("f", "demonstration:1")),
                                          query.demonstration)]
    status_base = _except(found.mask, filters, "")
    if not query.statuses:
        status_base = status_base & (snap.term("f", "status:active") | found.exact)
    facets["status"] = [FacetCount(status, _status_label(status),
                                   _count(status_base, snap.term("f", "status:" + status)),
                                   status in query.statuses) for status in STATUSES]
    return facets


def _status_label(status: str) -> str:
    return str(labels.ORGANISATION_STATUS[OrganisationStatus(status)])


def grade_label(grade: str) -> str:
    """The label of a grade code (优秀, 良好, …)."""
    return str(labels.GRADE[Grade(grade)])


# --- ordering and hits ----------------------------------------------------------------------

def _order_keys(snap, found: Match, sort: str) -> list[np.ndarray]:
    rank = snap.column("rank")
    if sort == "total":
        return [snap.column("total"), found.tier, rank]
    if sort == "name":
        return [-snap.column("name_key")]
    return [found.tier * (1 << 24) + rank] if found.has_text else [rank]


def _hits(snap, docnums, found: Match, snippet_fields: tuple[str, ...]) -> list[Hit]:
    hits = []
    for docnum in docnums:
        data = snap.stored(docnum)
        snippet = ""
        for name in snippet_fields:
            value = data.get(name) or ""
            if isinstance(value, list):
                value = "、".join(item.get("name", "") for item in value)
            if value and (not found.highlight or any(t in normalise(value) for t in found.highlight)):
                snippet = value
                break
        hits.append(Hit(int(data["id"]), data, str(highlight(data.get("name"), found.highlight)),
                        str(highlight(snippet, found.highlight, width=80))))
    return hits


# --- nothing found --------------------------------------------------------------------------

def _correction(snap, bigram: str) -> Optional[str]:
    """The most frequent indexed name bigram that sounds like ``bigram``: Chinese is typed
    through pinyin input methods, so typing errors are mostly homophones (心里 for 心理)."""
    reader = snap.searcher.reader()
    best, best_frequency = None, 0
    for position in (0, 1):
        sound = lazy_pinyin(bigram[position])[0]
        for char in homophones().get(sound, ()):
            candidate = bigram[:position] + char + bigram[position + 1:]
            if candidate == bigram or not snap.has_name_bigram(candidate):
                continue
            frequency = reader.doc_frequency("name", candidate)
            if frequency > best_frequency:
                best, best_frequency = candidate, frequency
    return best


def _suggest(snap, text: str, labels) -> Optional[str]:
    """A did-you-mean from the index vocabulary (names' bigrams, by sound), only if it
    finds something."""
    corrected = []
    for word in query_words(normalise(text)):
        if is_cjk(word) and len(word) >= 2 and not match(snap, word, labels).mask.any():
            for position in range(len(word) - 1):
                bigram = word[position:position + 2]
                if not snap.has_name_bigram(bigram):
                    replacement = _correction(snap, bigram)
                    if replacement:
                        word = word[:position] + replacement + word[position + 2:]
        corrected.append(word)
    suggestion = ("" if all(is_cjk(word) for word in corrected) else " ").join(corrected)
    if suggestion == normalise(text).replace(" ", "") or suggestion == normalise(text):
        return None
    return suggestion if match(snap, suggestion, labels).mask.any() else None


def _wider_region(snap, region: Optional[str], count_in) -> Optional[WiderRegion]:
    """The nearest region enclosing ``region`` where ``count_in(term or None)`` finds any."""
    if not region:
        return None
    current = get_region(region)
    for wider in reversed(ancestors(current)[:-1]):
        count = count_in(snap.term("f", _region_term(wider.code)))
        if count:
            return WiderRegion(wider.code, wider.name, count)
    count = count_in(None)
    return WiderRegion(None, _("全国"), count) if count else None


def _explain_nothing(result: SearchResult, snap, query, base, filters, labels) -> None:
    """Fill in the did-you-mean and the nearest wider region of an empty result."""
    if query.q:
        result.suggestion = _suggest(snap, query.q, labels)
    without_region = _except(base, filters, "region")
    result.wider_region = _wider_region(
        snap, query.region,
        lambda term: int(np.count_nonzero(without_region if term is None
                                          else without_region & term)))


# --- organisations --------------------------------------------------------------------------

def search_organisations(query: OrganisationQuery) -> SearchResult:
    """Organisations matching ``query``: one page, facets, suggestions."""
    snap = _open(ORGANISATIONS)
    if snap is None:
        return _limited_organisations(query)
    with engine.lock():
        found = match(snap, query.q, ORGANISATION_LABELS)
        filters = _organisation_filters(snap, query)
        status = _status_mask(snap, found, query.statuses)
        selected = _and([found.mask, status, *filters.values()])
        candidates = np.flatnonzero(selected)
        offset = (query.page - 1) * query.per_page
        docnums = engine.top(candidates, _order_keys(snap, found, query.sort), offset,
                             query.per_page)
        result = SearchResult(_hits(snap, docnums, found, ("address", "description")),
                              len(candidates), query.page, query.per_page,
                              _organisation_facets(snap, found, filters, query, status))
        if not len(candidates):
            _explain_nothing(result, snap, query, found.mask & status, filters,
                             ORGANISATION_LABELS)
        return result


def _limited_organisations(query: OrganisationQuery) -> SearchResult:
    """While the index is being rebuilt: active organisations whose name contains the text."""
    condition = Organisation.status == OrganisationStatus.ACTIVE
    text = query.q.strip()
    if text:
        condition = sa.and_(condition, Organisation.name.contains(text, autoescape=True))
    if query.region:
        condition = sa.and_(condition, Organisation.region_code.startswith(
            region_prefix(query.region), autoescape=True))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)
                              .where(condition)) or 0
    rows = db.session.scalars(sa.select(Organisation).where(condition)
                              .order_by(Organisation.name, Organisation.id)
                              .limit(query.per_page)
                              .offset((query.page - 1) * query.per_page)).all()
    items = [Hit(org.id, {"id": org.id, "name": org.name, "status": org.status.value,
                          "org_type": org.org_type, "region_code": org.region_code,
                          "region_name": org.region.name if org.region else "",
                          "address": org.address or "", "uscc": org.uscc},
                 str(highlight(org.name, [text] if text else [])), "") for org in rows]
    return SearchResult(items, total, query.page, query.per_page, limited=True)


# --- practitioners --------------------------------------------------------------------------

def _practitioner_filters(snap, query: PractitionerQuery) -> dict[str, np.ndarray]:
    filters = {}
    if query.region:
        filters["region"] = snap.term("f", _region_term(query.region))
    if query.qualifications:
        filters["qualification"] = snap.any_of(
            "f", ["qualification:" + kind for kind in query.qualifications])
    if query.specialties:
        filters["specialty"] = snap.any_of(
            "f", ["specialty:" + code for code in query.specialties])
    return filters


def _through_organisations(snap):
    """``related(word)`` for practitioners: those whose organisation's name matches ``word``
    (a join through the ``org`` column instead of copying names into every document)."""
    try:
        organisations = engine.snapshot(ORGANISATIONS, _index_dir())
    except IndexUnavailable:
        return None
    keys = organisations.column("key")
    staff = snap.column("org")  # each practitioner's first current organisation
    others, other_ids = snap.pairs("orgs")  # and the others of those who have several

    def related(word: str) -> np.ndarray:
        _, in_name = word_match(organisations, word)
        ids = keys[in_name]
        if not len(ids):
            return snap.empty
        chosen = np.zeros(max(int(ids.max()), int(staff.max(initial=0)),
                              int(other_ids.max(initial=0))) + 1, dtype=bool)
        chosen[ids] = True
        found = chosen[staff] & (staff > 0)
        found[others[chosen[other_ids]]] = True
        return found & snap.live

    return related


def search_practitioners(query: PractitionerQuery) -> SearchResult:
    """Practitioners matching ``query`` (name, qualification, organisation, specialty)."""
    snap = _open(PRACTITIONERS)
    if snap is None:
        return SearchResult([], 0, query.page, query.per_page, limited=True)
    with engine.lock():
        found = match(snap, query.q, PRACTITIONER_LABELS, _through_organisations(snap))
        filters = _practitioner_filters(snap, query)
        selected = _and([found.mask, *filters.values()])
        candidates = np.flatnonzero(selected)
        keys = _order_keys(snap, found, "name" if query.sort == "name" else "relevance")
        docnums = engine.top(candidates, keys, (query.page - 1) * query.per_page, query.per_page)
        facets = {
            "region": _region_facet(snap, _except(found.mask, filters, "region"), query.region),
            "qualification": _vocabulary_facet(snap, _except(found.mask, filters, "qualification"),
                                               "qualification", vocabulary.QUALIFICATION_KINDS,
                                               query.qualifications),
            "specialty": _vocabulary_facet(snap, _except(found.mask, filters, "specialty"),
                                           "specialty", vocabulary.SPECIALTIES, query.specialties),
        }
        result = SearchResult(_hits(snap, docnums, found, ("organisations",)), len(candidates),
                              query.page, query.per_page, facets)
        if not len(candidates):
            _explain_nothing(result, snap, query, found.mask, filters, PRACTITIONER_LABELS)
        return result
