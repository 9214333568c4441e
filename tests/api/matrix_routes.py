"""The API's writes in the permission matrix (bearer tokens), for the record inside the
officers' jurisdiction (owned by ``org_owner``). Who may is what the web page allows, since
both call the same service; the preparers are the web entries' own."""
from __future__ import annotations

from datetime import date

from registry.orgs.models import ChangeRequestKind, OrganisationStatus
from tests.dashboard.matrix_routes import with_designation
from tests.evaluation.matrix_routes import ALLOWED as ASSESSORS, with_drafts, with_rubric
from tests.matrix import Route
from tests.orgs.matrix_routes import ALLOWED as ORGS, with_pending, with_status
from tests.practitioners.matrix_routes import MANAGERS, VERIFIERS, people

API = "/api/v1"


def _scores(world, publishing: bool = False) -> dict:
    first, second = world.records["rubric"].criteria
    body = {"lock_version": 1, "summary": "良好",
            "scores": {str(first.id): {"points": 55.5, "comment": "符合要求"},
                       str(second.id): {"points": 37, "comment": "服务规范"}}}
    if publishing:
        body["conflict_declared"] = True
    return body


def _designation(world) -> dict:
    today = date.today()
    return {"year": today.year, "valid_from": today.isoformat(),
            "valid_to": date(today.year + 2, 12, 31).isoformat(),
            "designating_body": "烟台市卫生健康委员会", "override_reason": "抗疫心理援助表现突出。"}


def _practitioner(world) -> dict:
    from tests import factories

    return {"name": "钱伟", "gender": "male", "id_number": factories.valid_id_number(),
            "specialties": ["trauma"], "ce_hours": 16, "role": "part_time",
            "start_date": "2024-09-01",
            "qualifications": [{"kind": "psychotherapist", "certificate_number": "ZL20190001",
                                "issuer": "国家卫生健康委员会", "issued_on": "2019-06-01"}]}


def _url(template: str, *keys: str):
    """``template`` formatted with the ids of ``world.records[key]`` for each key."""
    return lambda w: API + template.format(*(w.records[key].id for key in keys))


def _routes_for(where: str) -> list[Route]:
    owner, officers = ORGS["owner"][where], ORGS["officers"][where]
    created = (201,)
    return [
        Route("api.save_draft", "PUT", _url("/organisations/{}/draft", where), owner,
              variant=where, prepare=with_status(OrganisationStatus.DRAFT), json=True,
              data=lambda w: {"fees": "免费"}),
        Route("api.submit", "POST", _url("/organisations/{}/submit", where), owner,
              variant=where, prepare=with_status(OrganisationStatus.DRAFT), json=True),
        Route("api.request_change", "POST", _url("/organisations/{}/change-requests", where),
              owner, variant=where, json=True, data=lambda w: {"fees": "免费"},
              allowed_status=created),
        Route("api.approve_registration", "POST", _url("/organisations/{}/approve", where),
              officers, variant=where, prepare=with_status(OrganisationStatus.SUBMITTED),
              json=True),
        Route("api.reject_registration", "POST", _url("/organisations/{}/reject", where),
              officers, variant=where, prepare=with_status(OrganisationStatus.SUBMITTED),
              json=True, data=lambda w: {"reason": "请补充资质材料。"}),
        Route("api.approve_change", "POST", _url("/change-requests/{}/approve", f"change_{where}"),
              officers, variant=where, prepare=with_pending(ChangeRequestKind.CHANGE), json=True),
        Route("api.reject_change", "POST", _url("/change-requests/{}/reject", f"change_{where}"),
              officers, variant=where, prepare=with_pending(ChangeRequestKind.CHANGE), json=True,
              data=lambda w: {"reason": "收费标准需与备案一致。"}),
        Route("api.add_practitioner", "POST", _url("/organisations/{}/practitioners", where),
              MANAGERS[where], variant=where, json=True, data=_practitioner,
              allowed_status=created),
        Route("api.add_qualification", "POST",
              _url("/organisations/{}/practitioners/{}/qualifications", where, f"person_{where}"),
              MANAGERS[where], variant=where, prepare=people, json=True, allowed_status=created,
              data=lambda w: {"kind": "social_worker", "certificate_number": "SG20230042",
                              "issuer": "民政部", "issued_on": "2023-01-10"}),
        Route("api.verify_qualification", "POST",
              _url("/qualifications/{}/verify", f"waiting_{where}"), VERIFIERS[where],
              variant=where, prepare=people, json=True),
        Route("api.reject_qualification", "POST",
              _url("/qualifications/{}/reject", f"waiting_{where}"), VERIFIERS[where],
              variant=where, prepare=people, json=True,
              data=lambda w: {"reason": "证书编号与发证机构记录不符。"}),
        Route("api.open_evaluation", "POST", lambda w: API + "/evaluations", ASSESSORS[where],
              variant=where, prepare=with_rubric, json=True, allowed_status=created,
              data=lambda w: {"organisation_id": w.records[where].id, "cycle": 2025,
                              "association_id": w.records[f"association_{where}"].id}),
        Route("api.save_scores", "PUT", _url("/evaluations/{}/scores", f"draft_{where}"),
              ASSESSORS[where], variant=where, prepare=with_drafts, json=True, data=_scores),
        Route("api.publish_evaluation", "POST", _url("/evaluations/{}/publish", f"draft_{where}"),
              ASSESSORS[where], variant=where, prepare=with_drafts, json=True,
              data=lambda w: _scores(w, publishing=True)),
        Route("api.designate", "POST", _url("/organisations/{}/designations", where), officers,
              variant=where, json=True, data=_designation, allowed_status=created),
        Route("api.revoke_designation", "POST",
              _url("/designations/{}/revoke", f"designation_{where}"), officers, variant=where,
              prepare=with_designation, json=True, data=lambda w: {"reason": "复评不合格。"}),
    ]


# Every write of the API against the record inside 烟台: the outside officers, assessors and
# organisation account are the denials across jurisdictions (the web entries try both sides
# of the same services already; doubling these would double the matrix's cost).
ROUTES = _routes_for("inside")
