"""Each rule is written once, in a service, and the API and the portal behave the same through
it: adding or rotating a key, creating a rights holder, editing a product's guide."""

import pytest
from rest_framework.test import APIClient

from ipchain.accounts.models import Organisation, Role
from ipchain.registry.models import OrgKey
from ipchain.registry.signing import PrivateKey
from tests import factories

pytestmark = pytest.mark.django_db


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def portal_as(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def brand():
    return factories.brand("acme")  # with its node-held key, active


def active_keys(org) -> list[str]:
    return list(org.keys.filter(status=OrgKey.Status.ACTIVE).values_list("kid", flat=True))


def test_a_second_key_without_rotate_is_refused_by_the_api(brand):
    before = active_keys(brand)
    response = api_as(factories.brand_admin(brand)).post("/api/v1/keys", {}, format="json")
    assert response.status_code == 409 and response.json()["error"]["reason"] == "active_key_exists"
    assert active_keys(brand) == before


def test_a_second_key_without_rotate_is_refused_by_the_portal(client, brand):
    before = active_keys(brand)
    response = portal_as(client, factories.brand_admin(brand)).post("/portal/keys/", {"public_pem": ""})
    assert response.status_code == 200  # the form again, with the reason in words
    # Replacing a key in use is asked for in so many words: the box, not one tap.
    assert "You already have an active key: tick the box to replace it." in response.content.decode()
    assert active_keys(brand) == before


@pytest.mark.parametrize("how", ["api", "portal"])
def test_rotation_asked_for_replaces_the_key_and_retires_the_old_one(client, brand, how):
    (old,) = active_keys(brand)
    admin = factories.brand_admin(brand)
    if how == "api":
        assert api_as(admin).post("/api/v1/keys", {"rotate": True}, format="json").status_code == 201
    else:
        response = portal_as(client, admin).post("/portal/keys/", {"public_pem": "", "rotate": "on"})
        assert response.status_code == 302
    (new,) = active_keys(brand)
    assert new != old and OrgKey.objects.get(kid=old).status == OrgKey.Status.RETIRED


@pytest.mark.parametrize("how", ["api", "portal"])
def test_a_holder_held_key_is_registered_alike(client, how):
    brand = factories.brand("beta", node_key=False)
    admin = factories.brand_admin(brand)
    pem = PrivateKey.generate().public_key.to_pem()
    if how == "api":
        assert api_as(admin).post("/api/v1/keys", {"public_pem": pem}, format="json").status_code == 201
    else:
        assert portal_as(client, admin).post("/portal/keys/", {"public_pem": pem}).status_code == 302
    (key,) = brand.keys.all()
    assert key.custody == OrgKey.Custody.HOLDER and key.registration_entry is not None


@pytest.mark.parametrize("how", ["api", "portal"])
def test_an_operator_may_not_manage_keys_either_way(client, brand, how):
    operator = factories.user(brand, Role.BRAND_OPERATOR)
    before = active_keys(brand)
    if how == "api":
        response = api_as(operator).post("/api/v1/keys", {"rotate": True}, format="json")
        assert response.status_code == 403
    else:
        response = portal_as(client, operator).post("/portal/keys/", {"public_pem": "", "rotate": "on"})
        assert "Your role does not allow this." in response.content.decode()
    assert active_keys(brand) == before


RIGHT = {"kind": "trademark", "office": "EM", "registration_number": "018000001", "nice_classes": [25]}


def create_holder(client, how, **fields):
    office_admin = factories.office_admin()
    data = {"slug": "gamma", "name": "Gamma AG", "country": "de"} | fields
    if how == "api":
        body = data | {"ip_rights": [RIGHT]}
        return api_as(office_admin).post("/api/v1/rights-holders", body, format="json")
    form = data | {
        "right_kind": RIGHT["kind"],
        "right_office": RIGHT["office"],
        "right_number": RIGHT["registration_number"],
        "right_nice": "25",
        "contact_email": "",
    }
    return portal_as(client, office_admin).post("/portal/office/holders/", form)


@pytest.mark.parametrize("how", ["api", "portal"])
def test_a_rights_holder_is_created_alike_with_its_right(client, how):
    response = create_holder(client, how)
    assert response.status_code in (201, 302)
    holder = Organisation.objects.get(slug="gamma")
    assert (holder.kind, holder.country, holder.status) == ("brand", "DE", "pending")
    (right,) = holder.ip_rights.all()
    assert (right.office, right.registration_number, right.nice_classes) == ("EM", "018000001", [25])


@pytest.mark.parametrize("how", ["api", "portal"])
def test_a_taken_identifier_and_a_bad_country_are_refused_alike(client, how):
    factories.brand("gamma")
    response = create_holder(client, how)
    if how == "api":
        assert response.status_code == 409 and response.json()["error"]["reason"] == "duplicate_slug"
    else:
        assert "That identifier is taken." in response.content.decode()
    response = create_holder(client, how, slug="delta", country="XX")
    if how == "api":
        assert response.status_code == 400 and response.json()["error"]["reason"] == "bad_country"
    else:
        assert "Choose a country or office from the list" in response.content.decode()
    assert not Organisation.objects.filter(slug="delta").exists()


def test_the_portal_saves_a_guide_through_the_catalogue_service(client, brand, monkeypatch):
    from ipchain.registry import catalogue

    product = factories.product(brand)
    called = []
    real = catalogue.update_product
    monkeypatch.setattr(catalogue, "update_product", lambda **kw: called.append(kw) or real(**kw))
    admin = factories.brand_admin(brand)
    response = portal_as(client, admin).post(
        f"/portal/products/{product.gtin}/", {"name": product.name, "genuine_features": "Stitched logo"}
    )
    assert response.status_code == 302 and called and called[0]["actor"] == admin
    product.refresh_from_db()
    assert product.genuine_features == "Stitched logo"
