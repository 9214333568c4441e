"""The practitioner, verification and certificate-lookup routes in the permission matrix.

Each entry has an ``inside`` record (an organisation in 芝罘区, owned by ``org_owner``, in the
jurisdiction of the ``*_inside`` officers) and, where the rule depends on it, an ``outside`` one
(涪城区, owned by ``org_other``, in the jurisdiction of the ``*_outside`` officers).
"""
from __future__ import annotations

from registry.practitioners.models import VerificationState
from tests import factories
from tests.matrix import EVERYONE, Route

# Who manages an organisation's practitioners: its own account, a regulator of its
# jurisdiction (onboarding and corrections), and the admin.
MANAGERS = {
    "inside": frozenset({"org_owner", "regulator_inside", "admin"}),
    "outside": frozenset({"org_other", "regulator_outside", "admin"}),
}
# Who verifies, rejects and revokes: regulators of the jurisdiction and the admin.
VERIFIERS = {
    "inside": frozenset({"regulator_inside", "admin"}),
    "outside": frozenset({"regulator_outside", "admin"}),
}


def people(world) -> dict:
    """A practitioner inside and one outside, each with a waiting and a verified certificate."""
    records = {}
    for side in ("inside", "outside"):
        person = factories.make_practitioner(world.records[side], name="赵敏")
        records[f"person_{side}"] = person
        records[f"waiting_{side}"] = factories.make_qualification(
            person, state=VerificationState.UNVERIFIED, verified_at=None)
        records[f"verified_{side}"] = factories.make_qualification(person)
    return records


def new_practitioner(world) -> dict:
    return {
        "name": "钱伟", "gender": "male", "id_number": factories.valid_id_number(),
        "specialties": ["trauma"], "ce_hours": "16", "role": "part_time",
        "start_date": "2024-09-01", "qualifications-0-kind": "psychotherapist",
        "qualifications-0-certificate_number": "ZL20190001",
        "qualifications-0-issuer": "国家卫生健康委员会", "qualifications-0-issued_on": "2019-06-01",
    }


def certificate(world) -> dict:
    return {"kind": "social_worker", "certificate_number": "SG20230042", "issuer": "民政部",
            "issued_on": "2023-01-10", "expires_on": ""}


def _organisation_url(side: str, tail: str):
    return lambda w: f"/manage/organisations/{w.records[side].id}{tail}"


def _review_url(side: str, record: str, tail: str):
    return lambda w: f"/review/qualifications/{w.records[record + '_' + side].id}{tail}"


def _person_url(side: str, tail: str):
    return lambda w: (f"/manage/organisations/{w.records[side].id}/practitioners/"
                      f"{w.records['person_' + side].id}{tail}")


def _qualification_url(side: str, record: str, tail: str):
    return lambda w: _person_url(
        side, f"/qualifications/{w.records[record + '_' + side].id}{tail}")(w)


ROUTES = []
for side in ("inside", "outside"):
    ROUTES += [
        Route("practitioners.new", "POST", _organisation_url(side, "/practitioners/new"),
              MANAGERS[side], data=new_practitioner, variant=side),
        Route("practitioners.edit", "POST", _person_url(side, "/edit"), MANAGERS[side],
              data=lambda w: {"name": "赵敏", "gender": "female", "specialties": ["sleep"],
                              "ce_hours": "40", "bio": "更新后的简介。"},
              variant=side, prepare=people),
        Route("practitioners.end_affiliation", "POST", _person_url(side, "/end"), MANAGERS[side],
              data=lambda w: {"end_date": ""}, variant=side, prepare=people),
        Route("practitioners.add_qualification", "POST", _person_url(side, "/qualifications/new"),
              MANAGERS[side], data=certificate, variant=side, prepare=people),
        Route("practitioners.edit_qualification", "POST",
              _qualification_url(side, "waiting", "/edit"), MANAGERS[side],
              data=lambda w: {"kind": "counsellor_l3", "certificate_number": "1511000000999999",
                              "issuer": "人力资源和社会保障部"},
              variant=side, prepare=people),
        Route("practitioners.remove_qualification", "POST",
              _qualification_url(side, "waiting", "/remove"), MANAGERS[side],
              variant=side, prepare=people),
        Route("practitioners.verify", "POST", _review_url(side, "waiting", "/verify"),
              VERIFIERS[side], variant=side, prepare=people),
        Route("practitioners.decide", "POST", _review_url(side, "waiting", "/reject"),
              VERIFIERS[side], data=lambda w: {"reason": "证书编号与发证机构记录不符。"},
              variant=f"reject-{side}", prepare=people),
        Route("practitioners.decide", "POST", _review_url(side, "verified", "/revoke"),
              VERIFIERS[side], data=lambda w: {"reason": "烟卫罚〔2026〕3号：吊销证书。"},
              variant=f"revoke-{side}", prepare=people),
    ]

ROUTES.append(
    Route("certificates.verify_certificate", "POST", lambda w: "/certificates/verify", EVERYONE,
          data=lambda w: {"number": "1511000000000001", "name": "李华"}),
)
