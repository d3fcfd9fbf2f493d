"""Who sees a holder's product knowledge: the authorities its granted applications name, those
it shares with, the office and itself; the officers' catalogue search; every look kept."""

import pytest
from django.test import Client

from ipchain.accounts.models import Role
from ipchain.enforcement import portfolio
from ipchain.enforcement.models import GuideView
from ipchain.registry import items
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    acme, beta = factories.brand("acme"), factories.brand("beta")
    nl, be = factories.customs("nl-customs"), factories.customs("be-customs")
    factories.application(acme, nl)
    jacket = factories.product(acme, name="Trail Jacket", genuine_features="Woven label inside")
    boot = factories.product(beta, name="Hiking Boot", genuine_features="Red stitching")
    return {
        "acme": acme,
        "beta": beta,
        "nl": nl,
        "be": be,
        "jacket": jacket,
        "boot": boot,
        "nl_officer": factories.user(nl, Role.CUSTOMS_OFFICER),
        "be_officer": factories.user(be, Role.CUSTOMS_OFFICER),
    }


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def found(user, **search) -> list[str]:
    return [p.name for p in portfolio.catalogue(user, **search)]


def test_the_catalogue_shows_an_officer_only_what_is_shared_with_its_authority(world):
    assert found(world["nl_officer"]) == ["Trail Jacket"]
    assert found(world["be_officer"]) == []
    assert found(factories.office_admin()) == ["Trail Jacket", "Hiking Boot"]  # by brand, then name
    assert found(factories.brand_admin(world["beta"])) == ["Hiking Boot"]
    assert portfolio.not_shared_with(world["nl_officer"]) == 1


@pytest.mark.parametrize(
    ("search", "hits"),
    [
        ({"text": "jacket"}, ["Trail Jacket"]),
        ({"text": "acme trail"}, ["Trail Jacket"]),
        ({"text": "boot"}, []),
        ({"klass": 25}, ["Trail Jacket"]),
        ({"klass": 9}, []),
    ],
)
def test_the_catalogue_search(world, search, hits):
    assert found(world["nl_officer"], **search) == hits


def test_search_by_gtin_and_right_number(world):
    jacket, right = world["jacket"], world["acme"].ip_rights.get()
    assert found(world["nl_officer"], gtin=jacket.gtin[-6:]) == ["Trail Jacket"]
    assert found(world["nl_officer"], right=right.registration_number) == ["Trail Jacket"]


def test_a_share_opens_the_portfolio_and_removing_it_closes_it(world):
    admin = factories.brand_admin(world["beta"])
    portfolio.share(actor=admin, holder=world["beta"], authority=world["be"])
    portfolio.forget()
    assert found(world["be_officer"]) == ["Hiking Boot"]
    portfolio.unshare(actor=admin, holder=world["beta"], authority=world["be"])
    portfolio.forget()
    assert found(world["be_officer"]) == []


def test_the_product_page_is_recorded_and_the_holder_sees_who_looked(world):
    url = f"/verify/catalogue/{world['jacket'].gtin}/"
    page = signed_in(world["nl_officer"]).get(url)
    assert page.status_code == 200 and "Woven label inside" in page.content.decode()
    assert f"/verify/cases/new?gtin={world['jacket'].gtin}" in page.content.decode()
    assert signed_in(world["be_officer"]).get(url).status_code == 404
    assert GuideView.objects.filter(authority=world["nl"]).count() == 1

    # A verdict shown to an officer counts as a look too (its scan).
    item = items.register_item(
        actor=factories.brand_admin(world["acme"]),
        brand=world["acme"],
        gtin=world["jacket"].gtin,
        serial="S1",
    )
    signed_in(world["nl_officer"]).get("/verify/", {"code": items.label_uri(item)})
    looked = portfolio.views_of(world["acme"])
    assert [(v["authority"], v["via"]) for v in looked] == [("Customs", "scan"), ("Customs", "catalogue")]
    holder_page = signed_in(factories.brand_admin(world["acme"])).get("/portal/applications/sharing/")
    html = holder_page.content.decode()
    assert holder_page.status_code == 200 and 'data-authority="nl-customs"' in html
    assert "scanned a label" in html and "opened the catalogue" in html


def test_the_sharing_page_is_the_holders_own(world):
    for user, status in [
        (world["nl_officer"], 403),
        (factories.office_admin(), 403),
        (factories.user(world["acme"], Role.BRAND_OPERATOR), 200),
    ]:
        assert signed_in(user).get("/portal/applications/sharing/").status_code == status
    operator = signed_in(factories.user(world["acme"], Role.BRAND_OPERATOR))
    assert operator.post("/portal/applications/sharing/", {"authority": world["be"].pk}).status_code == 403
    admin = signed_in(factories.brand_admin(world["acme"]))
    assert admin.post("/portal/applications/sharing/", {"authority": world["be"].pk}).status_code == 302
    assert admin.post("/portal/applications/sharing/", {"authority": "x\x00"}).status_code == 400


def test_catalogue_search_input_is_checked(world):
    client = signed_in(world["nl_officer"])
    assert client.get("/verify/catalogue/", {"klass": "abc"}).status_code == 400
    assert client.get("/verify/catalogue/", {"gtin": "12ab"}).status_code == 400
    assert client.get("/verify/catalogue/", {"q": "x" * 101}).status_code == 400
    assert client.get("/verify/catalogue/", {"q": "a\x00b"}).status_code == 400
    assert client.get("/verify/catalogue/", {"q": "jacket", "page": "999"}).status_code == 200
    assert client.get("/verify/catalogue/", {"q": "\u202ejacket"}).status_code == 200
