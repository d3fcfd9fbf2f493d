"""The OpenAPI schema is the contract, checked by schemathesis: generated requests to every
operation, as a rights holder's administrator, a customs officer and the office's
administrator, get no server error, answer only the statuses and the bodies the schema
documents (every error with the one JSON error body), in its content types. Bounded by
SCHEMA_EXAMPLES a role and operation (make test keeps it to a few minutes)."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from ipchain.accounts.models import Role
from ipchain.registry import items
from tests import factories

EXAMPLES = int(os.environ.get("SCHEMA_EXAMPLES", "10"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = application


def token_for(role: str) -> str:
    if role == "brand":
        brand = factories.brand("acme")
        product = factories.product(brand)
        admin = factories.brand_admin(brand)
        items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial="S1")
        user = admin
    elif role == "officer":
        user = factories.user(factories.customs("nl-customs"), Role.CUSTOMS_OFFICER)
    else:
        user = factories.office_admin()
    return Token.objects.create(user=user).key


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: the requests run inside the test's transaction, so the
    end of a request must not close the connection (Django's close_old_connections)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["brand", "officer", "office"])
def auth(request, db):
    return {"Authorization": f"Token {token_for(request.param)}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_keeps_its_contract(case, auth):
    # The schema describes shapes, not rules (a GTIN's check digit, a key's PEM, a file's
    # rows): schema-valid data may still be refused with a 4xx, which the other checks
    # require to be documented and to carry the error body.
    case.call_and_validate(headers=auth, checks=CHECKS)
