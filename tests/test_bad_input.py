"""Bad input answers 4xx with a reason, never 500, and writes nothing: each case found by
trying the service as an attacker would (NUL bytes, wrong JSON types, deep nesting, huge
bodies, odd Unicode)."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.ledger.models import LogEntry
from ipchain.registry import items
from ipchain.registry.models import IpRight, Item
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    brand = factories.brand("acme")
    product = factories.product(brand)
    admin = factories.brand_admin(brand)
    item = items.register_item(actor=admin, brand=brand, gtin=product.gtin, serial="B1")
    api = APIClient()
    api.force_authenticate(admin)
    portal = Client()
    portal.force_login(admin)
    return {"brand": brand, "product": product, "admin": admin, "item": item, "api": api, "portal": portal}


def assert_refused(response, status=400):
    assert response.status_code == status, (response.status_code, response.content[:300])
    if response["Content-Type"].startswith("application/json"):
        assert response.json()["error"]["reason"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/items?q=%00",
        "/api/v1/items?gtin=%00",
        "/api/v1/items?status=%00",
        "/api/v1/items/09506000000015/A%00B",
        "/api/v1/items/09506000000015/A%00B/epcis",
        "/portal/items/?q=%00",
        "/portal/products/09506000000015%00/",
        "/portal/items/%00/B1/",
    ],
)
def test_a_nul_byte_in_the_address_is_refused(world, path):
    client = world["portal"] if path.startswith("/portal/") else world["api"]
    assert_refused(client.get(path))


def test_a_nul_byte_in_a_key_to_revoke_is_refused(world):
    assert_refused(world["api"].post("/api/v1/keys/a%00b/revoke", {"reason": "x"}, format="json"))


def signed_registration(world, **changes) -> dict:
    record = {
        "v": 1,
        "type": "item.registered",
        "time": "2026-12-01T10:00:00Z",
        "brand": "acme",
        "gtin": world["product"].gtin,
        "serial": "SIGNED1",
        "label_sig": "x",
        "kid": "k",
        "sig": "s",
    }
    return record | changes


@pytest.mark.parametrize(
    "changes",
    [{"lot": 5}, {"origin": 5}, {"kid": "a\x00b"}, {"time": 1e17}, {"serial": ["x"]}, {"production_date": 5}],
)
def test_a_signed_record_with_wrong_types_is_refused(world, changes):
    before = LogEntry.objects.count()
    response = world["api"].post("/api/v1/records", signed_registration(world, **changes), format="json")
    assert_refused(response)
    assert LogEntry.objects.count() == before


def test_an_event_with_a_nul_in_a_details_key_is_refused(world):
    path = f"/api/v1/items/{world['product'].gtin}/B1/events"
    body = {"event": "shipped", "details": {"a\x00": "b"}}
    assert_refused(world["api"].post(path, body, format="json"))
    assert world["item"].events.count() == 0


@pytest.mark.parametrize("classes", [["x"], [[1]], {"a": 1}, 5, [True], [46], [0]])
def test_nice_classes_must_be_numbers_from_1_to_45(world, classes):
    office = APIClient()
    office.force_authenticate(factories.office_admin())
    right = {"kind": "trademark", "office": "EM", "registration_number": "1", "nice_classes": classes}
    body = {"slug": "beta", "name": "Beta", "country": "DE", "ip_rights": [right]}
    assert_refused(office.post("/api/v1/rights-holders", body, format="json"))
    assert not IpRight.objects.filter(registration_number="1").exists()


def test_the_portal_holder_form_takes_odd_digits_without_failing(world):
    office = Client()
    office.force_login(factories.office_admin())
    form = {
        "slug": "beta",
        "name": "Beta",
        "country": "DE",
        "right_kind": "trademark",
        "right_office": "EM",
        "right_number": "1",
        "right_nice": "¹ ٣ 25",
    }
    assert office.post("/portal/office/holders/", form).status_code in (200, 302)


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"code": "' + "\\u0000" + '"}',
        '{"code": NaN}',
        '{"code": {"a": ' * 40 + "1" + "}" * 40 + "}",
        "\udc80",
    ],
)
def test_hostile_json_is_refused_on_every_json_endpoint(world, body):
    for path in ("/api/v1/verify", "/api/v1/items", "/api/v1/cases"):
        response = world["api"].post(
            path, body.encode("utf-8", "surrogatepass"), content_type="application/json"
        )
        assert response.status_code in (400, 403), (path, response.status_code)
        assert response.json()["error"]["reason"] in ("parse_error", "permission_denied")


def test_a_huge_body_gets_a_json_413(world):
    body = json.dumps({"code": "x" * (6 * 2**20)})
    response = world["api"].post("/api/v1/verify", body, content_type="application/json")
    assert response.status_code == 413 and response.json()["error"]["reason"] == "too_large"


def test_an_item_cannot_go_to_a_customs_authority(world):
    customs = factories.customs("nl-customs")
    path = f"/api/v1/items/{world['product'].gtin}/B1/events"
    response = world["api"].post(
        path, {"event": "ownership_transferred", "details": {"to": customs.slug}}, format="json"
    )
    assert_refused(response)
    assert response.json()["error"]["reason"] == "owner_is_customs"
    assert Item.objects.get(pk=world["item"].pk).owner == world["brand"]


def test_a_label_comes_as_png_or_svg_as_documented(world):
    path = f"/api/v1/items/{world['product'].gtin}/B1/label"
    svg = world["api"].get(path, {"format": "svg"})
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    png = world["api"].get(path, {"format": "png"})
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_officer_sees_no_registry_data(world):
    officer = APIClient()
    officer.force_authenticate(factories.user(factories.customs("nl-customs"), Role.CUSTOMS_OFFICER))
    assert officer.get("/api/v1/items").status_code == 403
