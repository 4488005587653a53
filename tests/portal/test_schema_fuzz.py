"""A bounded schemathesis run against the OpenAPI schema: no 500 on any operation (issue 11).

Each operation gets a few generated requests, signed in as the city's chief (who may call every
city endpoint) with the real city's slug in the path, so most requests reach the validation code
instead of stopping at a 404.
"""

import json

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from portal.roles import Role
from tests.factories import city_user

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 4


def operations():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(raw)
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        found.append(pytest.param(operation, id=f"{operation.method.upper()} {operation.path}"))
    return found


@pytest.mark.parametrize("operation", operations())
def test_no_operation_answers_500(client, city_a, operation):
    chief = city_user(city_a, Role.CHIEF)
    client.force_login(chief)

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case):
        if case.path_parameters and "city_slug" in case.path_parameters:
            case.path_parameters["city_slug"] = city_a.slug
        path = case.formatted_path
        headers = {
            k: v
            for k, v in (case.headers or {}).items()
            if k.lower() not in ("content-type", "content-length")
        }
        body = case.body
        media = case.media_type or "application/json"
        kwargs = {}
        if body is not None and not isinstance(body, schemathesis.core.NotSet):
            if "json" in media:
                kwargs = {"data": json.dumps(body), "content_type": "application/json"}
            elif isinstance(body, dict):
                # multipart: every value as text or a file
                kwargs = {
                    "data": {
                        key: (value if isinstance(value, bytes | str) else json.dumps(value))
                        for key, value in body.items()
                        if key
                    }
                }
            else:
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                kwargs = {"data": raw, "content_type": media}
        method = case.method.lower()
        if "data" in kwargs and "content_type" not in kwargs:
            response = getattr(client, method)(path, kwargs["data"], query_params=case.query, headers=headers)
        else:
            response = client.generic(
                method.upper(), path, query_params=case.query, headers=headers, **kwargs
            )
        assert response.status_code < 500, (case.method, path, response.content[:300])

    check()
