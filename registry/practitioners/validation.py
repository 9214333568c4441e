"""The rules for practitioners and qualifications, in one place (forms, API, importer)."""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from registry import vocabulary
from registry.extensions import db
from registry.orgs.validation import clean_codes
from registry.practitioners.identity import InvalidIdNumber, protect_id_number
from registry.practitioners.models import Gender, Practitioner, Qualification
from registry.text import TextProblem, clean_date, clean_name, clean_text, normalise
from registry.validation import ValidationFailed

# Certificate numbers differ by issuer and era (vocabulary.md): per kind, the characters and
# length an issued number has. Letters are upper-cased, spaces removed before the check.
CERTIFICATE_FORMATS: dict[str, tuple[re.Pattern, object]] = {
    "counsellor_l2": (re.compile(r"^[0-9A-Z]{10,22}$"), _l("10 至 22 位数字或字母")),
    "counsellor_l3": (re.compile(r"^[0-9A-Z]{10,22}$"), _l("10 至 22 位数字或字母")),
    "counsellor_skill": (re.compile(r"^[0-9A-Z]{10,30}$"), _l("10 至 30 位数字或字母")),
    "psychotherapist": (re.compile(r"^[0-9A-Z]{8,24}$"), _l("8 至 24 位数字或字母")),
    "psychiatrist": (re.compile(r"^[0-9]{15}$"), _l("15 位数字（医师执业证书编码）")),
    "cps_registered": (re.compile(r"^[A-Z]{1,2}-[0-9]{2}-[0-9]{3}$"), _l("如 X-14-006 或 D-06-010")),
    "social_worker": (re.compile(r"^[0-9A-Z]{8,24}$"), _l("8 至 24 位数字或字母")),
    "psych_nurse": (re.compile(r"^[0-9]{12}$"), _l("12 位数字（护士执业证书编号）")),
    "school_mh_teacher": (re.compile(r"^[0-9A-Z-]{6,30}$"), _l("6 至 30 位数字、字母或连字符")),
}


def clean_certificate_number(kind: str, value: Any) -> str:
    """The certificate number in the form its kind uses."""
    number = normalise(value).replace(" ", "").upper()
    if not number:
        raise TextProblem(_l("此项为必填项。"))
    pattern, description = CERTIFICATE_FORMATS.get(kind, (re.compile(r"^[0-9A-Z-]{4,40}$"), ""))
    if not pattern.match(number):
        raise TextProblem(_l("证书编号格式不正确，应为%(format)s。", format=description))
    return number


def clean_gender(value: Any) -> Optional[Gender]:
    """女/男 or female/male."""
    text = normalise(value).lower()
    mapping = {"女": Gender.FEMALE, "female": Gender.FEMALE, "f": Gender.FEMALE,
               "男": Gender.MALE, "male": Gender.MALE, "m": Gender.MALE}
    if not text:
        return None
    if text not in mapping:
        raise TextProblem(_l("请选择性别。"))
    return mapping[text]


def clean_practitioner(values: dict, *, exclude_id: Optional[int] = None,
                       require_id_number: bool = True) -> dict:
    """Cleaned practitioner fields; the ID number comes back only as digest and ciphertext.

    A person already registered (same ID number) is reported on ``id_number`` — the caller
    decides whether to link to that person instead. Error messages never repeat the number.
    """
    cleaned: dict = {}
    errors: dict = {}
    checks = {
        "name": lambda v: clean_name(v, max_length=30, min_length=2),
        "gender": clean_gender,
        "specialties": lambda v: clean_codes(v, vocabulary.SPECIALTIES),
        "bio": lambda v: clean_text(v, max_length=1000, multiline=True),
        "ce_hours": _clean_hours,
    }
    for name, check in checks.items():
        try:
            cleaned[name] = check(values.get(name))
        except TextProblem as problem:
            errors[name] = problem.args[0]
    raw_number = normalise(values.get("id_number"))
    if raw_number:
        try:
            protected = protect_id_number(raw_number)
        except InvalidIdNumber:
            errors["id_number"] = _l("身份证号码无效（请核对位数、出生日期和校验位）。")
        else:
            cleaned["id_number_digest"] = protected.digest
            cleaned["id_number_encrypted"] = protected.encrypted
            existing = find_by_digest(protected.digest)
            if existing is not None and existing.id != exclude_id:
                errors["id_number"] = _l("该身份证号码对应的人员已经登记。")
                cleaned["existing_practitioner_id"] = existing.id
    elif require_id_number:
        errors["id_number"] = _l("此项为必填项。")
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _clean_hours(value: Any) -> int:
    text = normalise(value)
    if not text:
        return 0
    if not text.isdigit() or int(text) > 10000:
        raise TextProblem(_l("请填写 0 至 10000 之间的整数。"))
    return int(text)


def find_by_digest(digest: str) -> Optional[Practitioner]:
    """The practitioner registered with this ID-number digest, if any."""
    return db.session.scalar(sa.select(Practitioner).where(Practitioner.id_number_digest == digest))


def clean_qualification(values: dict, *, exclude_id: Optional[int] = None,
                        today: Optional[date] = None) -> dict:
    """Cleaned qualification fields: kind, certificate number (unique per kind), issuer, dates."""
    today = today or date.today()
    cleaned: dict = {}
    errors: dict = {}
    kind = normalise(values.get("kind"))
    if kind not in vocabulary.QUALIFICATION_KINDS:
        errors["kind"] = _l("请选择资质类别。")
    else:
        cleaned["kind"] = kind
        try:
            cleaned["certificate_number"] = clean_certificate_number(kind, values.get("certificate_number"))
        except TextProblem as problem:
            errors["certificate_number"] = problem.args[0]
    for name, check in (
        ("issuer", lambda v: clean_text(v, max_length=120, required=True)),
        ("issued_on", clean_date),
        ("expires_on", clean_date),
    ):
        try:
            cleaned[name] = check(values.get(name))
        except TextProblem as problem:
            errors[name] = problem.args[0]
    issued, expires = cleaned.get("issued_on"), cleaned.get("expires_on")
    if issued and issued > today:
        errors["issued_on"] = _l("发证日期不能晚于今天。")
    if issued and expires and expires < issued:
        errors["expires_on"] = _l("有效期至不能早于发证日期。")
    if "certificate_number" in cleaned and _number_taken(kind, cleaned["certificate_number"], exclude_id):
        errors["certificate_number"] = _l("该证书编号已经登记。")
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _number_taken(kind: str, number: str, exclude_id: Optional[int]) -> bool:
    query = sa.select(Qualification.id).where(Qualification.kind == kind,
                                              Qualification.certificate_number == number)
    if exclude_id is not None:
        query = query.where(Qualification.id != exclude_id)
    return db.session.scalar(query) is not None
