"""A holder is asked before it ends what it gave (a mandate, a risk alert, a share): the first
POST shows the question and changes nothing; the same POST with confirm=yes does it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ipchain.enforcement import mandates, portfolio, risk_alerts
from ipchain.enforcement.models import Mandate, PortfolioShare, RiskAlert
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    acme = factories.brand("acme")
    admin = factories.brand_admin(acme)
    customs = factories.customs("nl-customs")
    firm = mandates.create_representative(
        actor=factories.office_admin(), name="Brandguard Legal", slug="brandguard", country="NL"
    )
    client = Client()
    client.force_login(admin)
    return {
        "client": client,
        "mandate": mandates.grant(actor=admin, holder=acme, representative=firm),
        "share": portfolio.share(actor=admin, holder=acme, authority=customs),
        "alert": risk_alerts.post_alert(
            actor=admin,
            holder=acme,
            kind="route",
            title="Fake jackets via Hamburg",
            details="Declared as textiles.",
            authorities=[customs],
            ends=timezone.now().date() + timedelta(days=30),
        ),
        "customs": customs,
    }


def ask_then_do(client, url: str, data: dict, question: str):
    asked = client.post(url, data)
    assert asked.status_code == 200
    page = asked.content.decode()
    assert question in page and "data-confirm" in page and 'name="confirm" value="yes"' in page
    done = client.post(url, data | {"confirm": "yes"})
    assert done.status_code == 302


def test_withdrawing_a_mandate_asks_first(world):
    url = f"/portal/applications/representatives/{world['mandate'].ref}/withdraw"
    asked = world["client"].post(url)
    assert "Withdraw the mandate of Brandguard Legal?" in asked.content.decode()
    assert Mandate.objects.get().withdrawn_at is None
    ask_then_do(world["client"], url, {}, "Brandguard Legal")
    assert Mandate.objects.get().withdrawn_at is not None


def test_withdrawing_a_risk_alert_asks_first(world):
    url = f"/portal/applications/alerts/{world['alert'].pk}/withdraw"
    world["client"].post(url)
    assert RiskAlert.objects.get().withdrawn_at is None
    ask_then_do(world["client"], url, {}, "Fake jackets via Hamburg")
    assert RiskAlert.objects.get().withdrawn_at is not None


def test_stopping_a_share_asks_first(world):
    url = "/portal/applications/sharing/remove"
    data = {"authority": world["customs"].pk}
    world["client"].post(url, data)
    assert PortfolioShare.objects.exists()
    ask_then_do(world["client"], url, data, "Stop sharing your identification guides with")
    assert not PortfolioShare.objects.exists()
