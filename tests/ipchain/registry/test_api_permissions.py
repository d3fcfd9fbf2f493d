"""Every registry endpoint by every role: who may do what (and nobody gets a 500)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.registry import items, keys
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    Role.OFFICE_ADMIN,
    Role.BRAND_ADMIN,
    Role.BRAND_OPERATOR,
    Role.CUSTOMS_OFFICER,
    Role.CUSTOMS_SUPERVISOR,
    "other_brand",
]


@pytest.fixture
def world():
    acme = factories.brand("acme")
    other = factories.brand("other")
    customs = factories.customs("nl-customs")
    product = factories.product(acme)
    item = items.register_item(actor=factories.brand_admin(acme), brand=acme, gtin=product.gtin, serial="P1")
    return {"acme": acme, "other": other, "customs": customs, "product": product, "item": item}


def client_for(role, world) -> APIClient:
    client = APIClient()
    org = {
        Role.OFFICE_ADMIN: factories.office(),
        Role.BRAND_ADMIN: world["acme"],
        Role.BRAND_OPERATOR: world["acme"],
        Role.CUSTOMS_OFFICER: world["customs"],
        Role.CUSTOMS_SUPERVISOR: world["customs"],
        "other_brand": world["other"],
    }.get(role)
    if org is not None:
        client.force_authenticate(factories.user(org, Role.BRAND_ADMIN if role == "other_brand" else role))
    return client


def right_url(world, suffix=""):
    return f"/api/v1/ip-rights/{world['acme'].ip_rights.get().pk}{suffix}"


def item_url(world, suffix=""):
    return f"/api/v1/items/{world['product'].gtin}/P1{suffix}"


# (name, request maker, expected status for each role in ROLES order)
CASES = [
    ("list products", lambda w: ("get", "/api/v1/products", None), [401, 200, 200, 200, 403, 403, 200]),
    (
        "create product",
        lambda w: ("post", "/api/v1/products", {"gtin": factories.gtin(), "name": "X"}),
        [401, 403, 201, 201, 403, 403, 201],
    ),
    (
        "update product",
        lambda w: ("patch", f"/api/v1/products/{w['product'].gtin}", {"name": "Y"}),
        [401, 403, 200, 200, 403, 403, 404],
    ),
    ("list items", lambda w: ("get", "/api/v1/items", None), [401, 200, 200, 200, 403, 403, 200]),
    (
        "register item",
        lambda w: ("post", "/api/v1/items", {"gtin": w["product"].gtin, "serial": "NEW1"}),
        [401, 403, 201, 201, 403, 403, 400],
    ),
    ("item detail", lambda w: ("get", item_url(w), None), [401, 200, 200, 200, 403, 403, 404]),
    (
        "record event",
        lambda w: ("post", item_url(w, "/events"), {"event": "shipped"}),
        [401, 403, 201, 201, 403, 403, 404],
    ),
    ("label png", lambda w: ("get", item_url(w, "/label"), None), [401, 200, 200, 200, 403, 403, 404]),
    (
        "signed record",
        lambda w: ("post", "/api/v1/records", {"type": "nothing"}),
        [401, 403, 400, 400, 403, 403, 400],
    ),
    ("list keys", lambda w: ("get", "/api/v1/keys", None), [401, 200, 200, 200, 200, 200, 200]),
    ("rotate key", lambda w: ("post", "/api/v1/keys", {"rotate": True}), [401, 201, 201, 403, 403, 403, 201]),
    (
        "revoke brand key",
        lambda w: ("post", f"/api/v1/keys/{keys.active_key(w['acme']).kid}/revoke", {"reason": "lost"}),
        [401, 200, 200, 403, 403, 403, 403],
    ),
    ("list bulk jobs", lambda w: ("get", "/api/v1/bulk-jobs", None), [401, 403, 200, 200, 403, 403, 200]),
    (
        "upload bulk job",
        lambda w: (
            "post",
            "/api/v1/bulk-jobs",
            {"file": SimpleUploadedFile("a.csv", f"gtin,serial\n{w['product'].gtin},B1\n".encode())},
        ),
        [401, 403, 202, 202, 403, 403, 202],
    ),
    ("list label jobs", lambda w: ("get", "/api/v1/label-jobs", None), [401, 403, 200, 200, 403, 403, 200]),
    (
        "list rights holders",
        lambda w: ("get", "/api/v1/rights-holders", None),
        [401, 200, 403, 403, 403, 403, 403],
    ),
    (
        "add rights holder",
        lambda w: ("post", "/api/v1/rights-holders", {"slug": "newco", "name": "NewCo", "country": "FR"}),
        [401, 201, 403, 403, 403, 403, 403],
    ),
    (
        "suspend rights holder",
        lambda w: (
            "post",
            "/api/v1/rights-holders/acme/decision",
            {"decision": "suspended", "reason": "court order"},
        ),
        [401, 200, 403, 403, 403, 403, 403],
    ),
    ("list IP rights", lambda w: ("get", "/api/v1/ip-rights", None), [401, 200, 200, 200, 403, 403, 200]),
    ("IP right detail", lambda w: ("get", right_url(w), None), [401, 200, 200, 200, 403, 403, 404]),
    (
        "register IP right",
        lambda w: (
            "post",
            "/api/v1/ip-rights",
            {
                "holder": "acme",
                "kind": "design",
                "office": "EM",
                "registration_number": "D1",
                "locarno_classes": [2],
            },
        ),
        [401, 201, 403, 403, 403, 403, 403],
    ),
    ("renew IP right", lambda w: ("post", right_url(w, "/renewal"), {}), [401, 409, 403, 403, 403, 403, 404]),
    (
        "assign IP right",
        lambda w: ("post", right_url(w, "/assignment"), {"new_owner": "other"}),
        [401, 400, 200, 403, 403, 403, 404],
    ),
    (
        "declare IP right invalid",
        lambda w: ("post", right_url(w, "/invalidation"), {"reason": "bad faith"}),
        [401, 200, 403, 403, 403, 403, 404],
    ),
    (
        "restore IP right",
        lambda w: ("post", right_url(w, "/restoration"), {}),
        [401, 409, 403, 403, 403, 403, 404],
    ),
    (
        "surrender IP right",
        lambda w: ("post", right_url(w, "/surrender"), None),
        [401, 403, 200, 403, 403, 403, 404],
    ),
    (
        "license IP right",
        lambda w: ("post", right_url(w, "/licences"), {"licensee": "other", "territory": ["FR"]}),
        [401, 403, 201, 403, 403, 403, 404],
    ),
    (
        "set product rights",
        lambda w: (
            "put",
            f"/api/v1/products/{w['product'].gtin}/rights",
            {"rights": [w["acme"].ip_rights.get().pk]},
        ),
        [401, 404, 200, 200, 403, 403, 404],
    ),
    (
        "append raw ledger record",
        lambda w: ("post", "/api/v1/log/entries", {"type": "note"}),
        [401, 202, 403, 403, 403, 403, 403],
    ),
]


@pytest.mark.parametrize(("name", "make", "expected"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=[str(r) for r in ROLES])
def test_permission_matrix(world, name, make, expected, role_index):
    method, url, data = make(world)
    client = client_for(ROLES[role_index], world)
    fmt = "multipart" if data and any(hasattr(v, "read") for v in data.values()) else "json"
    response = (
        getattr(client, method)(url, data, format=fmt)
        if data is not None
        else getattr(client, method)(url, format="json")
    )
    assert response.status_code == expected[role_index], response.content[:300]
    if response.status_code >= 400:
        assert "reason" in response.json()["error"]


def test_the_brand_sees_only_its_own_items(world):
    other_product = factories.product(world["other"])
    items.register_item(
        actor=factories.brand_admin(world["other"]),
        brand=world["other"],
        gtin=other_product.gtin,
        serial="O1",
    )
    response = client_for(Role.BRAND_OPERATOR, world).get("/api/v1/items")
    assert [row["serial"] for row in response.json()["results"]] == ["P1"]


def test_keys_never_expose_a_private_key(world):
    body = client_for(Role.BRAND_ADMIN, world).get("/api/v1/keys").content.decode()
    assert "PRIVATE" not in body and "sealed" not in body and "v1:" not in body
