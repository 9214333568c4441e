"""Practitioner rows: one qualification per row; the rows of one person at one organisation
(same 身份证号码 and 所在机构统一社会信用代码) make one call of the practitioners service
(``register_practitioner``: ``add_practitioner`` that also says what it added), whose errors
are mapped back onto the rows and columns they came from.

Every rule about practitioners and qualifications stays in ``registry.practitioners``; this
module only groups rows, turns labels into codes and finds the organisation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

import sqlalchemy as sa
from flask_babel import gettext as _

from registry.extensions import db
from registry.imports.choices import ChoiceLookup
from registry.imports.layouts import PERSON_FIELDS, PRACTITIONERS, QUALIFICATION_FIELDS, Columns
from registry.imports.readers import Row
from registry.imports.report import ImportReport, echo
from registry.orgs.models import Organisation
from registry.practitioners.identity import InvalidIdNumber, normalise_id_number
from registry.practitioners.validation import clean_certificate_number, clean_gender
from registry.text import TextProblem, clean_date, normalise
from registry.validation import ValidationFailed

_QUALIFICATION_ERROR = re.compile(r"qualifications\.(\d+)\.(\w+)")
# Errors about the whole person, shown in the column a person would look at.
ERROR_COLUMNS = {"qualifications": "kind", "state": "organisation_uscc"}
# Fields of register_practitioner's ``values`` (the other PERSON_FIELDS are keyword arguments).
VALUE_FIELDS = ("name", "gender", "id_number", "specialties", "ce_hours", "bio")


@dataclass
class Person:
    """The rows of one practitioner at one organisation."""

    rows: list[Row]
    typed: dict[str, str]  # person fields: the first non-empty value typed
    sources: dict[str, int]  # person field → the row it was taken from
    qualifications: list[tuple[Row, dict]] = field(default_factory=list)
    problem_rows: set[int] = field(default_factory=set)
    # A qualification refused while reading the sheet (and so not passed to the service).
    dropped_qualification: bool = False

    @property
    def first_row(self) -> int:
        return self.rows[0].number


class PractitionerRows:
    """Groups a file's rows into people and adds each one through the practitioners service."""

    def __init__(self, actor, columns: Columns, report: ImportReport,
                 may_import: Callable[[Organisation], bool], jurisdiction: str):
        self.actor = actor  # the acting account (None for the system)
        self.columns = columns
        self.report = report
        self.may_import = may_import
        self.jurisdiction = jurisdiction
        self.kinds = ChoiceLookup(PRACTITIONERS.column("kind").choices)
        self.roles = ChoiceLookup(PRACTITIONERS.column("role").choices)
        self.specialties = ChoiceLookup(PRACTITIONERS.column("specialties").choices)
        self._organisations: dict[str, Optional[Organisation]] = {}

    # --- grouping --------------------------------------------------------------------------------

    def group(self, rows: tuple[Row, ...]) -> list[Person]:
        """People in the order they first appear; inconsistent repeats and duplicate
        certificates inside the file are reported here."""
        people: dict[tuple, Person] = {}
        certificates: dict[tuple, int] = {}
        for row in rows:
            typed = self.columns.values(row)
            if PRACTITIONERS.is_example(typed):
                self._add(row.number, "name", _("这是模板中的示例行，请删除或换成真实数据。"), typed)
                continue
            key = (_uscc_key(typed.get("organisation_uscc")),
                   _person_key(typed.get("id_number"), row))
            person = people.get(key)
            if person is None:
                person = people[key] = Person([row], {}, {})
            else:
                person.rows.append(row)
            self._merge(person, row, typed)
            problems_before = len(self.report.problems)
            qualification = self._qualification(row, typed, certificates)
            if qualification is not None:
                person.qualifications.append((row, qualification))
            elif len(self.report.problems) > problems_before:
                person.problem_rows.add(row.number)
                person.dropped_qualification = True
        return list(people.values())

    def _merge(self, person: Person, row: Row, typed: dict) -> None:
        """A person's details may be repeated on every row or given once; never two ways.
        (The ID number is the grouping key itself: equal by construction.)"""
        for key in PERSON_FIELDS:
            text = normalise(typed.get(key))
            if not text:
                continue
            if key not in person.typed:
                person.typed[key], person.sources[key] = typed[key], row.number
            elif key != "id_number" and \
                    self._comparable(key, person.typed[key]) != self._comparable(key, typed[key]):
                self._add(row.number, key, _("与第 %(row)d 行为同一人员填写的内容不一致。",
                                             row=person.sources[key]), typed)
                person.problem_rows.add(row.number)

    def _comparable(self, key: str, text: str):
        """What must be equal for two cells to say the same thing (2019/9/1 is 2019-09-01,
        女 is female, 全职 is full_time, the order of specialties does not matter)."""
        if key == "specialties":
            return sorted(self.specialties.codes(text))
        if key == "role":
            return self.roles.code(text) or normalise(text)
        rule = {"start_date": clean_date, "gender": clean_gender}.get(key)
        if rule is not None:
            try:
                return rule(text)
            except TextProblem:
                pass  # compared as typed; the service reports the value itself
        return normalise(text)

    def _qualification(self, row: Row, typed: dict, certificates: dict) -> Optional[dict]:
        """The row's qualification (None when its columns are empty or it cannot be added)."""
        values = {key: typed.get(key, "") for key in QUALIFICATION_FIELDS}
        if not any(normalise(value) for value in values.values()):
            return None
        if normalise(values["kind"]):
            kind = self.kinds.code(values["kind"])
            if kind is None:
                self._add(row.number, "kind", _("无法识别的资质类别，请填写导入页面列出的类别名称或代码。"), typed)
                return None
            values["kind"] = kind
            try:
                number = clean_certificate_number(kind, values["certificate_number"])
            except TextProblem:
                number = None  # the service reports it, in the words of the shared rule
            if number is not None:
                first = certificates.setdefault((kind, number), row.number)
                if first != row.number:
                    self._add(row.number, "certificate_number",
                              _("与第 %(row)d 行的证书重复。", row=first), typed)
                    return None
        return values

    # --- adding ----------------------------------------------------------------------------------

    def add(self, person: Person, register_practitioner) -> Optional[int]:
        """Add one person; the number of qualifications added, or None when refused.

        Raises ``PermissionDenied`` when the acting account may not add practitioners at all,
        and whatever the database raises (the caller stops the import on either).
        """
        organisation = self._organisation(person)
        if organisation is None:
            return None
        values = {key: person.typed.get(key, "") for key in VALUE_FIELDS}
        values["specialties"] = self.specialties.codes(person.typed.get("specialties", ""))
        qualifications = [qualification for _row, qualification in person.qualifications]
        try:
            registration = register_practitioner(
                self.actor, organisation.id, values, qualifications, role=self._role(person),
                start_date=person.typed.get("start_date") or None, commit=False)
        except ValidationFailed as failed:
            self._map_errors(person, failed.errors)
            return None
        return None if person.problem_rows else len(registration.qualifications)

    def _organisation(self, person: Person) -> Optional[Organisation]:
        key = _uscc_key(self.columns.values(person.rows[0]).get("organisation_uscc"))
        if not key:
            message, outside, organisation = _("此项为必填项。"), False, None
        else:
            if key not in self._organisations:
                self._organisations[key] = db.session.scalar(
                    sa.select(Organisation).where(Organisation.uscc == key))
            organisation = self._organisations[key]
            outside = organisation is not None and not self.may_import(organisation)
            if organisation is None:
                message = _("没有统一社会信用代码为此值的已登记机构，请先登记或导入该机构。")
            else:
                message = _("该机构不在您的管辖范围（%(region)s）内。", region=self.jurisdiction)
        if organisation is not None and not outside:
            return organisation
        for row in person.rows:
            self._add(row.number, "organisation_uscc", message, self.columns.values(row),
                      outside=outside)
        return None

    def _role(self, person: Person) -> str:
        """The role code (全职 when blank); an unrecognised one is reported here, in the
        sheet's words, and full time is passed on so that the other fields are still checked."""
        if not normalise(person.typed.get("role")):
            return "full_time"
        role = self.roles.code(person.typed["role"])
        if role is None:
            self._add(person.sources["role"], "role", _("请填写全职、兼职、督导或志愿者。"), person.typed)
            person.problem_rows.add(person.sources["role"])
        return role or "full_time"

    def _map_errors(self, person: Person, errors: dict[str, str]) -> None:
        """``name`` → the row that gave the name; ``qualifications.2.issuer`` → the third
        qualification's row, column 发证机构; anything else → the person's first row."""
        for name, message in errors.items():
            if name == "qualifications" and person.dropped_qualification:
                continue  # "at least one": the one given was refused already, on its own row
            match = _QUALIFICATION_ERROR.fullmatch(name)
            if match and int(match[1]) < len(person.qualifications):
                row, _values = person.qualifications[int(match[1])]
                key = match[2] if match[2] in QUALIFICATION_FIELDS else "kind"
                self._add(row.number, key, message, self.columns.values(row))
            elif name in ERROR_COLUMNS:
                self._add(person.first_row, ERROR_COLUMNS[name], message,
                          self.columns.values(person.rows[0]))
            elif name in PERSON_FIELDS:
                self._add(person.sources.get(name, person.first_row), name, message, person.typed)
            else:
                self._add(person.first_row, "", message, {})

    def _add(self, row: int, key: str, message, typed: dict, outside: bool = False) -> None:
        if not key:
            self.report.add(row, "", message)
            return
        column = PRACTITIONERS.column(key)
        self.report.add(row, self.columns.header(key), message,
                        value=echo(typed.get(key), sensitive=column.sensitive,
                                   identifier=column.identifier),
                        hidden=column.sensitive,
                        letter=self.columns.letter(key), outside_jurisdiction=outside)


def _uscc_key(text: Optional[str]) -> str:
    return normalise(text).replace(" ", "").upper()


def _person_key(text: Optional[str], row: Row) -> str:
    """Rows of the same person share a key; a row without a usable number is on its own."""
    typed = normalise(text)
    if not typed:
        return f"row:{row.number}"
    try:
        return normalise_id_number(typed)
    except InvalidIdNumber:
        return f"row:{row.number}"
