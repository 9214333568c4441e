"""The rules for an organisation's fields, in one place: the registration form, the API and
the importer all call ``clean_organisation``; ``missing_for_submission`` says what a draft
still lacks before it can be submitted for review."""
from __future__ import annotations

from typing import Any, Iterable, Optional
from urllib.parse import urlsplit

import phonenumbers
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from stdnum.cn import uscc as uscc_number

from registry import vocabulary
from registry.extensions import db
from registry.orgs.models import Organisation
from registry.regions.models import Region, RegionLevel
from registry.text import TextProblem, clean_name, clean_text, normalise
from registry.validation import ValidationFailed

# Every field an organisation's profile has, in form order.
PROFILE_FIELDS = (
    "name", "uscc", "org_type", "legal_representative", "region_code", "address", "phone",
    "website", "opening_hours", "fees", "offers_public_benefit", "public_benefit_note",
    "description", "services", "populations", "modalities", "languages",
)
# What a registration must have before it is submitted for review.
REQUIRED_FOR_SUBMISSION = (
    "name", "uscc", "org_type", "legal_representative", "region_code", "address", "phone",
    "services", "populations", "modalities",
)
LIST_VOCABULARIES = {
    "services": vocabulary.SERVICES,
    "populations": vocabulary.POPULATIONS,
    "modalities": vocabulary.MODALITIES,
    "languages": vocabulary.LANGUAGES,
}
TEXT_LIMITS = {  # field: (max length, multi-line)
    "address": (200, False),
    "opening_hours": (200, False),
    "fees": (500, True),
    "public_benefit_note": (500, True),
    "description": (2000, True),
}


def clean_uscc(value: Any, *, exclude_id: Optional[int] = None) -> Optional[str]:
    """A valid, unused 统一社会信用代码 (18 characters, check digit), upper-case ASCII."""
    text = normalise(value).replace(" ", "").upper()
    if not text:
        return None
    try:
        text = uscc_number.validate(text)
    except uscc_number.InvalidLength:
        raise TextProblem(_l("统一社会信用代码应为 18 位（现为 %(n)d 位）。", n=len(text)))
    except uscc_number.InvalidChecksum:
        raise TextProblem(_l("统一社会信用代码校验位不正确，请核对营业执照或登记证书。"))
    except uscc_number.ValidationError:
        raise TextProblem(_l("统一社会信用代码格式不正确（只含数字和大写字母，不含 I、O、Z、S、V）。"))
    taken = sa.select(Organisation.id).where(Organisation.uscc == text)
    if exclude_id is not None:
        taken = taken.where(Organisation.id != exclude_id)
    if db.session.scalar(taken) is not None:
        raise TextProblem(_l("该统一社会信用代码已被其他机构登记。"))
    return text


def clean_phone(value: Any) -> Optional[str]:
    """A Chinese landline or mobile number, in national format (0535 661 2345, 138 0013 8000)."""
    text = normalise(value)
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number) or number.country_code != 86:
        raise TextProblem(_l("请输入有效的中国大陆固定电话（含区号）或手机号码。"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def clean_website(value: Any) -> Optional[str]:
    """An http(s) address with a host name."""
    text = normalise(value)
    if not text:
        return None
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        hostname = parts.hostname  # raises for a malformed IPv6 literal ("http://[x")
    except ValueError:
        parts, hostname = None, None
    if parts is None or parts.scheme not in ("http", "https") or not hostname \
            or "." not in hostname or " " in text or len(text) > 200:
        raise TextProblem(_l("请输入以 http:// 或 https:// 开头的网址。"))
    return text


def is_locatable(region: Region) -> bool:
    """An organisation sits in a county-level division, or in a city that has none
    (东莞市, 中山市, 嘉峪关市, 儋州市 … are divided directly into towns)."""
    if region.level is RegionLevel.COUNTY:
        return True
    return region.level is RegionLevel.CITY and not region.children


def clean_region(value: Any) -> Optional[str]:
    """The code of a county-level division."""
    code = normalise(value)
    if not code:
        return None
    region = db.session.get(Region, code) if code.isdigit() and len(code) == 6 else None
    if region is None or not is_locatable(region):
        raise TextProblem(_l("请选择机构所在的区县。"))
    return code


def clean_codes(value: Any, vocab: vocabulary.Vocabulary) -> list[str]:
    """A list of vocabulary codes, in the vocabulary's order, without repeats."""
    if value is None or value == "":
        return []
    items = [value] if isinstance(value, str) else list(value)
    codes = [normalise(item) for item in items if normalise(item)]
    unknown = [code for code in codes if code not in vocab]
    if unknown:
        raise TextProblem(_l("无法识别的选项：%(codes)s", codes="、".join(unknown)))
    return [code for code in vocab.codes if code in codes]


def clean_bool(value: Any) -> bool:
    """A yes/no field, from a checkbox, JSON or a spreadsheet cell (是/否, y/n, 1/0)."""
    if isinstance(value, bool):
        return value
    text = normalise(value).lower()
    if text in ("", "0", "false", "no", "n", "否", "无", "off"):
        return False
    if text in ("1", "true", "yes", "y", "是", "有", "on"):
        return True
    raise TextProblem(_l("请填写“是”或“否”。"))


def _clean_field(name: str, value: Any, exclude_id: Optional[int]) -> Any:
    if name == "name":
        return clean_name(value, max_length=120, required=False)
    if name == "legal_representative":
        return clean_name(value, max_length=60, required=False)
    if name == "uscc":
        return clean_uscc(value, exclude_id=exclude_id)
    if name == "org_type":
        code = normalise(value)
        if code and code not in vocabulary.ORGANISATION_TYPES:
            raise TextProblem(_l("请选择机构类型。"))
        return code or None
    if name == "region_code":
        return clean_region(value)
    if name == "phone":
        return clean_phone(value)
    if name == "website":
        return clean_website(value)
    if name == "offers_public_benefit":
        return clean_bool(value)
    if name in LIST_VOCABULARIES:
        return clean_codes(value, LIST_VOCABULARIES[name])
    max_length, multiline = TEXT_LIMITS[name]
    return clean_text(value, max_length=max_length, multiline=multiline)


def clean_organisation(values: dict, *, exclude_id: Optional[int] = None,
                       fields: Iterable[str] = PROFILE_FIELDS) -> dict:
    """Cleaned values for the given ``fields`` (absent ones count as empty).

    Raises ``ValidationFailed`` naming every bad field at once; ``exclude_id`` is the
    organisation being edited (its own USCC is not a duplicate).
    """
    cleaned: dict = {}
    errors: dict = {}
    for name in fields:
        try:
            cleaned[name] = _clean_field(name, values.get(name), exclude_id)
        except TextProblem as problem:
            errors[name] = problem.args[0]
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def missing_for_submission(organisation: Organisation) -> dict:
    """Field → message for what a registration still lacks before it can be submitted."""
    missing = {}
    for name in REQUIRED_FOR_SUBMISSION:
        value = getattr(organisation, name)
        if value in (None, "", []):
            missing[name] = _l("提交审核前必须填写此项。")
    return missing


# What a saved record can never lack, even as a draft (the table's NOT NULL columns).
REQUIRED_ALWAYS = ("name", "org_type", "region_code")


def clean_for_saving(values: dict, *, exclude_id: Optional[int] = None,
                     required: Iterable[str] = REQUIRED_ALWAYS) -> dict:
    """Every profile field cleaned by ``clean_organisation``, and each of ``required`` filled in.

    All problems are reported at once: a field left empty is named beside the fields that
    are malformed, so that one round trip shows the person everything to correct.
    """
    errors: dict = {}
    try:
        cleaned = clean_organisation(values, exclude_id=exclude_id)
    except ValidationFailed as failed:
        errors = dict(failed.errors)
        good = tuple(name for name in PROFILE_FIELDS if name not in errors)
        cleaned = clean_organisation(values, exclude_id=exclude_id, fields=good)
    for name in required:
        if name not in errors and cleaned.get(name) in (None, "", []):
            errors[name] = _l("此项为必填项。")
    if errors:
        raise ValidationFailed(errors)
    return cleaned
