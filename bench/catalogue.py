"""The officers' catalogue (`/verify/catalogue/`) on a large catalogue: page latency for the
searches an officer makes (a word of the product or brand, part of a GTIN, an IP right's
number, a Nice class), on a dedicated PostgreSQL database, through Django's test client in
this process. The baseline, in the same run: the catalogue's first page with no search.

    python bench/catalogue.py [--brands 200] [--products 50000] [--rounds 40]

Every brand shares its portfolio with the officer's authority, so every product is searched.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import bench_database_url, fresh_database, percentile, setup_django

WORDS = ["Ridge", "Summit", "Trail", "Harbor", "Falcon", "Granite", "Willow", "Aurora", "Cedar", "Delta"]
THINGS = ["Tent", "Jacket", "Boot", "Pack", "Lamp", "Stove", "Glove", "Scarf", "Bottle", "Watch"]


def build(brands: int, products: int):
    from ipchain.accounts.models import Organisation, Role
    from ipchain.enforcement.models import PortfolioShare
    from ipchain.registry.models import IpRight, Product
    from tests import factories

    customs = factories.customs("bench-customs")
    officer = factories.user(customs, Role.CUSTOMS_OFFICER)
    holders = Organisation.objects.bulk_create(
        Organisation(
            kind="brand",
            slug=f"brand-{n}",
            name=f"{WORDS[n % 10]} Brand {n}",
            country="DE",
            status="admitted",
        )
        for n in range(brands)
    )
    rights = IpRight.objects.bulk_create(
        IpRight(
            holder=h,
            kind="trademark",
            office="EM",
            registration_number=f"0{n:08d}",
            nice_classes=[n % 45 + 1],
            status="registered",
        )
        for n, h in enumerate(holders)
    )
    made = Product.objects.bulk_create(
        (
            Product(
                brand=holders[n % brands],
                gtin=f"{n:013d}0",
                name=f"{WORDS[(n // 7) % 10]} {THINGS[n % 10]} {n}",
                genuine_features="Embroidered logo",
            )
            for n in range(products)
        ),
        batch_size=5000,
    )
    through = Product.rights.through
    through.objects.bulk_create(
        (through(product_id=p.pk, ipright_id=rights[n % brands].pk) for n, p in enumerate(made)),
        batch_size=5000,
    )
    PortfolioShare.objects.bulk_create(PortfolioShare(holder=h, authority=customs) for h in holders)
    return officer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--brands", type=int, default=200)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = bench_database_url(args.database_url)
    fresh_database(url)
    setup_django(url)
    from django.test import Client

    started = time.perf_counter()
    officer = build(args.brands, args.products)
    print(
        f"built {args.products:,} products of {args.brands} brands in {time.perf_counter() - started:.1f} s"
    )
    client = Client()
    client.force_login(officer)
    searches = {
        "no search (baseline)": "",
        "a word": "q=ridge",
        "two words": "q=summit+tent",
        "part of a GTIN": "gtin=00001234",
        "an IP right's number": "right=000000042",
        "a Nice class": "klass=25",
    }
    baseline = None
    for label, query in searches.items():
        times = []
        for _ in range(args.rounds):
            begun = time.perf_counter()
            page = client.get(f"/verify/catalogue/?{query}")
            times.append((time.perf_counter() - begun) * 1000)
            assert page.status_code == 200, page.status_code
        p50 = statistics.median(times)
        baseline = baseline or p50
        print(
            f"{label:24s} p50 {p50:6.1f} ms  p99 {percentile(times, 99):6.1f} ms  "
            f"({p50 / baseline:.2f}x the first page)"
        )


if __name__ == "__main__":
    main()
