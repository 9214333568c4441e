"""Schemathesis against ``/api/v1/openapi.json``: for a bounded number of generated requests
per operation, no answer is a server error and every answer matches its documented schema.

Reads run anonymously; every write runs with a real token of each role that acts through the
API (an organisation's staff, an assessor, a regulator, the admin), so generated bodies reach
the services and their checks, not only the 401 of a missing token."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from registry.auth import services as auth_services
from registry.auth.models import Role
from tests import factories
from tests.disclosure.builders import build_register

EXAMPLES = 12  # per read: keeps the whole test within a minute or two
WRITE_EXAMPLES = 6  # per write and role
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _role_tokens(records) -> dict[str, str]:
    """A bearer token of each role, acting in 烟台 (where the register's records are)."""
    organisation = records["active"]
    association = factories.make_association()
    accounts = {
        "org": factories.make_user(Role.ORG, organisation_id=organisation.id),
        "assessor": factories.make_user(Role.ASSESSOR, association_id=association.id),
        "regulator": factories.make_user(Role.REGULATOR),
        "admin": factories.make_user(Role.ADMIN, region_code=None),
    }
    return {role: auth_services.create_token(user, "schemathesis")[1]
            for role, user in accounts.items()}


def test_api_conforms_to_its_openapi_document(app, client, regions):
    records = build_register().records
    tokens = _role_tokens(records)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()
        method = operation.method.upper()
        if method in WRITES:
            # Schema-valid bodies may still be refused by a service's rules (an unknown
            # organisation, a wrong state: 404, 409, 422); no answer may be a 5xx or
            # undocumented.
            runs = [({"Authorization": f"Bearer {token}"}, [positive_data_acceptance],
                     WRITE_EXAMPLES) for token in tokens.values()]
            if (method, operation.path) == ("POST", "/api/v1/complaints"):
                runs.append(({}, [positive_data_acceptance], EXAMPLES))  # anonymous too
        else:
            headers = ({"Authorization": f"Bearer {records['token']}"}
                       if operation.path == "/api/v1/me" else {})
            runs = [(headers, [], EXAMPLES)]
        for headers, excluded, examples in runs:
            _run(operation, headers, excluded, examples)
        tested.append((method, operation.path))
    paths = {path for _method, path in tested}
    assert "/api/v1/sanctions" in paths and "/api/v1/changes" in paths
    assert sum(method in WRITES for method, _path in tested) >= 15, tested


def _run(operation, headers, excluded, examples):
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case):
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    check()
