"""Every enforcement endpoint by every role: who may do what, no cross-holder or
cross-authority read, and nobody gets a 500."""

import pytest
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.enforcement import applications
from tests import factories
from verifier import cases

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    Role.OFFICE_ADMIN,
    Role.BRAND_ADMIN,
    Role.BRAND_OPERATOR,
    Role.CUSTOMS_OFFICER,
    Role.CUSTOMS_SUPERVISOR,
    "other_brand",
    "other_customs",
]


@pytest.fixture
def world():
    acme, other = factories.brand("acme"), factories.brand("other")
    nl, be = factories.customs("nl-customs"), factories.customs("be-customs")
    product = factories.product(acme, genuine_features="Woven label")
    granted = factories.application(acme, nl)
    filed = applications.file_application(
        actor=factories.brand_admin(acme),
        holder=acme,
        competent_authority=nl,
        rights=list(acme.ip_rights.all()),
        contact_name="BP",
        contact_email="bp@acme.example",
        liability_undertaking=True,
    )
    case = cases.open_case(
        actor=factories.user(nl, Role.CUSTOMS_OFFICER), goods="Jackets", product=product, quantity=3
    )
    return {
        "acme": acme,
        "other": other,
        "nl": nl,
        "be": be,
        "product": product,
        "granted": granted,
        "filed": filed,
        "case": case,
    }


def client_for(role, world) -> APIClient:
    client = APIClient()
    org, as_role = {
        Role.OFFICE_ADMIN: (factories.office(), role),
        Role.BRAND_ADMIN: (world["acme"], role),
        Role.BRAND_OPERATOR: (world["acme"], role),
        Role.CUSTOMS_OFFICER: (world["nl"], role),
        Role.CUSTOMS_SUPERVISOR: (world["nl"], role),
        "other_brand": (world["other"], Role.BRAND_ADMIN),
        "other_customs": (world["be"], Role.CUSTOMS_SUPERVISOR),
    }.get(role, (None, None))
    if org is not None:
        client.force_authenticate(factories.user(org, as_role))
    return client


def right_ref(world) -> dict:
    return world["acme"].ip_rights.get().names


def application_url(world, which, suffix=""):
    return f"/api/v1/applications/{world[which].ref}{suffix}"


# (name, request maker, expected status for each role in ROLES order)
MATRIX = [
    (
        "list applications",
        lambda w: ("get", "/api/v1/applications", None),
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "file an application",
        lambda w: (
            "post",
            "/api/v1/applications",
            {
                "competent_authority": "nl-customs",
                "authorities": ["be-customs"],
                "rights": [right_ref(w)],
                "products": [w["product"].gtin],
                "contact_name": "BP",
                "contact_email": "bp@example.org",
                "liability_undertaking": True,
            },
        ),
        [401, 403, 201, 403, 403, 403, 400, 403],
    ),
    (
        "an application",
        lambda w: ("get", application_url(w, "granted"), None),
        [401, 200, 200, 200, 200, 200, 404, 404],
    ),
    (
        "decide",
        lambda w: ("post", application_url(w, "filed", "/decision"), {"decision": "granted"}),
        [401, 403, 403, 403, 403, 200, 404, 404],
    ),
    (
        "ask for an extension",
        lambda w: ("post", application_url(w, "granted", "/extension-request"), None),
        [401, 403, 200, 403, 403, 403, 404, 404],
    ),
    (
        "extend",
        lambda w: ("post", application_url(w, "granted", "/extension"), {}),
        [401, 403, 403, 403, 403, 200, 404, 404],
    ),
    (
        "suspend",
        lambda w: ("post", application_url(w, "granted", "/suspension"), {"reasons": "no reply"}),
        [401, 403, 403, 403, 403, 200, 404, 404],
    ),
    (
        "revoke",
        lambda w: ("post", application_url(w, "granted", "/revocation"), {"reasons": "false data"}),
        [401, 403, 403, 403, 403, 200, 404, 404],
    ),
    (
        "search the catalogue",
        lambda w: ("get", "/api/v1/catalogue", None),
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "who sees",
        lambda w: ("get", "/api/v1/portfolio/shares", None),
        [401, 403, 200, 200, 403, 403, 200, 403],
    ),
    (
        "share",
        lambda w: ("post", "/api/v1/portfolio/shares", {"authority": "be-customs"}),
        [401, 403, 201, 403, 403, 403, 201, 403],
    ),
    (
        "stop sharing",
        lambda w: ("delete", "/api/v1/portfolio/shares?authority=be-customs", None),
        [401, 403, 200, 403, 403, 403, 200, 403],
    ),
    (
        "who looked",
        lambda w: ("get", "/api/v1/portfolio/looks", None),
        [401, 403, 200, 200, 403, 403, 200, 403],
    ),
    (
        "the declarant's answer",
        lambda w: ("post", f"/api/v1/cases/{w['case'].pk}/declarant", {"answer": "agreed"}),
        [401, 404, 403, 403, 200, 200, 404, 404],
    ),
    (
        "open a case on a product",
        lambda w: ("post", "/api/v1/cases", {"goods": "Caps", "quantity": 2, "gtin": w["product"].gtin}),
        [401, 403, 403, 403, 201, 201, 403, 201],
    ),
]


@pytest.mark.parametrize(("name", "make", "expected"), MATRIX, ids=[row[0] for row in MATRIX])
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=[str(r) for r in ROLES])
def test_permission_matrix(world, name, make, expected, role_index):
    method, url, body = make(world)
    client = client_for(ROLES[role_index], world)
    response = (
        getattr(client, method)(url, body, format="json")
        if body is not None
        else getattr(client, method)(url)
    )
    assert response.status_code == expected[role_index], response.content[:300]


def test_no_cross_holder_or_cross_authority_read(world):
    other = client_for("other_brand", world)
    assert other.get("/api/v1/applications").json() == []
    assert [p["gtin"] for p in other.get("/api/v1/catalogue").json()] == []
    be = client_for("other_customs", world)
    assert be.get("/api/v1/applications").json() == []
    assert be.get("/api/v1/catalogue").json() == []
    assert be.get(f"/api/v1/cases/{world['case'].pk}").status_code == 404
    nl = client_for(Role.CUSTOMS_OFFICER, world)
    assert [p["gtin"] for p in nl.get("/api/v1/catalogue").json()] == [world["product"].gtin]
    seen = nl.get("/api/v1/applications").json()
    assert {a["ref"] for a in seen} == {world["granted"].ref, world["filed"].ref}
    assert {(a["holder"], a["competent_authority"]) for a in seen} == {("acme", "nl-customs")}


# A legal representative's user: acting for Acme under its mandate (X-Act-For), and acting
# for no client. Same rows as MATRIX, by name.
REPRESENTATIVE = {
    "list applications": (200, 200),
    "file an application": (201, 403),
    "an application": (200, 404),
    "decide": (403, 404),
    "ask for an extension": (200, 404),
    "extend": (403, 404),
    "suspend": (403, 404),
    "revoke": (403, 404),
    "search the catalogue": (200, 200),
    "who sees": (200, 403),
    "share": (201, 403),
    "stop sharing": (200, 403),
    "who looked": (200, 403),
    "the declarant's answer": (403, 404),
    "open a case on a product": (403, 403),
}


@pytest.mark.parametrize(("name", "make", "expected"), MATRIX, ids=[row[0] for row in MATRIX])
@pytest.mark.parametrize("acting", [True, False], ids=["acting for the holder", "acting for no one"])
def test_permission_matrix_of_a_representative(world, name, make, expected, acting):
    from ipchain.enforcement import mandates

    firm = mandates.create_representative(
        actor=factories.office_admin(), name="Brandguard", slug="brandguard", country="NL"
    )
    mandates.grant(actor=factories.brand_admin(world["acme"]), holder=world["acme"], representative=firm)
    client = APIClient()
    client.force_authenticate(factories.user(firm, Role.REPRESENTATIVE))
    headers = {"HTTP_X_ACT_FOR": "acme"} if acting else {}
    method, url, body = make(world)
    call = getattr(client, method)
    response = call(url, body, format="json", **headers) if body is not None else call(url, **headers)
    assert response.status_code == REPRESENTATIVE[name][0 if acting else 1], response.content[:300]


@pytest.mark.parametrize(
    "body",
    [
        {"competent_authority": "nl-customs", "rights": "x", "contact_name": "a", "contact_email": "a@b.c"},
        {"competent_authority": "x\x00", "rights": [], "liability_undertaking": True},
        {"rights": [{"office": "EM", "kind": "trademark", "number": "1" * 100}]},
        [1, 2, 3],
        "text",
    ],
)
def test_bad_application_bodies_are_400(world, body):
    client = client_for(Role.BRAND_ADMIN, world)
    response = client.post("/api/v1/applications", body, format="json")
    assert response.status_code == 400 and "reason" in response.json()["error"]


def test_a_decision_on_a_decided_application_is_409(world):
    client = client_for(Role.CUSTOMS_SUPERVISOR, world)
    url = application_url(world, "granted", "/decision")
    response = client.post(url, {"decision": "granted"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["reason"] == "already_decided"
