"""The public register as a FHIR R4 ``Bundle`` (type ``collection``).

Each public organisation becomes an ``Organization`` (USCC as identifier, type, telecom,
address), a ``Location`` (its premises; status follows the organisation's) and a
``HealthcareService`` (services, populations as characteristics, modalities as service
provision codes, languages as communication). Each practitioner with a public page becomes a
``Practitioner`` whose ``qualification`` entries are the verified certificates (certificate
number as identifier, kind as code, issuer, issue–expiry period), and each affiliation with a
public organisation a ``PractitionerRole``.

Codes come from the registry's own vocabularies, published under this site's URL
(``…/fhir/CodeSystem/<vocabulary>``); the bundle is streamed entry by entry.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Iterator, Optional

from flask import url_for

from registry import vocabulary
from registry.disclosure import queries
from registry.orgs.models import Organisation, OrganisationStatus
from registry.practitioners.models import Practitioner
from registry.public.labels import label
from registry.public.services import verified_qualifications
from registry.sanctions.status import current_standing

# Location.status for each public organisation status.
LOCATION_STATUS = {OrganisationStatus.ACTIVE: "active", OrganisationStatus.SUSPENDED: "suspended",
                   OrganisationStatus.EXITED: "inactive"}


def _base() -> str:
    return url_for("public.home", _external=True) + "fhir/"


def _coding(vocab: vocabulary.Vocabulary, code: str) -> dict:
    return {"system": f"{_base()}CodeSystem/{vocab.name}", "code": code,
            "display": vocab.label(code)}


def _concept(vocab: vocabulary.Vocabulary, code: str) -> dict:
    return {"coding": [_coding(vocab, code)], "text": vocab.label(code)}


def _period(start: Optional[date], end: Optional[date]) -> Optional[dict]:
    period = {key: value.isoformat() for key, value in (("start", start), ("end", end)) if value}
    return period or None


def _drop_empty(resource: dict) -> dict:
    """FHIR forbids empty values: leave out None, empty strings, lists and objects."""
    return {key: value for key, value in resource.items() if value not in (None, "", [], {})}


def _telecom(organisation: Organisation) -> list[dict]:
    telecom = []
    if organisation.phone:
        telecom.append({"system": "phone", "value": organisation.phone, "use": "work"})
    if organisation.website:
        telecom.append({"system": "url", "value": organisation.website, "use": "work"})
    return telecom


def _address(organisation: Organisation) -> Optional[dict]:
    region = organisation.region.name if organisation.region else None
    text = organisation.address or region
    if not text:
        return None
    return _drop_empty({"use": "work", "text": text, "district": region, "country": "CN"})


def organisation_resources(organisation: Organisation) -> list[dict]:
    """``Organization``, ``Location`` and ``HealthcareService`` of one organisation."""
    org_id = f"org-{organisation.id}"
    status = current_standing(organisation).status
    active = status is OrganisationStatus.ACTIVE
    reference = {"reference": f"Organization/{org_id}", "display": organisation.name}
    address = _address(organisation)
    organization = _drop_empty({
        "resourceType": "Organization", "id": org_id, "active": active,
        "identifier": [{"use": "official", "system": f"{_base()}sid/uscc",
                        "value": organisation.uscc}],
        "type": [_concept(vocabulary.ORGANISATION_TYPES, organisation.org_type)],
        "name": organisation.name, "telecom": _telecom(organisation),
        "address": [address] if address else [],
    })
    location = _drop_empty({
        "resourceType": "Location", "id": f"loc-{organisation.id}",
        "status": LOCATION_STATUS[status], "name": organisation.name,
        "mode": "instance", "telecom": _telecom(organisation), "address": address,
        "managingOrganization": reference,
    })
    service = _drop_empty({
        "resourceType": "HealthcareService", "id": f"hs-{organisation.id}", "active": active,
        "providedBy": reference,
        "location": [{"reference": f"Location/loc-{organisation.id}"}],
        "name": organisation.name, "comment": organisation.description,
        "type": [_concept(vocabulary.SERVICES, code) for code in organisation.services or ()],
        "characteristic": [_concept(vocabulary.POPULATIONS, code)
                           for code in organisation.populations or ()],
        "serviceProvisionCode": [_concept(vocabulary.MODALITIES, code)
                                 for code in organisation.modalities or ()],
        "communication": [_concept(vocabulary.LANGUAGES, code)
                          for code in organisation.languages or ()],
        "telecom": _telecom(organisation),
        "availabilityExceptions": organisation.opening_hours,
    })
    return [organization, location, service]


def _qualification(qualification) -> dict:
    return _drop_empty({
        "identifier": [{"system": f"{_base()}sid/certificate/{qualification.kind}",
                        "value": qualification.certificate_number}],
        "code": _concept(vocabulary.QUALIFICATION_KINDS, qualification.kind),
        "period": _period(qualification.issued_on, qualification.expires_on),
        "issuer": {"display": qualification.issuer} if qualification.issuer else None,
    })


def practitioner_resources(practitioner: Practitioner, qualifications: list,
                           affiliations: list) -> list[dict]:
    """``Practitioner`` (with verified qualifications) and a ``PractitionerRole`` for each
    affiliation with a public organisation."""
    reference = {"reference": f"Practitioner/pr-{practitioner.id}", "display": practitioner.name}
    resources = [_drop_empty({
        "resourceType": "Practitioner", "id": f"pr-{practitioner.id}", "active": True,
        "name": [{"text": practitioner.name}],
        "gender": practitioner.gender.value if practitioner.gender else None,
        "qualification": [_qualification(q) for q in qualifications],
    })]
    for affiliation in affiliations:
        resources.append(_drop_empty({
            "resourceType": "PractitionerRole", "id": f"role-{affiliation.id}",
            "active": affiliation.is_current, "practitioner": reference,
            "organization": {"reference": f"Organization/org-{affiliation.organisation_id}",
                             "display": affiliation.organisation.name},
            "period": _period(affiliation.start_date, affiliation.end_date),
            "code": [{"text": label(affiliation.role)}],
            "location": [{"reference": f"Location/loc-{affiliation.organisation_id}"}],
            "healthcareService": [
                {"reference": f"HealthcareService/hs-{affiliation.organisation_id}"}],
        }))
    return resources


def resources(today: date) -> Iterator[dict]:
    """Every resource of the bundle, organisations first."""
    for batch in queries.in_batches(queries.public_organisations(), Organisation.id):
        for organisation in batch:
            yield from organisation_resources(organisation)
    for batch in queries.in_batches(queries.public_practitioners(), Practitioner.id):
        ids = [practitioner.id for practitioner in batch]
        qualifications = verified_qualifications(ids)
        affiliations = queries.public_affiliations(ids)
        for practitioner in batch:
            yield from practitioner_resources(practitioner, qualifications.get(practitioner.id, []),
                                              affiliations.get(practitioner.id, []))


def bundle_chunks(today: date, generated_at: datetime) -> Iterator[str]:
    """The ``Bundle`` as JSON text, one entry at a time."""
    head = {"resourceType": "Bundle", "id": f"register-{generated_at:%Y%m%d%H%M%S}",
            "type": "collection", "timestamp": generated_at.isoformat(timespec="seconds")}
    items = resources(today)
    first = next(items, None)
    if first is None:  # FHIR has no empty arrays: an empty register has no "entry"
        yield json.dumps(head, ensure_ascii=False)
        return
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "entry": [' + _entry(first)
    for resource in items:
        yield "," + _entry(resource)
    yield "]}"


def _entry(resource: dict) -> str:
    return json.dumps({"fullUrl": f"{_base()}{resource['resourceType']}/{resource['id']}",
                       "resource": resource}, ensure_ascii=False)
