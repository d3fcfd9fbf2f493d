"""The IP rights pages: who sees which rights, and each form records what it says."""

from datetime import UTC, datetime

import pytest
import time_machine

from ipchain.accounts.models import Role
from ipchain.registry.models import IpRight, Item, Licence
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    acme, other = factories.brand("acme"), factories.brand("other")
    factories.product(acme, name="Trail jacket")
    return {"acme": acme, "other": other, "right": acme.ip_rights.get()}


def signed_in(client, org, role):
    client.force_login(factories.user(org, role))
    return client


def test_a_holder_sees_its_rights_and_not_anothers(client, world):
    signed_in(client, world["acme"], Role.BRAND_OPERATOR)
    page = client.get("/portal/rights/").content.decode()
    assert world["right"].registration_number in page
    assert "Trail jacket" in client.get(f"/portal/rights/{world['right'].pk}/").content.decode()
    theirs = world["other"].ip_rights.get()
    assert theirs.registration_number not in page
    assert client.get(f"/portal/rights/{theirs.pk}/").status_code == 404


def test_customs_staff_have_no_rights_pages(client, world):
    signed_in(client, factories.customs(), Role.CUSTOMS_OFFICER)
    assert client.get("/portal/rights/").status_code == 403


def test_the_owner_grants_a_licence_and_ends_it(client, world):
    signed_in(client, world["acme"], Role.BRAND_ADMIN)
    url = f"/portal/rights/{world['right'].pk}/licence/"
    response = client.post(url, {"licensee": world["other"].pk, "territory": "fr, em"}, follow=True)
    assert "Licence recorded in the ledger." in response.content.decode()
    licence = Licence.objects.get()
    assert (licence.licensee, licence.territory) == (world["other"], ["EM", "FR"])
    client.post(f"/portal/licences/{licence.ref}/end/")
    licence.refresh_from_db()
    assert licence.status == Licence.Status.ENDED


def test_a_bad_territory_is_said_in_words_and_nothing_is_recorded(client, world):
    signed_in(client, world["acme"], Role.BRAND_ADMIN)
    url = f"/portal/rights/{world['right'].pk}/licence/"
    response = client.post(url, {"licensee": world["other"].pk, "territory": "XX\x00"}, follow=True)
    assert response.status_code == 200 and not Licence.objects.exists()


def test_surrender_asks_first(client, world):
    signed_in(client, world["acme"], Role.BRAND_ADMIN)
    url = f"/portal/rights/{world['right'].pk}/surrender/"
    client.post(url, {})
    assert IpRight.objects.get(pk=world["right"].pk).status == IpRight.Status.REGISTERED
    client.post(url, {"confirm": "on"})
    assert IpRight.objects.get(pk=world["right"].pk).status == IpRight.Status.SURRENDERED


def test_an_operator_cannot_act_for_the_owner(client, world):
    signed_in(client, world["acme"], Role.BRAND_OPERATOR)
    client.post(f"/portal/rights/{world['right'].pk}/surrender/", {"confirm": "on"})
    assert IpRight.objects.get(pk=world["right"].pk).status == IpRight.Status.REGISTERED


def test_the_office_renews_in_the_window_and_is_told_when_it_is_not(client, world):
    right = world["right"]
    admin = factories.user(factories.office(), Role.OFFICE_ADMIN)
    client.force_login(admin)
    response = client.post(f"/portal/rights/{right.pk}/renew/", {}, follow=True)
    assert "Renewal is open only in the months before expiry" in response.content.decode()
    assert IpRight.objects.get(pk=right.pk).expiry_date == right.expiry_date
    expiry_day = datetime.combine(right.expiry_date, datetime.min.time(), tzinfo=UTC)
    with time_machine.travel(expiry_day, tick=False):
        client.force_login(admin)  # ten years on, the session has long expired
        assert "Renewal due" in client.get("/portal/rights/").content.decode()
        client.post(f"/portal/rights/{right.pk}/renew/", {})
    assert IpRight.objects.get(pk=right.pk).expiry_date.year == right.expiry_date.year + 10


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_the_pages_speak_the_readers_language(client, world, language):
    signed_in(client, world["acme"], Role.BRAND_ADMIN)
    response = client.get(f"/portal/rights/{world['right'].pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == language


def test_a_licensee_registers_its_own_items_of_a_licensed_product_and_changes_nothing_else(client, world):
    from ipchain.registry import rights

    jacket = world["acme"].products.get()
    rights.grant_licence(
        actor=factories.brand_admin(world["acme"]),
        right=world["right"],
        licensee=world["other"],
        territory=["FR"],
    )
    signed_in(client, world["other"], Role.BRAND_ADMIN)
    assert "Trail jacket" in client.get("/portal/products/").content.decode()
    page = client.get(f"/portal/products/{jacket.gtin}/").content.decode()
    assert "under licence from Acme" in page and "Save guide" not in page
    response = client.post(f"/portal/products/{jacket.gtin}/", {"register": "1", "serial": "L1"})
    item = Item.objects.get(serial="L1")
    assert response.status_code == 302 and item.owner == world["other"] and item.licence is not None
    denied = client.post(f"/portal/products/{jacket.gtin}/", {"name": "Mine now"})
    assert denied.status_code == 403
    jacket.refresh_from_db()
    assert jacket.name == "Trail jacket"
