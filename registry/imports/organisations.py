"""Checking organisation rows: spreadsheet text → the values ``clean_organisation`` takes,
then the shared rules, the requirements of an approved registration, duplicates inside the
file and the acting account's jurisdiction."""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Optional

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from registry.extensions import db
from registry.imports.choices import ChoiceLookup, choice_key
from registry.imports.layouts import ORGANISATIONS, Columns
from registry.imports.readers import Row
from registry.imports.report import ImportReport, echo
from registry.orgs.models import Organisation
from registry.orgs.validation import (
    LIST_VOCABULARIES,
    PROFILE_FIELDS,
    clean_organisation,
    is_locatable,
    missing_for_submission,
)
from registry.regions.models import Region
from registry.text import normalise
from registry.validation import ValidationFailed

# May the acting account import a record in this region? (The policy decides; see services.)
Scope = Callable[[str], bool]


class RegionNotResolved(ValueError):
    """A county typed by name that is unknown, ambiguous or outside the jurisdiction."""

    def __init__(self, message: str, outside: bool = False):
        super().__init__(message)
        self.outside = outside


class RegionNames:
    """County-level divisions by name: ``芝罘区``, ``烟台市芝罘区``, ``山东省烟台市芝罘区``.

    The index is built on the first name typed (most files give codes, which need none of it).
    """

    def __init__(self):
        self._index: Optional[dict[str, list[Region]]] = None
        self._full_names: dict[str, str] = {}
        # Held here so that the session's (weak) identity map keeps them: the validator's own
        # look-up of the same code then needs no query.
        self._regions: dict[str, Optional[Region]] = {}

    def _build(self) -> dict[str, list[Region]]:
        regions = db.session.scalars(sa.select(Region).options(selectinload(Region.children))).all()
        by_code = {region.code: region for region in regions}
        index: dict[str, list[Region]] = defaultdict(list)
        for region in regions:
            if not is_locatable(region):
                continue
            chain = [region]
            while chain[0].parent_code and chain[0].parent_code in by_code:
                chain.insert(0, by_code[chain[0].parent_code])
            self._full_names[region.code] = "".join(r.name for r in chain)
            for start in range(len(chain)):
                index[choice_key("".join(r.name for r in chain[start:]))].append(region)
        return index

    def exists(self, code: str) -> bool:
        """Whether ``code`` is a division at all (of any level)."""
        if code not in self._regions:
            self._regions[code] = db.session.get(Region, code)
        return self._regions[code] is not None

    def resolve(self, text: str, scope: Scope) -> str:
        """The code for ``text`` (a 6-digit code is returned as it is, for the validator)."""
        typed = normalise(text)
        if typed.isdigit():
            return typed
        if self._index is None:
            self._index = self._build()
        everywhere = self._index.get(choice_key(typed), [])
        inside = [region for region in everywhere if scope(region.code)]
        if len(inside) == 1:
            return inside[0].code
        if len(inside) > 1:
            names = "、".join(f"{self._full_names[r.code]}（{r.code}）" for r in inside[:6])
            raise RegionNotResolved(_("有多个区县叫这个名字：%(names)s。请填写 6 位区县代码。", names=names))
        if everywhere:
            raise RegionNotResolved(_("该区县不在您的管辖范围内。"), outside=True)
        raise RegionNotResolved(_("找不到这个区县，请填写 6 位区县代码或准确的区县名称。"))


class OrganisationRows:
    """Checks rows one by one, remembering what earlier rows of the file used."""

    def __init__(self, columns: Columns, report: ImportReport, scope: Scope, jurisdiction: str):
        self.columns = columns
        self.report = report
        self.scope = scope
        self.jurisdiction = jurisdiction
        self.regions = RegionNames()
        self.types = ChoiceLookup(ORGANISATIONS.column("org_type").choices)
        self.lists = {key: ChoiceLookup(ORGANISATIONS.column(key).choices)
                      for key in LIST_VOCABULARIES}
        self.usccs: dict[str, int] = {}  # USCC → the first row that has it

    def check(self, row: Row) -> Optional[dict]:
        """The cleaned values of a good row; None (with problems reported) for a bad one."""
        typed = self.columns.values(row)
        if ORGANISATIONS.is_example(typed):
            self.report.add(row.number, self.columns.header("name"),
                            _("这是模板中的示例行，请删除或换成真实数据。"), letter=self.columns.letter("name"))
            return None
        errors: dict[str, str] = {}
        outside: set[str] = set()
        values = self._codes(typed, errors, outside)
        cleaned = self._clean(values, errors)
        # An imported organisation is approved at once: it needs what a reviewed one has.
        for name in missing_for_submission(Organisation(**cleaned)):
            errors.setdefault(name, _("导入的机构直接生效，此项必须填写。"))
        uscc = cleaned.get("uscc")
        if uscc and "uscc" not in errors:
            first = self.usccs.setdefault(uscc, row.number)
            if first != row.number:
                errors["uscc"] = _("与第 %(row)d 行的统一社会信用代码重复。", row=first)
        self._report(row, typed, errors, outside)
        return None if errors else cleaned

    def _codes(self, typed: dict[str, str], errors: dict, outside: set) -> dict[str, Any]:
        """Labels and county names → codes; the jurisdiction of the region."""
        values: dict[str, Any] = dict(typed)
        if normalise(typed.get("org_type")):
            code = self.types.code(typed["org_type"])
            if code is None:
                errors["org_type"] = _("无法识别的机构类型，请填写导入页面列出的类型名称或代码。")
            values["org_type"] = code
        for key, lookup in self.lists.items():
            values[key] = lookup.codes(typed.get(key, ""))
        if normalise(typed.get("region_code")):
            try:
                code = self.regions.resolve(typed["region_code"], self.scope)
                values["region_code"] = code
            except RegionNotResolved as problem:
                errors["region_code"] = str(problem)
                if problem.outside:
                    outside.add("region_code")
            else:
                if self.regions.exists(code) and not self.scope(code):
                    errors["region_code"] = _("该区县不在您的管辖范围（%(region)s）内。", region=self.jurisdiction)
                    outside.add("region_code")
        return values

    def _clean(self, values: dict, errors: dict) -> dict:
        """The shared rules; the fields that pass are returned even when others fail, so that
        the requirements and duplicates can still be checked on them."""
        fields = [name for name in PROFILE_FIELDS if name not in errors]
        try:
            return clean_organisation(values, fields=fields)
        except ValidationFailed as failed:
            errors.update(failed.errors)
            if "region_code" in failed.errors:  # the form's words ("choose…") do not fit a sheet
                errors["region_code"] = _("请填写区县级行政区划代码（6 位）或区县名称。")
            good = [name for name in fields if name not in failed.errors]
            return clean_organisation(values, fields=good)

    def _report(self, row: Row, typed: dict, errors: dict, outside: set) -> None:
        """The row's problems in column order."""
        for key in PROFILE_FIELDS:
            if key not in errors:
                continue
            column = ORGANISATIONS.column(key)
            self.report.add(row.number, self.columns.header(key), errors[key],
                            value=echo(typed.get(key), sensitive=column.sensitive,
                                       identifier=column.identifier),
                            hidden=column.sensitive,
                            letter=self.columns.letter(key), outside_jurisdiction=key in outside)
