"""Demo scans for the dashboard and the rollup command."""

import pytest
from django.core.management import call_command

from ipchain.dashboard import aggregates
from ipchain.dashboard.models import ScanDay
from ipchain.demo.dashboard_data import load_demo_scans
from verifier.models import Alert, Case, Scan

from .conftest import register

pytestmark = pytest.mark.django_db


def test_demo_scans_are_loaded_once_and_folded():
    from tests import factories

    acme = factories.brand("acme")
    jacket = factories.product(acme)
    factories.customs("nl-customs")
    factories.user(factories.customs("other"), "customs_officer")
    register(acme, jacket, [f"D{n}" for n in range(20)], at=None)
    assert load_demo_scans(scans=400) == 400
    assert Scan.objects.filter(code__startswith="demo:").count() == 400
    assert Case.objects.exists() and Alert.objects.exists()
    assert ScanDay.objects.exists()  # folded at once: the scans are back-dated
    countries = {p.key for p in aggregates.suspects_by_country(aggregates.suspects_by_office())}
    assert {"NL", "DE"} <= countries
    assert load_demo_scans(scans=400) == 0


def test_the_rollup_command_rebuilds(capsys):
    call_command("dashboard_rollup", "--rebuild")
    assert "rollups recounted" in capsys.readouterr().out
