"""The demo shows the customs workflow: applications (one about to expire), a case under each
procedure, a risk alert, an authority the holder does not share its guides with, and a legal
representative with two clients."""

import pytest
from django.core.management import call_command

from ipchain.enforcement.models import Application, Mandate, RiskAlert
from verifier.models import Case

pytestmark = pytest.mark.django_db


def test_the_demo_loads_the_enforcement_story(capsys):
    call_command("ipchain_demo", "--items", "5")
    granted = Application.objects.filter(status="granted").order_by("valid_until")
    assert granted.count() == 2
    assert (granted[1].valid_until - granted[0].valid_until).days > 300  # one about to expire
    procedures = set(Case.objects.filter(goods__contains=" ").values_list("procedure", flat=True))
    assert {"application", "small_consignment", "ex_officio"} <= procedures
    assert RiskAlert.objects.filter(holder__slug="acme-outdoor").exists()
    assert "officer-be" in capsys.readouterr().out
    assert Mandate.objects.filter(representative__slug="brandguard", withdrawn_at__isnull=True).count() == 2
