"""Search parameters: one parser shared by the search pages and the API.

``parse_organisation_query(args)`` and ``parse_practitioner_query(args)`` take the request's
query string (any mapping with ``get``/``getlist``) and return a frozen query, or raise
``ValidationFailed`` naming each bad parameter. The URL holds the whole query, so a result
page can be shared; ``as_args()`` turns a query back into URL parameters.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from flask_babel import gettext as _

from registry import vocabulary
from registry.validation import ValidationFailed

MAX_QUERY_CHARS = 100
MAX_PER_PAGE = 100
MAX_PAGE = 500
DEFAULT_PER_PAGE = 20
GRADES_BEST_FIRST = ("excellent", "good", "pass")
STATUSES = ("active", "suspended", "exited")
ORGANISATION_SORTS = ("relevance", "total", "name")
PRACTITIONER_SORTS = ("relevance", "name")
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class OrganisationQuery:
    """What the public asked for when searching organisations."""

    q: str = ""
    region: Optional[str] = None
    types: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    populations: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    demonstration: bool = False
    min_grade: Optional[str] = None
    statuses: tuple[str, ...] = ()  # empty: active, plus others found by exact name or USCC
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def as_args(self, **changes) -> dict:
        """URL parameters that reproduce this query (with ``changes`` applied)."""
        query = replace(self, **changes) if changes else self
        args = {"q": query.q or None, "region": query.region,
                "type": list(query.types), "service": list(query.services),
                "population": list(query.populations), "modality": list(query.modalities),
                "demonstration": "1" if query.demonstration else None,
                "min_grade": query.min_grade, "status": list(query.statuses),
                "sort": None if query.sort == "relevance" else query.sort,
                "page": query.page if query.page != 1 else None,
                "per_page": query.per_page if query.per_page != DEFAULT_PER_PAGE else None}
        return {key: value for key, value in args.items() if value not in (None, [], "")}


@dataclass(frozen=True)
class PractitionerQuery:
    """What the public asked for when searching practitioners."""

    q: str = ""
    region: Optional[str] = None
    qualifications: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def as_args(self, **changes) -> dict:
        """URL parameters that reproduce this query (with ``changes`` applied)."""
        query = replace(self, **changes) if changes else self
        args = {"q": query.q or None, "region": query.region,
                "qualification": list(query.qualifications),
                "specialty": list(query.specialties),
                "sort": None if query.sort == "relevance" else query.sort,
                "page": query.page if query.page != 1 else None,
                "per_page": query.per_page if query.per_page != DEFAULT_PER_PAGE else None}
        return {key: value for key, value in args.items() if value not in (None, [], "")}


def _values(args, name: str) -> list[str]:
    """Every value of a repeatable parameter; ``a,b`` counts as two values."""
    getlist = getattr(args, "getlist", None)
    raw = getlist(name) if getlist else ([args[name]] if name in args else [])
    found: list[str] = []
    for value in raw:
        for part in str(value).split(","):
            part = part.strip()
            if part and part not in found:
                found.append(part)
    return found


def _codes(args, name: str, allowed, errors: dict) -> tuple[str, ...]:
    values = _values(args, name)
    unknown = [value for value in values if value not in allowed]
    if unknown:
        errors[name] = _("不认识的取值：%(values)s", values="、".join(unknown[:5]))
    return tuple(value for value in values if value in allowed)


def _integer(args, name: str, default: int, low: int, high: int, errors: dict) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors[name] = _("应为 %(low)d 到 %(high)d 之间的整数。", low=low, high=high)
        return default
    return int(raw)


def _text(args, errors: dict) -> str:
    text = " ".join((args.get("q") or "").split())
    if len(text) > MAX_QUERY_CHARS:
        errors["q"] = _("检索词最多 %(count)d 个字。", count=MAX_QUERY_CHARS)
        return text[:MAX_QUERY_CHARS]
    return text


def _region(args, errors: dict) -> Optional[str]:
    from registry.regions.services import get_region

    code = (args.get("region") or "").strip()
    if not code:
        return None
    if not (len(code) == 6 and code.isdigit()) or get_region(code) is None:
        errors["region"] = _("没有这个地区代码。")
        return None
    return code


def _choice(args, name: str, allowed, default, errors: dict):
    value = (args.get(name) or "").strip()
    if not value:
        return default
    if value not in allowed:
        errors[name] = _("不认识的取值：%(values)s", values=value)
        return default
    return value


def _flag(args, name: str, errors: dict) -> bool:
    value = (args.get(name) or "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value not in FALSE_WORDS:
        errors[name] = _("应为 1 或 0。")
    return False


def _paging(args, errors: dict) -> tuple[int, int]:
    return (_integer(args, "page", 1, 1, MAX_PAGE, errors),
            _integer(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE, errors))


def parse_organisation_query(args) -> OrganisationQuery:
    """The organisation query in ``args``; raises ValidationFailed naming bad parameters."""
    errors: dict[str, str] = {}
    page, per_page = _paging(args, errors)
    query = OrganisationQuery(
        q=_text(args, errors),
        region=_region(args, errors),
        types=_codes(args, "type", vocabulary.ORGANISATION_TYPES, errors),
        services=_codes(args, "service", vocabulary.SERVICES, errors),
        populations=_codes(args, "population", vocabulary.POPULATIONS, errors),
        modalities=_codes(args, "modality", vocabulary.MODALITIES, errors),
        demonstration=_flag(args, "demonstration", errors),
        min_grade=_choice(args, "min_grade", GRADES_BEST_FIRST, None, errors),
        statuses=_codes(args, "status", STATUSES, errors),
        sort=_choice(args, "sort", ORGANISATION_SORTS, "relevance", errors),
        page=page, per_page=per_page,
    )
    if errors:
        raise ValidationFailed(errors)
    return query


def parse_practitioner_query(args) -> PractitionerQuery:
    """The practitioner query in ``args``; raises ValidationFailed naming bad parameters."""
    errors: dict[str, str] = {}
    page, per_page = _paging(args, errors)
    query = PractitionerQuery(
        q=_text(args, errors),
        region=_region(args, errors),
        qualifications=_codes(args, "qualification", vocabulary.QUALIFICATION_KINDS, errors),
        specialties=_codes(args, "specialty", vocabulary.SPECIALTIES, errors),
        sort=_choice(args, "sort", PRACTITIONER_SORTS, "relevance", errors),
        page=page, per_page=per_page,
    )
    if errors:
        raise ValidationFailed(errors)
    return query
