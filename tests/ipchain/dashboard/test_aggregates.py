"""The dashboard's selectors against a known world (conftest.world): exact numbers, the
rollups and today's live rows added up, one authority's view limited to its own scans."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ipchain.dashboard import aggregates, rollup
from ipchain.dashboard.models import ScanDay
from tests import factories
from verifier.models import Alert, Case

from .conftest import NOW, register, scan

pytestmark = pytest.mark.django_db


def folded():
    rollup.fold(now=NOW)


def test_scans_per_day_by_verdict_add_rollup_and_today(world):
    folded()
    figs = aggregates.scans_by_day(now=NOW)
    today, yesterday, before = NOW.date(), NOW.date() - timedelta(days=1), NOW.date() - timedelta(days=3)
    assert len(figs.days) == 90 and figs.days[-1] == today
    assert dict(figs.by_day[today]) == {"suspected_clone": 1, "forged": 1, "genuine": 2, "stolen": 1}
    assert dict(figs.by_day[yesterday]) == {"forged": 1, "revoked": 1, "genuine": 1, "unknown": 1}
    assert dict(figs.by_day[before]) == {"forged": 2, "genuine": 1}
    assert figs.total == 12
    assert figs.suspects == 6
    assert figs.verdicts() == ["genuine", "unknown", "stolen", "revoked", "suspected_clone", "forged"]


def test_what_came_after_the_fold_is_counted_live(world):
    folded()
    assert ScanDay.objects.filter(day=NOW.date()).exists()  # today up to the fold
    later = NOW + timedelta(minutes=3)
    scan(world["nl"], "forged", later, office="Rotterdam", gtin=world["jacket"].gtin, lat=52.0, lon=4.0)
    assert aggregates.scans_by_day(now=later).by_day[NOW.date()]["forged"] == 2
    rotterdam = aggregates.suspects_by_office(now=later)[0]
    assert (rotterdam.name, rotterdam.count) == ("Rotterdam (Douane)", 4)
    assert rotterdam.latitude == pytest.approx((51.9 + 52.0 + 52.0) / 3)
    products, _ = aggregates.targets(now=later)
    assert (products[0].name, products[0].count) == ("Jacket", 4)
    # Folding again moves it into the rollup: counted once, not twice.
    rollup.fold(now=later + timedelta(minutes=1))
    assert aggregates.scans_by_day(now=later).by_day[NOW.date()]["forged"] == 2
    assert aggregates.targets(now=later)[0][0].count == 4


def test_a_late_scan_is_recounted_within_the_refold_days_and_by_a_rebuild(world):
    folded()
    scan(world["nl"], "forged", NOW - timedelta(days=2), office="Rotterdam")
    scan(world["nl"], "forged", NOW - timedelta(days=10), office="Rotterdam")
    later = NOW + timedelta(minutes=6)
    rollup.fold(now=later)
    figs = aggregates.scans_by_day(now=later)
    assert figs.by_day[NOW.date() - timedelta(days=2)]["forged"] == 1
    assert figs.by_day[NOW.date() - timedelta(days=10)]["forged"] == 0  # too late for a refold
    rollup.fold(now=later, rebuild=True)
    assert aggregates.scans_by_day(now=later).by_day[NOW.date() - timedelta(days=10)]["forged"] == 1


def test_without_a_fold_everything_is_counted_live(world):
    assert rollup.state() is None
    figs = aggregates.scans_by_day(now=NOW)
    assert figs.total == 12 and figs.suspects == 6
    busiest = aggregates.suspects_by_office(now=NOW)[0]
    assert (busiest.name, busiest.count) == ("Rotterdam (Douane)", 3)


def test_the_page_folds_when_the_rollups_are_stale():
    current = rollup.RollupState(folded_until=NOW, folded_at=NOW)
    assert rollup.needs_fold(current, now=NOW + timedelta(minutes=14)) is False
    assert rollup.needs_fold(current, now=NOW + timedelta(minutes=16)) is True
    assert rollup.needs_fold(None, now=NOW) is True


def test_the_beat_task_folds():
    from ipchain.dashboard.tasks import fold_rollups

    assert fold_rollups.delay().get() is True
    assert rollup.state() is not None


def test_suspects_by_office_and_country(world):
    folded()
    offices = aggregates.suspects_by_office(now=NOW)
    assert [(p.name, p.country, p.count) for p in offices] == [
        ("Rotterdam (Douane)", "NL", 3),
        ("Hamburg (Zoll)", "DE", 2),
        ("Schiphol (Douane)", "NL", 1),
    ]
    rotterdam = offices[0]
    assert rotterdam.latitude == pytest.approx(51.95) and rotterdam.longitude == pytest.approx(4.05)
    assert offices[2].latitude is None
    countries = aggregates.suspects_by_country(offices)
    assert [(p.key, p.name, p.count) for p in countries] == [("NL", "Netherlands", 4), ("DE", "Germany", 2)]


def test_most_targeted_products_and_brands(world):
    products, brands = aggregates.targets(now=NOW)
    assert [(t.name, t.count) for t in products] == [("Jacket", 3), ("Bag", 2)]
    assert products[0].detail == f"Acme · {world['jacket'].gtin}"
    # The unregistered GTIN is no brand's product: counted in the totals, not here.
    assert [(t.name, t.count) for t in brands] == [("Acme", 5)]


def test_an_authority_sees_only_its_own_scans(world):
    folded()
    de = world["de"].pk
    figs = aggregates.scans_by_day(authority_id=de, now=NOW)
    assert figs.total == 4 and figs.suspects == 2
    offices = aggregates.suspects_by_office(authority_id=de, now=NOW)
    assert [(p.name, p.count) for p in offices] == [("Hamburg (Zoll)", 2)]
    products, _brands = aggregates.targets(authority_id=de, now=NOW)
    assert [(t.name, t.count) for t in products] == [("Bag", 1)]


def test_registrations_per_day(world):
    acme, jacket = world["acme"], world["jacket"]
    register(acme, jacket, ["A1", "A2"], NOW - timedelta(days=2))
    register(acme, jacket, ["B1"], NOW - timedelta(minutes=30))
    folded()
    days, counts = aggregates.registrations_by_day(now=NOW)
    assert counts[NOW.date() - timedelta(days=2)] == 2
    assert counts[NOW.date()] == 1
    assert sum(counts.values()) == 3
    assert len(days) == 90


def test_open_cases_nearest_deadline_first_and_closed_ones_left_out(world):
    officer = factories.user(world["nl"], "customs_officer")
    now = timezone.now()

    def case(authority, notify_in, holder_in=None, closed=False):
        return Case.objects.create(
            authority=authority,
            opened_by=officer,
            brand=world["acme"],
            goods="Jackets",
            notify_by=now + timedelta(days=notify_in),
            holder_deadline=now + timedelta(days=holder_in) if holder_in is not None else None,
            closed_at=now if closed else None,
        )

    late = case(world["nl"], -1)
    answer_due = case(world["nl"], -5, holder_in=3)
    soon = case(world["de"], 1)
    case(world["nl"], 0, closed=True)
    cases, total = aggregates.open_cases(now=now)
    assert total == 3
    assert [c.pk for c in cases] == [late.pk, soon.pk, answer_due.pk]
    assert [(c.clock, c.overdue) for c in cases] == [("notify", True), ("notify", False), ("holder", False)]
    nl_cases, nl_total = aggregates.open_cases(authority_id=world["nl"].pk, now=now)
    assert nl_total == 2 and soon.pk not in [c.pk for c in nl_cases]


def test_recent_alerts_newest_first_and_scoped_by_the_scan(world):
    acme = world["acme"]
    nl_scan = scan(world["nl"], "forged", NOW, office="Rotterdam")
    de_scan = scan(world["de"], "forged", NOW, office="Hamburg")
    old = Alert.objects.create(brand=acme, scan=nl_scan, kind="forged", message="nl", created_at=NOW)
    new = Alert.objects.create(
        brand=acme, scan=de_scan, kind="forged", message="de", created_at=NOW + timedelta(minutes=1)
    )
    assert [(a.pk, a.brand, a.message) for a in aggregates.recent_alerts()] == [
        (new.pk, "Acme", "de"),
        (old.pk, "Acme", "nl"),
    ]
    assert [a.pk for a in aggregates.recent_alerts(authority_id=world["nl"].pk)] == [old.pk]


def test_everything_is_empty_without_data():
    rollup.fold(now=NOW)
    figs = aggregates.scans_by_day(now=NOW)
    assert figs.total == 0 and len(figs.days) == 90 and figs.verdicts() == []
    assert aggregates.suspects_by_office(now=NOW) == []
    assert aggregates.targets(now=NOW) == ([], [])
    assert aggregates.open_cases(now=NOW) == ([], 0)


def test_the_office_wide_sums_match_the_detailed_rollups(world):
    from django.db.models import Sum

    from ipchain.dashboard.models import ProductDay, SuspectProductDay, VerdictDay

    folded()
    detailed = dict(
        ((d, v), n)
        for d, v, n in ScanDay.objects.values_list("day", "verdict").annotate(n=Sum("scans")).order_by()
    )
    assert (
        dict(((d, v), n) for d, v, n in VerdictDay.objects.values_list("day", "verdict", "scans")) == detailed
    )
    suspects = dict(
        ((d, g), n)
        for d, g, n in SuspectProductDay.objects.values_list("day", "gtin")
        .annotate(n=Sum("scans"))
        .order_by()
    )
    assert dict(((d, g), n) for d, g, n in ProductDay.objects.values_list("day", "gtin", "scans")) == suspects
    assert sum(detailed.values()) == 12
