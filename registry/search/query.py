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
from registry.query import parse_int
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


class _QueryArguments:
    """Turning a query back into URL parameters (``URL_NAMES``: parameter → attribute)."""

    URL_NAMES: dict[str, str] = {}

    def as_args(self, **changes) -> dict:
        """URL parameters that reproduce this query (with ``changes`` applied); defaults are
        left out so that URLs stay short."""
        query = replace(self, **changes) if changes else self
        defaults = type(self)()
        args = {}
        for name, attribute in self.URL_NAMES.items():
            value = getattr(query, attribute)
            if value == getattr(defaults, attribute) or value in (None, "", ()):
                continue
            args[name] = list(value) if isinstance(value, tuple) else ("1" if value is True
                                                                        else value)
        return args


@dataclass(frozen=True)
class OrganisationQuery(_QueryArguments):
    """What the public asked for when searching organisations."""

    URL_NAMES = {"q": "q", "region": "region", "type": "types", "service": "services",
                 "population": "populations", "modality": "modalities",
                 "demonstration": "demonstration", "min_grade": "min_grade",
                 "status": "statuses", "sort": "sort", "page": "page", "per_page": "per_page"}

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


@dataclass(frozen=True)
class PractitionerQuery(_QueryArguments):
    """What the public asked for when searching practitioners."""

    URL_NAMES = {"q": "q", "region": "region", "qualification": "qualifications",
                 "specialty": "specialties", "sort": "sort", "page": "page",
                 "per_page": "per_page"}

    q: str = ""
    region: Optional[str] = None
    qualifications: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


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
    number = parse_int(raw, low=low, high=high)
    if number is None:
        errors[name] = _("应为 %(low)d 到 %(high)d 之间的整数。", low=low, high=high)
        return default
    return number


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


class UnknownRegion(ValidationFailed):
    """The only problem is a well-formed region code that names no region (API: 404)."""


def _parse(args, make, fields: dict):
    """``make(**values)`` from the readers in ``fields`` (name → reader(args, errors)), plus
    the text, region and paging every search has; raises ValidationFailed on any error."""
    errors: dict[str, str] = {}
    values = {name: read(args, errors) for name, read in fields.items()}
    query = make(q=_text(args, errors), region=_region(args, errors),
                 page=_integer(args, "page", 1, 1, MAX_PAGE, errors),
                 per_page=_integer(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE, errors),
                 **values)
    if errors:
        code = (args.get("region") or "").strip()
        unknown = set(errors) == {"region"} and len(code) == 6 and code.isdigit()
        raise (UnknownRegion if unknown else ValidationFailed)(errors)
    return query


def _codes_of(name: str, allowed):
    return lambda args, errors: _codes(args, name, allowed, errors)


def parse_organisation_query(args) -> OrganisationQuery:
    """The organisation query in ``args``; raises ValidationFailed naming bad parameters."""
    return _parse(args, OrganisationQuery, {
        "types": _codes_of("type", vocabulary.ORGANISATION_TYPES),
        "services": _codes_of("service", vocabulary.SERVICES),
        "populations": _codes_of("population", vocabulary.POPULATIONS),
        "modalities": _codes_of("modality", vocabulary.MODALITIES),
        "demonstration": lambda args, errors: _flag(args, "demonstration", errors),
        "min_grade": lambda args, errors: _choice(args, "min_grade", GRADES_BEST_FIRST, None,
                                                  errors),
        "statuses": _codes_of("status", STATUSES),
        "sort": lambda args, errors: _choice(args, "sort", ORGANISATION_SORTS, "relevance",
                                             errors),
    })


def parse_practitioner_query(args) -> PractitionerQuery:
    """The practitioner query in ``args``; raises ValidationFailed naming bad parameters."""
    return _parse(args, PractitionerQuery, {
        "qualifications": _codes_of("qualification", vocabulary.QUALIFICATION_KINDS),
        "specialties": _codes_of("specialty", vocabulary.SPECIALTIES),
        "sort": lambda args, errors: _choice(args, "sort", PRACTITIONER_SORTS, "relevance",
                                             errors),
    })
