"""Up to 1,000 items in one request, all or nothing: a refused batch names every bad item by
its index, with its reason, and registers none."""

import pytest
from django.db import DataError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.ledger.models import LogEntry
from ipchain.registry import items
from ipchain.registry.keys import signing_key
from ipchain.registry.models import Item
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand_api():
    brand = factories.brand("acme")
    product = factories.product(brand)
    api = APIClient()
    api.force_authenticate(factories.brand_admin(brand))
    return brand, product, api


def post(api, body):
    return api.post("/api/v1/items/batch", body, format="json")


def test_a_batch_registers_every_item_signed_in_the_ledger(brand_api):
    _brand, product, api = brand_api
    before = LogEntry.objects.count()
    batch = [{"gtin": product.gtin, "serial": f"B{n}", "lot": "L1", "origin": "vn"} for n in range(250)]
    answer = post(api, {"items": batch})
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["registered"] == 250 and len(body["items"]) == 250
    assert body["items"][0]["label_uri"].startswith(f"https://localhost:8000/01/{product.gtin}/21/B0?k=")
    assert Item.objects.filter(product=product).count() == 250
    assert LogEntry.objects.count() - before == 250
    assert set(Item.objects.values_list("origin_country", flat=True)) == {"VN"}


def test_a_bad_batch_names_every_bad_item_and_registers_none(brand_api):
    brand, product, api = brand_api
    items.register_item(actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="OLD")
    other = factories.product(factories.brand("other"))
    batch = [
        {"gtin": product.gtin, "serial": "OK-1"},
        {"gtin": "09506000134353", "serial": "X"},  # bad check digit
        {"gtin": product.gtin, "serial": "OK-1"},  # twice in the batch
        {"gtin": product.gtin, "serial": "OLD"},  # registered before
        {"gtin": other.gtin, "serial": "Y"},  # another brand's product
        {"gtin": product.gtin, "serial": "Z", "colour": "red"},  # a field no item has
        "not an object",
        {"gtin": product.gtin, "serial": "\\x00"},
        {"gtin": product.gtin, "serial": "D", "production_date": "2999-01-01"},
        {"gtin": product.gtin, "serial": ["list"]},
    ]
    answer = post(api, {"items": batch})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["reason"] == "bad_items"
    assert [(p["index"], p["reason"]) for p in error["items"]] == [
        (1, "bad_check_digit"),
        (2, "duplicate_in_file"),
        (3, "already_registered"),
        (4, "unknown_product"),
        (5, "bad_row"),
        (6, "bad_row"),
        (7, "bad_serial"),
        (8, "bad_date"),
        (9, "bad_serial"),
    ]
    assert not Item.objects.filter(serial="OK-1").exists()


@pytest.mark.parametrize("body", [{"items": []}, {"items": "x"}, {}, {"items": [{}] * 1001}, []])
def test_a_batch_that_is_not_one_is_refused(brand_api, body):
    _brand, _product, api = brand_api
    answer = post(api, body)
    assert answer.status_code == 400
    assert answer.json()["error"]["reason"] in {"bad_batch", "invalid", "parse_error"}
    assert not Item.objects.exists()


def test_only_a_brands_staff_register_a_batch(brand_api):
    _brand, product, _api = brand_api
    customs = APIClient()
    customs.force_authenticate(factories.user(factories.customs(), Role.CUSTOMS_OFFICER))
    assert post(customs, {"items": [{"gtin": product.gtin, "serial": "C"}]}).status_code == 403
    assert post(APIClient(), {"items": [{"gtin": product.gtin, "serial": "C"}]}).status_code in (401, 403)
    assert not Item.objects.exists()


@pytest.mark.postgres
def test_the_array_insert_refuses_a_value_too_long_for_its_column_rather_than_cut_it():
    """Items go in through one array a column on PostgreSQL (items._insert_items)."""
    brand = factories.brand()
    product = factories.product(brand)
    key, _ = signing_key(brand)
    entry = log.append_many([{"type": "test", "n": 1}])[0]
    made = Item(
        product=product,
        serial="S" * 25,
        owner=brand,
        key=key,
        label_sig=bytes(64),
        registration_entry=entry,
        head_hash=entry.leaf_hash,
        registered_at=timezone.now(),
    )
    with pytest.raises(DataError), transaction.atomic():
        items._insert_items([made])
    assert not Item.objects.filter(product=product).exists()
