"""Every admin change list renders (and the ledger's rows cannot be edited there)."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model

from ipchain.registry import items
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    org = factories.brand("acme")
    product = factories.product(org)
    items.register_item(actor=factories.brand_admin(org), brand=org, gtin=product.gtin, serial="A1")
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "x-test-pass"))
    return client


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_change_list_renders(staff_client, model):
    meta = model._meta
    assert staff_client.get(f"/admin/{meta.app_label}/{meta.model_name}/").status_code == 200


def test_ledger_entries_cannot_be_added_or_changed_in_the_admin(staff_client):
    assert staff_client.get("/admin/ledger/logentry/add/").status_code == 403
    assert staff_client.get("/admin/registry/item/add/").status_code == 403
