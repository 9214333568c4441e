"""The column layouts of the two imports: Chinese headers (the template's), accepted aliases,
what each column takes, and an example. The web page, the template files and the README
describe these; the importer matches a file's header row against them.

Which organisation columns are required comes from ``REQUIRED_FOR_SUBMISSION``: an imported
organisation is active at once, so it must have what a reviewed registration has.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Optional

from flask_babel import lazy_gettext as _l

from registry import vocabulary
from registry.imports.report import ImportReport, column_letter, echo
from registry.orgs.validation import REQUIRED_FOR_SUBMISSION
from registry.public.labels import AFFILIATION_ROLE
from registry.text import normalise


@dataclass(frozen=True)
class Column:
    """One column of a layout."""

    key: str  # the service's field name
    header: str  # as in the template (Chinese; headers are data, not interface text)
    aliases: tuple[str, ...]
    note: object  # a lazy string: what the column takes
    example: str
    required: bool = False
    sensitive: bool = False  # never shown back (ID numbers)
    identifier: bool = False  # shown back as typed, never masked (USCC, certificate numbers)
    choices: tuple = ()  # (code, lazy label) pairs accepted by name or code
    many: bool = False  # several values separated by 、 , ; or line breaks
    width: int = 16  # column width in the XLSX template

    @property
    def names(self) -> tuple[str, ...]:
        """Every header that selects this column."""
        return (self.header, self.key) + self.aliases


@dataclass(frozen=True)
class Layout:
    """The columns of one kind of import."""

    kind: str
    title: object
    columns: tuple[Column, ...]
    # Fields whose template example values, all present in a row, mark the example row.
    example_keys: tuple[str, ...] = ()
    _by_name: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        for column in self.columns:
            for name in column.names:
                key = header_key(name)
                if key in self._by_name and self._by_name[key] is not column:
                    raise ValueError(f"header {name!r} is ambiguous in layout {self.kind}")
                self._by_name[key] = column

    def is_example(self, values: dict[str, str]) -> bool:
        """Whether a row is the template's example row, left in by mistake."""
        return bool(self.example_keys) and all(
            normalise(values.get(key)) == self.column(key).example for key in self.example_keys)

    def column(self, key: str) -> Column:
        """The column for field ``key``."""
        return next(column for column in self.columns if column.key == key)

    def match(self, headers: tuple[str, ...], header_row: int,
              report: ImportReport) -> Optional["Columns"]:
        """Where each known column is; unknown, repeated and missing columns go into ``report``.

        Returns None when a required column is missing: every row would fail the same way.
        """
        positions: dict[str, int] = {}
        written: dict[str, str] = {}
        for index, header in enumerate(headers):
            if not header.strip():
                continue
            column = self._by_name.get(header_key(header))
            letter = column_letter(index)
            if column is None:
                report.add(header_row, header, _l("无法识别的列名。可用的列名见导入页面或模板。"),
                           value=echo(header), letter=letter)
            elif column.key in positions:
                report.add(header_row, header, _l("与 %(letter)s 列重复：同一列只能出现一次。",
                                                  letter=column_letter(positions[column.key])),
                           letter=letter)
            else:
                positions[column.key] = index
                written[column.key] = header.strip()
        missing = [column for column in self.columns
                   if column.required and column.key not in positions]
        for column in missing:
            report.add(header_row, column.header, _l("缺少必填列“%(header)s”。", header=column.header))
        return None if missing else Columns(self, positions, written)


@dataclass(frozen=True)
class Columns:
    """A file's header row matched to a layout."""

    layout: Layout
    positions: dict[str, int]
    written: dict[str, str]  # key → the header as the file spells it

    def __contains__(self, key: str) -> bool:
        return key in self.positions

    def header(self, key: str) -> str:
        """The header the file uses for ``key`` (the template's when the file lacks it)."""
        return self.written.get(key) or self.layout.column(key).header

    def letter(self, key: str) -> str:
        """The spreadsheet letter of ``key``'s column ('' when the file lacks it)."""
        return column_letter(self.positions[key]) if key in self.positions else ""

    def values(self, cells) -> dict[str, str]:
        """Field → cell text for one row (columns the file lacks are absent)."""
        return {key: cells.cell(index) for key, index in self.positions.items()}


_NOTE = re.compile(r"[(（][^()（）]*[)）]$")


def header_key(text: str) -> str:
    """How headers are compared: NFKC, no spaces, underscores, hyphens, asterisks or a
    trailing note in brackets, case-insensitive (``所在区县代码（6位）*`` → ``所在区县代码``)."""
    key = normalise(text).replace("*", "").replace("＊", "").strip()
    key = _NOTE.sub("", key)
    return re.sub(r"[\s_\-]", "", key).lower()


def _vocabulary_pairs(vocab: vocabulary.Vocabulary) -> tuple:
    return tuple((term.code, term.label) for term in vocab)


_LIST_NOTE = _l("填写名称或代码，多个之间用顿号、逗号、分号或换行分隔。")

_ORGANISATION_COLUMNS = (
    Column("name", "机构名称", ("名称", "organisation name", "organization name"),
           _l("与营业执照或登记证书一致，最长 120 字。"), "示例心理咨询中心有限公司", width=28),
    Column("uscc", "统一社会信用代码", ("信用代码", "社会信用代码", "credit code"),
           _l("18 位，校验位须正确；同一文件中不能重复，也不能与已登记机构重复。"),
           "91350100M000100Y43", identifier=True, width=22),
    Column("org_type", "机构类型", ("类型", "type", "organisation type", "organization type"),
           _l("填写下列类型名称之一或其代码。"), "社会心理咨询服务机构",
           choices=_vocabulary_pairs(vocabulary.ORGANISATION_TYPES), width=24),
    Column("legal_representative", "法定代表人", ("负责人", "法定代表人/负责人", "legal representative"),
           _l("姓名，最长 60 字。"), "王示例"),
    Column("region_code", "所在区县代码", ("所在区县", "区县", "区县代码", "行政区划代码", "region", "county"),
           _l("6 位区县级行政区划代码；也可填写区县名称（如“芝罘区”或“烟台市芝罘区”），须在您的管辖范围内唯一。"),
           "350102"),
    Column("address", "地址", ("详细地址", "机构地址", "address"), _l("最长 200 字。"),
           "福建省福州市鼓楼区示例路 1 号", width=30),
    Column("phone", "联系电话", ("电话", "公开电话", "phone", "telephone"),
           _l("对外公开的固定电话（含区号）或手机号码。"), "0591-87654321"),
    Column("website", "网站", ("网址", "website", "url"), _l("以 http:// 或 https:// 开头；可不填。"),
           "https://www.example.cn", width=24),
    Column("opening_hours", "服务时间", ("开放时间", "opening hours"), _l("最长 200 字；可不填。"),
           "周一至周五 9:00-17:00", width=22),
    Column("fees", "收费标准", ("收费", "fees"), _l("最长 500 字；可不填。"), "个体咨询 300 元/50 分钟",
           width=24),
    Column("offers_public_benefit", "是否提供公益服务", ("公益服务", "public benefit"),
           _l("填写“是”或“否”；空白视为“否”。"), "是"),
    Column("public_benefit_note", "公益服务说明", ("public benefit note",), _l("最长 500 字；可不填。"),
           "每月第一个周六免费心理健康讲座", width=28),
    Column("description", "机构简介", ("简介", "description"), _l("最长 2000 字；可不填。"),
           "提供青少年与家庭心理咨询服务。", width=30),
    Column("services", "服务项目", ("services",), _LIST_NOTE, "心理咨询、心理健康宣传教育",
           choices=_vocabulary_pairs(vocabulary.SERVICES), many=True, width=28),
    Column("populations", "服务人群", ("populations",), _LIST_NOTE, "青少年/学生、成年人",
           choices=_vocabulary_pairs(vocabulary.POPULATIONS), many=True, width=24),
    Column("modalities", "服务方式", ("modalities",), _LIST_NOTE, "面询（到机构）、网络/视频",
           choices=_vocabulary_pairs(vocabulary.MODALITIES), many=True, width=24),
    Column("languages", "服务语言", ("languages",), _LIST_NOTE, "普通话",
           choices=_vocabulary_pairs(vocabulary.LANGUAGES), many=True),
)
# Required: what a registration needs before review (an imported organisation is approved).
ORGANISATIONS = Layout("organisations", _l("机构"), tuple(
    replace(column, required=column.key in REQUIRED_FOR_SUBMISSION)
    for column in _ORGANISATION_COLUMNS
), example_keys=("name", "uscc"))

ROLE_CHOICES = tuple((role.value, label) for role, label in AFFILIATION_ROLE.items())
QUALIFICATION_FIELDS = ("kind", "certificate_number", "issuer", "issued_on", "expires_on")
PERSON_FIELDS = ("name", "gender", "id_number", "specialties", "ce_hours", "bio", "role",
                 "start_date")

PRACTITIONERS = Layout("practitioners", _l("从业人员"), (
    Column("organisation_uscc", "所在机构统一社会信用代码",
           ("机构统一社会信用代码", "统一社会信用代码", "所在机构", "organisation uscc", "organization uscc"),
           _l("已登记机构的统一社会信用代码，机构须在您的管辖范围内。"), "91350100M000100Y43",
           required=True, identifier=True, width=26),
    Column("name", "姓名", ("name",), _l("与身份证一致。"), "王示例", required=True),
    Column("gender", "性别", ("gender",), _l("“男”或“女”。"), "女", width=8),
    Column("id_number", "身份证号码", ("身份证号", "公民身份号码", "id number"),
           _l("18 位居民身份证号码。只用于查重并加密保存，任何页面、导出和报告都不会显示；"
              "请把这一列设为文本格式，以免末尾数字丢失。"),
           "11010519491231002X", required=True, sensitive=True, width=22),
    Column("specialties", "专长", ("擅长领域", "specialties"), _LIST_NOTE, "焦虑与抑郁、婚姻家庭",
           choices=_vocabulary_pairs(vocabulary.SPECIALTIES), many=True, width=22),
    Column("ce_hours", "继续教育学时", ("继续教育", "ce hours"), _l("0 至 10000 的整数；空白视为 0。"), "24",
           width=12),
    Column("bio", "个人简介", ("简介", "bio"), _l("最长 1000 字；可不填。"), "", width=24),
    Column("role", "岗位", ("聘用方式", "role"), _l("全职、兼职、督导或志愿者；空白视为全职。"), "全职",
           choices=ROLE_CHOICES, width=10),
    Column("start_date", "入职日期", ("start date",), _l("YYYY-MM-DD；空白视为导入当天。"), "2020-03-01",
           width=12),
    Column("kind", "资质类别", ("证书类别", "资质", "qualification", "qualification kind"),
           _l("填写下列类别名称之一或其代码。同一人有多个资质时，每个资质一行，其余各列重复填写或留空。"),
           "心理咨询师（国家职业资格二级）", choices=_vocabulary_pairs(vocabulary.QUALIFICATION_KINDS),
           width=30),
    Column("certificate_number", "证书编号", ("certificate number",), _l("按证书原样填写。"),
           "1511000000123456", identifier=True, width=22),
    Column("issuer", "发证机构", ("发证单位", "issuer"), _l("有证书时必填。"), "人力资源和社会保障部", width=22),
    Column("issued_on", "发证日期", ("issued on", "issue date"), _l("YYYY-MM-DD。"), "2015-05-20",
           width=12),
    Column("expires_on", "有效期至", ("expires on", "expiry date"), _l("YYYY-MM-DD；长期有效可不填。"), "",
           width=12),
), example_keys=("name", "id_number"))

LAYOUTS = {layout.kind: layout for layout in (ORGANISATIONS, PRACTITIONERS)}
