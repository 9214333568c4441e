"""Builders of import files (CSV in any encoding, XLSX) and of rows that pass every rule."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterable, Optional

from openpyxl import Workbook

from tests.factories import valid_id_number, valid_uscc

ORGANISATION_HEADERS = ("机构名称", "统一社会信用代码", "机构类型", "法定代表人", "所在区县代码", "地址",
                        "联系电话", "网站", "服务时间", "收费标准", "是否提供公益服务", "公益服务说明",
                        "机构简介", "服务项目", "服务人群", "服务方式", "服务语言")
PRACTITIONER_HEADERS = ("所在机构统一社会信用代码", "姓名", "性别", "身份证号码", "专长", "继续教育学时",
                        "岗位", "入职日期", "资质类别", "证书编号", "发证机构", "发证日期", "有效期至")
# Serials far from the factories' counter, so that USCCs never collide with make_organisation's.
_SERIAL_BASE = 7_000_000


def organisation_row(index: int, region_code: str = "370602", **changes) -> dict:
    """A good organisation row (header → text); ``index`` makes name and USCC unique."""
    row = {
        "机构名称": f"烟台市心语心理咨询中心{index}号",
        "统一社会信用代码": valid_uscc(region_code, serial=_SERIAL_BASE + index),
        "机构类型": "社会心理咨询服务机构",
        "法定代表人": "张明",
        "所在区县代码": region_code,
        "地址": "山东省烟台市芝罘区南大街 88 号",
        "联系电话": "0535-6612345",
        "网站": "https://xinyu.example.cn",
        "服务时间": "周一至周五 9:00-17:00",
        "收费标准": "个体咨询 300 元/50 分钟",
        "是否提供公益服务": "是",
        "公益服务说明": "每月第一个周六免费讲座",
        "机构简介": "提供青少年与家庭心理咨询服务。",
        "服务项目": "心理咨询、心理健康宣传教育",
        "服务人群": "青少年/学生、成年人",
        "服务方式": "面询（到机构）、网络/视频",
        "服务语言": "普通话",
    }
    row.update(changes)
    return row


def practitioner_row(uscc: str, index: int, **changes) -> dict:
    """A good practitioner row with one 二级心理咨询师 certificate."""
    row = {
        "所在机构统一社会信用代码": uscc,
        "姓名": "李华",
        "性别": "女",
        "身份证号码": valid_id_number(serial=index),
        "专长": "焦虑与抑郁、婚姻家庭",
        "继续教育学时": "24",
        "岗位": "全职",
        "入职日期": "2020-03-01",
        "资质类别": "心理咨询师（国家职业资格二级）",
        "证书编号": f"15110000{index:08d}",
        "发证机构": "人力资源和社会保障部",
        "发证日期": "2015-05-20",
        "有效期至": "",
    }
    row.update(changes)
    return row


def csv_bytes(headers: Iterable[str], rows: Iterable[dict], *, encoding: str = "utf-8-sig",
              delimiter: str = ",") -> bytes:
    """A CSV file as Excel writes it (CRLF line ends)."""
    headers = list(headers)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(headers: Iterable[str], rows: Iterable[dict], *, leading_rows: Optional[list] = None,
               raw_rows: Optional[list] = None) -> bytes:
    """An XLSX workbook (first sheet) with the headers and rows; ``raw_rows`` are written as
    given (typed values: numbers, dates)."""
    headers = list(headers)
    workbook = Workbook()
    sheet = workbook.active
    for row in leading_rows or []:
        sheet.append(row)
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header, "") or None for header in headers])
    for row in raw_rows or []:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    workbook.close()
    return buffer.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    """``data`` saved as ``tmp_path/name``."""
    path = tmp_path / name
    path.write_bytes(data)
    return path
