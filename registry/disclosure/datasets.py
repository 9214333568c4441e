"""The open-data sets: which records, which columns, one row per record.

Every set reads through ``registry.disclosure.queries`` (public records only) and names its
columns explicitly, so only public fields leave: no ID numbers, digests, biographies, score
comments, drafts or complainants. Rows come in batches, so a download of any size holds one
batch in memory at a time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterator, Optional

from flask import url_for
from flask_babel import lazy_gettext as _l

from registry import vocabulary
from registry.disclosure import queries
from registry.evaluation.models import DemonstrationDesignation, Evaluation
from registry.orgs.models import Organisation
from registry.practitioners.models import Practitioner
from registry.public.labels import label
from registry.public.services import summarise, verified_qualifications
from registry.regions.services import region_prefix
from registry.sanctions.models import Sanction
from registry.sanctions.status import standings


@dataclass(frozen=True)
class Column:
    """A column: its stable key (JSON, CSV/XLSX second header row) and its label."""

    key: str
    label: object


@dataclass(frozen=True)
class Dataset:
    """One downloadable set."""

    name: str
    title: object
    description: object
    columns: tuple[Column, ...]
    rows: Callable[[date, Optional[str]], Iterator[dict]]


def _labels(vocab: vocabulary.Vocabulary, codes) -> list[str]:
    return [vocab.label(code) for code in codes or ()]


def _iso(value) -> Optional[str]:
    return value.isoformat() if value is not None else None


# --- organisations ---------------------------------------------------------------------------

def organisation_rows(today: date, region: Optional[str] = None) -> Iterator[dict]:
    """Public organisations, by id, with their badge and latest grade."""
    for batch in queries.in_batches(queries.public_organisations(region), Organisation.id):
        standing = standings(batch, today)
        for summary in summarise(batch, today):
            organisation = summary.organisation
            yield {
                "id": organisation.id, "name": organisation.name, "uscc": organisation.uscc,
                "org_type": vocabulary.ORGANISATION_TYPES.label(organisation.org_type),
                "status": label(standing[organisation.id].status),
                "region_code": organisation.region_code,
                "region_name": organisation.region.name if organisation.region else None,
                "address": organisation.address,
                "legal_representative": organisation.legal_representative,
                "phone": organisation.phone, "website": organisation.website,
                "opening_hours": organisation.opening_hours, "fees": organisation.fees,
                "offers_public_benefit": organisation.offers_public_benefit,
                "services": _labels(vocabulary.SERVICES, organisation.services),
                "populations": _labels(vocabulary.POPULATIONS, organisation.populations),
                "modalities": _labels(vocabulary.MODALITIES, organisation.modalities),
                "languages": _labels(vocabulary.LANGUAGES, organisation.languages),
                "approved_at": _iso(organisation.approved_at),
                "demonstration_unit": summary.is_demonstration,
                "latest_grade": label(summary.latest_grade) or None,
                "url": url_for("public.organisation", organisation_id=organisation.id,
                               _external=True),
            }


ORGANISATIONS = Dataset(
    "organisations", _l("登记机构"), _l("正常、暂停服务和已退出登记的机构，含公开字段、示范单位标记和最近评估等级。"),
    (Column("id", _l("编号")), Column("name", _l("机构名称")), Column("uscc", _l("统一社会信用代码")),
     Column("org_type", _l("机构类型")), Column("status", _l("状态")),
     Column("region_code", _l("地区代码")), Column("region_name", _l("所在地区")),
     Column("address", _l("地址")), Column("legal_representative", _l("法定代表人")),
     Column("phone", _l("联系电话")), Column("website", _l("网站")),
     Column("opening_hours", _l("服务时间")), Column("fees", _l("收费标准")),
     Column("offers_public_benefit", _l("公益服务")), Column("services", _l("服务项目")),
     Column("populations", _l("服务人群")), Column("modalities", _l("服务方式")),
     Column("languages", _l("服务语言")), Column("approved_at", _l("登记时间")),
     Column("demonstration_unit", _l("示范单位")), Column("latest_grade", _l("最近评估等级")),
     Column("url", _l("公示页面"))),
    organisation_rows,
)


# --- practitioners ---------------------------------------------------------------------------

def _qualification_text(qualification) -> str:
    period = f"{_iso(qualification.issued_on) or ''}–{_iso(qualification.expires_on) or ''}"
    parts = [vocabulary.QUALIFICATION_KINDS.label(qualification.kind),
             qualification.certificate_number, qualification.issuer or "", period]
    return " ".join(part for part in parts if part)


def practitioner_rows(today: date, region: Optional[str] = None) -> Iterator[dict]:
    """Practitioners with a public page: public fields and verified qualifications only."""
    for batch in queries.in_batches(queries.public_practitioners(), Practitioner.id):
        ids = [practitioner.id for practitioner in batch]
        qualifications = verified_qualifications(ids)
        affiliations = queries.public_affiliations(ids)
        for practitioner in batch:
            current = [a for a in affiliations.get(practitioner.id, []) if a.is_current]
            if region and not any(a.organisation.region_code.startswith(region_prefix(region))
                                  for a in current):
                continue
            yield {
                "id": practitioner.id, "name": practitioner.name,
                "gender": label(practitioner.gender) or None,
                "specialties": _labels(vocabulary.SPECIALTIES, practitioner.specialties),
                "ce_hours": practitioner.ce_hours,
                "organisations": [f"{a.organisation.name}（{a.organisation_id}）" for a in current],
                "qualifications": [_qualification_text(q)
                                   for q in qualifications.get(practitioner.id, [])],
                "url": url_for("public.practitioner", practitioner_id=practitioner.id,
                               _external=True),
            }


PRACTITIONERS = Dataset(
    "practitioners", _l("从业人员"), _l("有公开信息的从业人员：姓名、性别、专长、继续教育学时、现任职机构和已核验的资质。不含身份证号。"),
    (Column("id", _l("编号")), Column("name", _l("姓名")), Column("gender", _l("性别")),
     Column("specialties", _l("专长")), Column("ce_hours", _l("继续教育学时")),
     Column("organisations", _l("任职机构")), Column("qualifications", _l("已核验资质")),
     Column("url", _l("公示页面"))),
    practitioner_rows,
)


# --- evaluations -----------------------------------------------------------------------------

def evaluation_rows(today: date, region: Optional[str] = None) -> Iterator[dict]:
    """Published evaluations (no drafts, no superseded revisions, no comments)."""
    for batch in queries.in_batches(queries.published_evaluations(region), Evaluation.id):
        for evaluation in batch:
            yield {
                "id": evaluation.id, "organisation_id": evaluation.organisation_id,
                "organisation_name": evaluation.organisation.name,
                "region_code": evaluation.organisation.region_code,
                "association": evaluation.association.name, "cycle": evaluation.cycle,
                "revision": evaluation.revision, "total": evaluation.total,
                "grade": label(evaluation.grade), "published_at": _iso(evaluation.published_at),
            }


EVALUATIONS = Dataset(
    "evaluations", _l("评估结果"), _l("行业组织已公布的评估结果（总分和等级）。"),
    (Column("id", _l("编号")), Column("organisation_id", _l("机构编号")),
     Column("organisation_name", _l("机构名称")), Column("region_code", _l("地区代码")),
     Column("association", _l("评估机构")), Column("cycle", _l("评估周期")),
     Column("revision", _l("修订版次")), Column("total", _l("总分")), Column("grade", _l("评估等级")),
     Column("published_at", _l("公布时间"))),
    evaluation_rows,
)


# --- sanctions -------------------------------------------------------------------------------

def sanction_rows(today: date, region: Optional[str] = None) -> Iterator[dict]:
    """Sanctions in their disclosure period on ``today``."""
    query = queries.disclosed_sanctions(today, queries.SanctionFilters(region=region))
    for batch in queries.in_batches(query.order_by(None), Sanction.id):
        for sanction in batch:
            subject = sanction.organisation or sanction.practitioner
            yield {
                "id": sanction.id, "sanction_type": label(sanction.sanction_type),
                "subject_kind": "organisation" if sanction.organisation_id else "practitioner",
                "subject_id": subject.id, "subject_name": subject.name,
                "region_code": sanction.region_code,
                "decision_number": sanction.decision_number,
                "decision_date": _iso(sanction.decision_date),
                "deciding_body": sanction.deciding_body, "facts": sanction.facts,
                "legal_basis": sanction.legal_basis, "starts_on": _iso(sanction.starts_on),
                "ends_on": _iso(sanction.ends_on),
                "disclosure_until": _iso(sanction.disclosure_until),
            }


SANCTIONS = Dataset(
    "sanctions", _l("惩戒信息"), _l("公示期内的惩戒决定。公示期届满或撤回公示的不再列出。"),
    (Column("id", _l("编号")), Column("sanction_type", _l("惩戒类型")),
     Column("subject_kind", _l("对象类别")), Column("subject_id", _l("对象编号")),
     Column("subject_name", _l("对象名称")), Column("region_code", _l("地区代码")),
     Column("decision_number", _l("决定文号")), Column("decision_date", _l("决定日期")),
     Column("deciding_body", _l("决定机关")), Column("facts", _l("违法违规事实")),
     Column("legal_basis", _l("处理依据")), Column("starts_on", _l("开始日期")),
     Column("ends_on", _l("结束日期")), Column("disclosure_until", _l("公示期至"))),
    sanction_rows,
)


# --- demonstration units ---------------------------------------------------------------------

def demonstration_rows(today: date, region: Optional[str] = None) -> Iterator[dict]:
    """Current demonstration units."""
    query = queries.current_designations(today, region)
    for batch in queries.in_batches(query.order_by(None), DemonstrationDesignation.id):
        for designation in batch:
            organisation = designation.organisation
            yield {
                "organisation_id": organisation.id, "organisation_name": organisation.name,
                "uscc": organisation.uscc, "region_code": organisation.region_code,
                "year": designation.year, "designating_body": designation.designating_body,
                "valid_from": _iso(designation.valid_from), "valid_to": _iso(designation.valid_to),
            }


DEMONSTRATION_UNITS = Dataset(
    "demonstration-units", _l("示范单位"), _l("认定有效期内的心理健康服务示范单位。"),
    (Column("organisation_id", _l("机构编号")), Column("organisation_name", _l("机构名称")),
     Column("uscc", _l("统一社会信用代码")), Column("region_code", _l("地区代码")),
     Column("year", _l("认定年度")), Column("designating_body", _l("认定机关")),
     Column("valid_from", _l("有效期起")), Column("valid_to", _l("有效期至"))),
    demonstration_rows,
)

DATASETS = {dataset.name: dataset for dataset in
            (ORGANISATIONS, PRACTITIONERS, EVALUATIONS, SANCTIONS, DEMONSTRATION_UNITS)}
