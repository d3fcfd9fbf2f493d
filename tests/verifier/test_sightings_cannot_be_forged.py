"""Sightings nobody can forge or poison: an officer's position comes from the officer's device
(the request body) or office, never from a URL; no number of public scans changes an
officer's verdict; what the public does is told to the rights holder once, not once a scan."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.ledger import log
from ipchain.registry import items
from ipchain.registry.digital_link import build_label_uri, label_message
from ipchain.registry.signing import PrivateKey
from tests import factories
from verifier.models import Alert, Scan

pytestmark = pytest.mark.django_db

ROTTERDAM, HAMBURG = (51.95, 4.03), (53.55, 9.99)


def officer_at(authority, office, position):
    officer = factories.user(authority, Role.CUSTOMS_OFFICER)
    membership = officer.membership
    membership.customs_office, (membership.latitude, membership.longitude) = office, position
    membership.save()
    return officer


@pytest.fixture
def world():
    brand = factories.brand("acme")
    product = factories.product(brand)
    item = items.register_item(
        actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="S1"
    )
    log.integrate_pending()
    customs = factories.customs("eu-customs")
    return {
        "brand": brand,
        "product": product,
        "item": item,
        "rotterdam": officer_at(customs, "Rotterdam", ROTTERDAM),
        "hamburg": officer_at(customs, "Hamburg", HAMBURG),
    }


def landing(client, world, **query):
    uri = items.label_uri(world["item"]).split("://", 1)[1].split("/", 1)[1]
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    return client.get(f"/{uri}{extra}", HTTP_ACCEPT="application/json").json()


def test_a_position_in_the_url_does_not_move_an_officer(client, world):
    """The attack: both officers open the label with Hamburg's position appended, so the
    Rotterdam sighting would look like Hamburg and the journey plausible."""
    client.force_login(world["rotterdam"])
    assert landing(client, world, lat=HAMBURG[0], lon=HAMBURG[1])["verdict"] == "genuine"
    client.force_login(world["hamburg"])
    second = landing(client, world, lat=HAMBURG[0], lon=HAMBURG[1])
    assert second["verdict"] == "suspected_clone"
    assert [r["code"] for r in second["reasons"]] == ["travel"]
    first = Scan.objects.order_by("created_at").first()
    assert (first.latitude, first.longitude) == ROTTERDAM  # the office's, not the URL's


def test_the_officers_device_position_comes_in_the_body(world):
    client = APIClient()
    client.force_authenticate(world["rotterdam"])
    uri = items.label_uri(world["item"])
    body = client.post(
        "/api/v1/verify", {"code": uri, "latitude": 51.9, "longitude": 4.4}, format="json"
    ).json()
    assert body["verdict"] == "genuine"
    assert (Scan.objects.get().latitude, Scan.objects.get().longitude) == (51.9, 4.4)


def test_the_scanner_page_posts_the_device_position(client, world):
    client.force_login(world["rotterdam"])
    code = items.label_uri(world["item"])
    page = client.post("/verify/", {"code": code, "latitude": "51.9", "longitude": "4.4"})
    assert page.status_code == 200 and 'data-verdict="genuine"' in page.content.decode()
    assert (Scan.objects.get().latitude, Scan.objects.get().longitude) == (51.9, 4.4)
    client.post("/verify/", {"code": code, "latitude": "nan", "longitude": "4.4"})
    assert Scan.objects.order_by("created_at").last().latitude == ROTTERDAM[0]  # not a position


@pytest.mark.parametrize("how", ["label landing", "api"])
def test_no_number_of_public_scans_makes_a_genuine_item_a_clone(client, world, settings, how):
    """Thirteen anonymous scans from thirteen made-up places, then an officer: genuine. The
    rights holder hears of the pattern once."""
    settings.IPCHAIN_CLONE_RULES = settings.IPCHAIN_CLONE_RULES | {"public_places_alert": 10}
    anonymous = APIClient()
    for n in range(13):
        position = (-40 + n * 7, -150 + n * 23)
        if how == "api":
            code = items.label_uri(world["item"])
            answer = anonymous.post(
                "/api/v1/verify",
                {"code": code, "latitude": position[0], "longitude": position[1]},
                format="json",
            ).json()
        else:
            answer = landing(client, world, lat=position[0], lon=position[1])
        assert answer["verdict"] == "genuine"
    officer = APIClient()
    officer.force_authenticate(world["rotterdam"])
    assert (
        officer.post("/api/v1/verify", {"code": items.label_uri(world["item"])}, format="json").json()[
            "verdict"
        ]
        == "genuine"
    )
    alerts = list(Alert.objects.filter(brand=world["brand"]))
    if how == "api":  # the API takes a position from the body: the pattern is seen
        (alert,) = alerts
        assert alert.kind == Alert.Kind.PUBLIC_PATTERN and alert.repeats == 4  # scans 10 to 13
        assert "no verdict was changed" in alert.message
    else:  # the landing takes none from the URL: nothing to see
        assert alerts == []


def test_twenty_one_forged_scans_are_one_alert_seen_twenty_one_times(client, world):
    forger = PrivateKey.generate()
    gtin = world["product"].gtin
    forged = build_label_uri(
        "x.example", gtin, "S1", world["item"].key.kid, forger.sign(label_message(gtin, "S1"))
    )
    anonymous = APIClient()
    for _ in range(21):
        assert anonymous.post("/api/v1/verify", {"code": forged}, format="json").json()["verdict"] == "forged"
    (alert,) = Alert.objects.filter(brand=world["brand"])
    assert (alert.kind, alert.repeats) == ("forged", 21)
    assert alert.last_seen_at is not None and alert.last_seen_at >= alert.created_at
    alert.read_at = timezone.now()
    alert.save()
    anonymous.post("/api/v1/verify", {"code": forged}, format="json")
    assert Alert.objects.filter(brand=world["brand"]).count() == 2  # read: the next is new
