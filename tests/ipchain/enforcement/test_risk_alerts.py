"""Rights holders' risk alerts to customs: sent to the authorities chosen, shown to their
officers while active, never to others; checked input; withdrawn."""

from datetime import date, timedelta

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from ipchain.accounts.models import Role
from ipchain.enforcement import risk_alerts
from ipchain.enforcement.risk_alerts import RiskAlertError
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 7)


@pytest.fixture
def world():
    acme = factories.brand("acme")
    nl, be = factories.customs("nl-customs"), factories.customs("be-customs")
    return {
        "acme": acme,
        "admin": factories.brand_admin(acme),
        "nl": nl,
        "be": be,
        "nl_officer": factories.user(nl, Role.CUSTOMS_OFFICER),
        "be_officer": factories.user(be, Role.CUSTOMS_OFFICER),
    }


def post(world, **extra):
    fields = {
        "actor": world["admin"],
        "holder": world["acme"],
        "kind": "route",
        "title": "Fake jackets shipped via Hamburg",
        "details": "Consignments declared as 'textiles', origin CN, 20-40 cartons.",
        "origin_country": "CN",
        "authorities": [world["nl"]],
        "ends": TODAY + timedelta(days=30),
    }
    return risk_alerts.post_alert(**(fields | extra))


def page(user, url="/verify/") -> str:
    client = Client()
    client.force_login(user)
    return client.get(url).content.decode()


def test_officers_of_the_chosen_authority_see_an_active_alert_until_it_ends(world):
    with time_machine.travel(TODAY, tick=False) as clock:
        post(world)
        assert "Fake jackets shipped via Hamburg" in page(world["nl_officer"])
        assert "Fake jackets shipped via Hamburg" in page(world["nl_officer"], "/verify/cases/new")
        assert "Fake jackets shipped via Hamburg" not in page(world["be_officer"])
        assert "Fake jackets" not in page(world["admin"], "/verify/")  # not an officer's page
        clock.move_to(TODAY + timedelta(days=31))
        assert "Fake jackets shipped via Hamburg" not in page(world["nl_officer"])


def test_a_withdrawn_alert_is_no_longer_shown(world):
    with time_machine.travel(TODAY, tick=False):
        alert = post(world)
        client = Client()
        client.force_login(world["admin"])
        assert (
            client.post(f"/portal/applications/alerts/{alert.pk}/withdraw", {"confirm": "yes"}).status_code
            == 302
        )
        alert.refresh_from_db()
        assert alert.withdrawn_at is not None
        assert "Fake jackets shipped via Hamburg" not in page(world["nl_officer"])


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"ends": TODAY - timedelta(days=1)}, "bad_period"),
        ({"ends": TODAY + timedelta(days=400)}, "bad_period"),
        ({"title": ""}, "title_required"),
        ({"title": "x\x00"}, "bad_text"),
        ({"origin_country": "ZZ"}, "bad_country"),
        ({"kind": "rumour"}, "bad_kind"),
        ({"authorities": []}, "bad_authority"),
    ],
)
def test_bad_alerts_are_refused(world, change, reason):
    with time_machine.travel(TODAY, tick=False):
        with pytest.raises(RiskAlertError) as refused:
            post(world, **change)
        assert refused.value.reason == reason


def test_the_api_sends_lists_and_withdraws_alerts_by_audience(world):
    with time_machine.travel(TODAY, tick=False):
        holder = APIClient()
        holder.force_authenticate(world["admin"])
        body = {"kind": "shipper", "title": "Shop X", "authorities": ["nl-customs"], "ends": "2027-01-01"}
        sent = holder.post("/api/v1/risk-alerts", body, format="json")
        assert sent.status_code == 201
        for user, count in [(world["nl_officer"], 1), (world["be_officer"], 0), (world["admin"], 1)]:
            client = APIClient()
            client.force_authenticate(user)
            assert len(client.get("/api/v1/risk-alerts").json()) == count
        officer = APIClient()
        officer.force_authenticate(world["nl_officer"])
        assert officer.post("/api/v1/risk-alerts", body, format="json").status_code == 403
        url = f"/api/v1/risk-alerts/{sent.json()['id']}/withdrawal"
        assert officer.post(url).status_code == 403
        assert holder.post(url).status_code == 200
        assert (
            holder.post("/api/v1/risk-alerts", body | {"ends": "someday"}, format="json").status_code == 400
        )
        assert (
            holder.post("/api/v1/risk-alerts", body | {"title": {"a": 1}}, format="json").status_code == 400
        )
