"""Demo scans, cases and alerts for the dashboard: ninety days of customs activity at a
few border posts, so that a fresh demo node has charts to look at. Development only:
rows are written directly (not through the verifier's services, which would also write
ledger records for every case); deterministic for a given seed."""

import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ipchain.accounts.models import Organisation
from ipchain.dashboard.figures import figures_cache_key
from ipchain.dashboard.rollup import fold
from ipchain.operations.models import FailedTask
from ipchain.registry.models import Item, Product
from verifier import recorder
from verifier.models import Alert, Case, Scan

# (authority slug, name, ST.3 country, [(office, latitude, longitude, weight)])
AUTHORITIES = [
    (
        "nl-customs",
        "Douane Rotterdam (demo)",
        "NL",
        [("Rotterdam Maasvlakte", 51.95, 4.03, 6), ("Schiphol Cargo", 52.30, 4.77, 3)],
    ),
    (
        "de-customs",
        "Zoll Hamburg (demo)",
        "DE",
        [("Hamburg Waltershof", 53.53, 9.92, 5), ("Frankfurt Airport", 50.04, 8.56, 3)],
    ),
    ("be-customs", "Douane Antwerpen (demo)", "BE", [("Antwerpen Haven", 51.27, 4.32, 3)]),
    (
        "fr-customs",
        "Douane Le Havre (demo)",
        "FR",
        [("Le Havre Port 2000", 49.47, 0.17, 2), ("Roissy CDG Fret", 49.01, 2.55, 2)],
    ),
    (
        "es-customs",
        "Aduana Valencia (demo)",
        "ES",
        [("Valencia Puerto", 39.44, -0.32, 2), ("Algeciras", 36.13, -5.44, 2)],
    ),
    (
        "pl-customs",
        "KAS Gdańsk (demo)",
        "PL",
        [("Gdańsk DCT", 54.40, 18.66, 1), ("Małaszewicze", 52.04, 23.53, 2)],
    ),
    (
        "it-customs",
        "Dogane Genova (demo)",
        "IT",
        [("Genova Prà", 44.42, 8.78, 1), ("Milano Malpensa", 45.63, 8.72, 1)],
    ),
]
# Verdict weights for a scan; forged, suspected clones and revoked keys are the suspects.
VERDICTS = [
    ("genuine", 78),
    ("unknown", 6),
    ("forged", 9),
    ("suspected_clone", 4),
    ("revoked", 1),
    ("recalled", 1),
    ("stolen", 0.6),
    ("destroyed", 0.4),
]
FAILED_TASK_DEMO = "dashboard-demo"


def load_demo_scans(*, scans: int = 3000, days: int = 90, seed: int = 5) -> int:
    """Add `scans` scans over the last `days` days, a few cases and alerts; returns the
    number of scans written. Does nothing when demo scans are already there."""
    if Scan.objects.filter(code__startswith="demo:").exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, nothing secret
    products = list(Product.objects.select_related("brand"))
    items = list(Item.objects.select_related("product__brand")[:2000])
    if not products or not items:
        return 0
    now = timezone.now()
    with transaction.atomic():
        offices = _authorities()
        weights = [w for *_, w in offices]
        verdicts, verdict_weights = zip(*VERDICTS, strict=True)
        rows = []
        for n in range(scans):
            org, office, lat, lon, _w = rng.choices(offices, weights)[0]
            verdict = rng.choices(verdicts, verdict_weights)[0]
            # Busier towards today, quieter at weekends.
            when = now - timedelta(days=days * rng.random() ** 1.3, seconds=rng.randrange(86400))
            if when.weekday() >= 5 and rng.random() < 0.5:
                when -= timedelta(days=2)
            item = rng.choice(items) if verdict not in ("forged", "unknown") else None
            gtin = (
                item.product.gtin
                if item
                else rng.choice(products).gtin
                if verdict == "forged"
                else "09506000999994"
            )
            rows.append(
                Scan(
                    created_at=max(when, now - timedelta(days=days - 1)),
                    authority=org,
                    customs_office=office,
                    trusted=True,
                    latitude=lat + rng.uniform(-0.02, 0.02),
                    longitude=lon + rng.uniform(-0.02, 0.02),
                    code=f"demo:{n}",
                    gtin=gtin,
                    serial=item.serial if item else f"X{n:07d}",
                    item=item,
                    verdict=verdict,
                    reasons=[],
                )
            )
        Scan.objects.bulk_create(rows, batch_size=2000)
        _cases_and_alerts(rng, now, items)
        _failed_tasks(now)
    # The scans are back-dated: recount every day, and drop figures cached before them.
    fold(rebuild=True)
    for scope in [None, *Organisation.objects.filter(kind="customs").values_list("pk", flat=True)]:
        for language, _name in settings.LANGUAGES:
            cache.delete(figures_cache_key(scope, language))
    return len(rows)


def _authorities():
    offices = []
    for slug, name, country, posts in AUTHORITIES:
        org, _ = Organisation.objects.get_or_create(
            slug=slug, defaults={"kind": "customs", "name": name, "country": country, "status": "admitted"}
        )
        offices.extend((org, office, lat, lon, weight) for office, lat, lon, weight in posts)
    return offices


def _cases_and_alerts(rng: random.Random, now, items) -> None:
    opener = get_user_model().objects.filter(membership__organisation__kind="customs").first()
    if opener is None:
        return
    suspects = list(
        Scan.objects.filter(
            code__startswith="demo:", verdict__in=["forged", "suspected_clone"], item__isnull=False
        )
        .select_related("authority", "item__product__brand")
        .order_by("-created_at")[:14]
    )
    goods = ["Trail jackets", "Backpacks", "Jackets, boxed", "Mixed outdoor apparel"]
    for n, scan in enumerate(suspects):
        detained = scan.created_at
        notified = n % 3 != 0
        case = Case.objects.create(
            authority=scan.authority,
            opened_by=opener,
            customs_office=scan.customs_office,
            brand=scan.item.product.brand,
            item=scan.item,
            scan=scan,
            goods=rng.choice(goods),
            quantity=rng.choice([12, 40, 120, 300, 1500]),
            procedure=Case.Procedure.APPLICATION,  # the holder is asked, as under an application
            origin_country=rng.choice(["CN", "CN", "TR", "HK", "VN"]),
            transport_mode=rng.choice(["sea", "air", "road", "courier"]),
            detained_at=detained,
            notify_by=detained + timedelta(days=1),
            notified_at=detained + timedelta(hours=6) if notified else None,
            holder_deadline=detained + timedelta(days=10) if notified else None,
            state=(
                Case.State.RELEASED
                if n >= 10
                else Case.State.AWAITING_HOLDER
                if notified
                else Case.State.DETAINED
            ),
            closed_at=detained + timedelta(days=5) if n >= 10 else None,
        )
        recorder.raise_alert(
            Alert.Kind.DETAINED,
            brand=case.brand,
            item=scan.item,
            scan=scan,
            case=case,
            message=f"{case.quantity} x {case.goods} detained at {case.customs_office}: case {case.pk}",
            created_at=detained,
        )
    for scan in (
        Scan.objects.filter(code__startswith="demo:", verdict="suspected_clone")
        .select_related("item__product__brand")
        .order_by("-created_at")[:6]
    ):
        recorder.raise_alert(
            Alert.Kind.SUSPECTED_CLONE,
            brand=scan.item.product.brand,
            item=scan.item,
            scan=scan,
            message=f"{scan.item} seen at {scan.customs_office} where the genuine item cannot be",
            created_at=scan.created_at,
        )


def _failed_tasks(now) -> None:
    FailedTask.objects.create(
        task_name="verifier.tasks.notify_holder",
        task_id=f"{FAILED_TASK_DEMO}-1",
        args=[1],
        exception_type="SMTPServerDisconnected",
        exception_message="Connection unexpectedly closed (demo)",
        failed_at=now - timedelta(minutes=42),
    )
