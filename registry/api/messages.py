"""marshmallow's field messages in the reader's language.

The API's schemas use marshmallow's own fields and validators, whose messages are English
templates ("Not a valid integer.", "Must be one of: a, b."). Every message a schema produces
passes through ``translate`` on its way into an error answer (``registry.api.http``), so the
API never answers in English to a Chinese reader: a known template becomes the registry's
sentence (through Flask-Babel, English on request), and an English message nobody has
translated yet becomes a plain "invalid value" rather than leaking through. Messages the
registry wrote itself (already in Chinese) are kept as they are.
"""
from __future__ import annotations

import re

from flask_babel import gettext, lazy_gettext as _l

# Field messages without parameters, exactly as marshmallow spells them.
_EXACT = {
    "Missing data for required field.": _l("此项为必填项。"),
    "Field may not be null.": _l("此项不能为 null。"),
    "Invalid value.": _l("取值无效。"),
    "Invalid input.": _l("取值无效。"),
    "Invalid input type.": _l("请求体应为 JSON 对象。"),
    "Unknown field.": _l("不接受这个字段。"),
    "Not a valid string.": _l("应为文本。"),
    "Not a valid utf-8 string.": _l("应为 UTF-8 文本。"),
    "Not a valid integer.": _l("应为整数。"),
    "Not a valid number.": _l("应为数字。"),
    "Number too large.": _l("数字过大。"),
    "Special numeric values (nan or infinity) are not permitted.": _l("不接受 NaN 或无穷大。"),
    "Not a valid boolean.": _l("应为 true 或 false。"),
    "Not a valid list.": _l("应为数组。"),
    "Not a valid tuple.": _l("应为数组。"),
    "Not a valid mapping type.": _l("应为 JSON 对象。"),
    "Invalid type.": _l("应为 JSON 对象。"),
    "Not a valid date.": _l("日期格式应为 YYYY-MM-DD。"),
    "Not a valid datetime.": _l("应为 ISO 8601 格式的日期时间。"),
    "Not a valid aware datetime.": _l("应为带时区的 ISO 8601 日期时间。"),
    "Not a valid naive datetime.": _l("应为不带时区的 ISO 8601 日期时间。"),
    "Not a valid time.": _l("时间格式应为 HH:MM:SS。"),
    "Not a valid period of time.": _l("应为时间长度。"),
    "Not a valid email address.": _l("邮箱格式不正确。"),
    "Not a valid URL.": _l("网址格式不正确。"),
    "Not a valid UUID.": _l("应为 UUID。"),
    "String does not match expected pattern.": _l("格式不正确。"),
}
_NUMBER = r"(-?[0-9.eE+]+)"
_BOTH, _LOW, _HIGH, _CHOICES = ("low", "high"), ("low",), ("high",), ("choices",)
# Messages with parameters: the pattern of marshmallow's rendered text, the registry's own
# sentence and the names of the pattern's groups in it.
_PATTERNS = (
    (rf"Must be greater than or equal to {_NUMBER} and less than or equal to {_NUMBER}\.",
     _l("应在 %(low)s 至 %(high)s 之间。"), _BOTH),
    (rf"Must be greater than {_NUMBER} and less than {_NUMBER}\.",
     _l("应大于 %(low)s 且小于 %(high)s。"), _BOTH),
    (rf"Must be greater than or equal to {_NUMBER} and less than {_NUMBER}\.",
     _l("应不小于 %(low)s 且小于 %(high)s。"), _BOTH),
    (rf"Must be greater than {_NUMBER} and less than or equal to {_NUMBER}\.",
     _l("应大于 %(low)s 且不大于 %(high)s。"), _BOTH),
    (rf"Must be greater than or equal to {_NUMBER}\.", _l("应不小于 %(low)s。"), _LOW),
    (rf"Must be greater than {_NUMBER}\.", _l("应大于 %(low)s。"), _LOW),
    (rf"Must be less than or equal to {_NUMBER}\.", _l("应不大于 %(high)s。"), _HIGH),
    (rf"Must be less than {_NUMBER}\.", _l("应小于 %(high)s。"), _HIGH),
    (r"Length must be between ([0-9]+) and ([0-9]+)\.",
     _l("长度应为 %(low)s 至 %(high)s（字符或项）。"), _BOTH),
    (r"Longer than maximum length ([0-9]+)\.", _l("长度不能超过 %(high)s（字符或项）。"), _HIGH),
    (r"Shorter than minimum length ([0-9]+)\.", _l("长度至少为 %(low)s（字符或项）。"), _LOW),
    (r"Length must be ([0-9]+)\.", _l("长度应为 %(low)s（字符或项）。"), _LOW),
    (r"Must be one of: (.*)\.", _l("应为以下之一：%(choices)s。"), _CHOICES),
    (r"One or more of the choices you made was not in: (.*)\.",
     _l("只能从以下选择：%(choices)s。"), _CHOICES),
    (r"Must be equal to (.*)\.", _l("应为 %(choices)s。"), _CHOICES),
)
_COMPILED = tuple((re.compile(pattern, re.DOTALL), template, names)
                  for pattern, template, names in _PATTERNS)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def translate(message: object) -> str:
    """``message`` (one of marshmallow's, or the registry's own) in the reader's language."""
    text = str(message)
    if _CJK.search(text):
        return text
    known = _EXACT.get(text)
    if known is not None:
        return str(known)
    for pattern, template, names in _COMPILED:
        match = pattern.fullmatch(text)
        if match is not None:
            # The translated template, then its parameters (Flask-Babel leaves %(…)s alone
            # when it is given none).
            return str(template) % dict(zip(names, match.groups()))
    return gettext("取值无效。")
