"""What a verdict shows depends on who asks: the public gets the verdict, the product, its
brand and what to do; customs, the office and the item's own rights holder also get the
identification guide, the contacts and the history with its customs actions."""

import pytest
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.registry import items
from tests import factories
from verifier import cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    brand = factories.brand("acme")
    brand.contact_email, brand.contact_phone, brand.website = (
        "protect@acme.example",
        "+31 10 000",
        "https://acme.example",
    )
    brand.save()
    product = factories.product(
        brand, genuine_features="Holographic woven label", trade_routes="Rotterdam only"
    )
    item = items.register_item(
        actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="A1"
    )
    customs = factories.customs("nl-customs")
    factories.application(brand, customs)  # the holder's guides go to the authority it asked
    officer = factories.user(customs, Role.CUSTOMS_OFFICER)
    cases.record_suspicion(actor=officer, item=item)
    log.integrate_pending()
    return {"brand": brand, "item": item, "officer": officer}


def verdict_as(user, world) -> dict:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client.post("/api/v1/verify", {"code": items.label_uri(world["item"])}, format="json").json()


def who(name, world):
    return {
        "public": None,
        "officer": world["officer"],
        "office": factories.office_admin(),
        "holder": factories.brand_admin(world["brand"]),
        "another holder": factories.brand_admin(factories.brand("beta")),
    }[name]


@pytest.mark.parametrize("name", ["public", "another holder"])
def test_outsiders_see_the_verdict_product_and_brand_only(world, name):
    body = verdict_as(who(name, world), world)
    assert body["verdict"] == "genuine"
    assert body["item"] == {
        "product": body["item"]["product"],
        "brand": "Acme",
        "status": "active",
        "registered_at": body["item"]["registered_at"],
        "rights_holder": {"name": "Acme", "website": "https://acme.example"},
    }
    text = str(body)
    assert (
        "Holographic" not in text and "protect@acme.example" not in text and "customs_suspected" not in text
    )


@pytest.mark.parametrize("name", ["officer", "office", "holder"])
def test_customs_the_office_and_the_holder_see_the_guide_and_history(world, name):
    body = verdict_as(who(name, world), world)
    item = body["item"]
    assert item["guide"]["genuine_features"] == "Holographic woven label"
    assert item["rights_holder"]["email"] == "protect@acme.example"
    assert [step["event"] for step in item["history"]] == ["registered", "customs_suspected"]


def test_the_public_page_shows_no_guide_no_contacts_no_customs_history(client, world):
    uri = items.label_uri(world["item"])
    page = client.get("/verify/", {"code": uri}).content.decode()
    assert 'data-verdict="genuine"' in page
    assert "Holographic" not in page and "protect@acme.example" not in page and "tel:" not in page
    assert "Customs: suspected" not in page and "Consider detaining" not in page
    client.force_login(world["officer"])
    page = client.get("/verify/", {"code": uri}).content.decode()
    assert "Holographic" in page and "Customs: suspected" in page


def test_an_officer_of_an_authority_the_holder_does_not_share_with_sees_no_guide(world):
    stranger = factories.user(factories.customs("be-customs"), Role.CUSTOMS_OFFICER)
    body = verdict_as(stranger, world)
    item = body["item"]
    assert item["guide"] is None and item["guide_shared"] is False
    assert "email" not in item["rights_holder"] and "Holographic" not in str(body)
    assert [step["event"] for step in item["history"]] == ["registered", "customs_suspected"]
    page = APIClient()
    page.force_login(stranger)
    html = page.get("/verify/", {"code": items.label_uri(world["item"])}).content.decode()
    assert 'data-guide="withheld"' in html and "Holographic" not in html


def test_a_share_chosen_by_the_holder_shows_the_guide(world):
    from ipchain.enforcement import portfolio

    authority = factories.customs("be-customs")
    stranger = factories.user(authority, Role.CUSTOMS_OFFICER)
    portfolio.share(actor=factories.brand_admin(world["brand"]), holder=world["brand"], authority=authority)
    portfolio.forget()  # the share's commit callback, in this test's transaction
    assert verdict_as(stranger, world)["item"]["guide"]["genuine_features"] == "Holographic woven label"
