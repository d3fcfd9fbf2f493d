"""The office dashboard's render time at 1,000,000 scans on PostgreSQL.

    .venv/bin/python bench/dashboard.py [--scans 1000000] [--items 100000] [--renders 20] [--reuse]

Fills a dedicated database (ipchain_bench_dashboard, wiped unless --reuse finds it filled)
with a customs year's worth of activity squeezed into 90 days: `--scans` scans spread over
40 offices of 25 authorities (a few busy ports take most), eight verdicts (about 86 %
genuine, 14 % suspect or otherwise flagged), 200 products of 20 brands; `--items`
registered items (real ledger entries, integrated and checkpointed); 20,000 detention cases
(2,000 open) and 50,000 alerts. Scans, cases and alerts are written with INSERT ... SELECT
generate_series, so filling takes a minute rather than hours.

Then GET /office/dashboard/ through Django's test client, as an office administrator and
as a customs supervisor:
- cold: the figures' cache emptied before every render; the rollups current, as the beat
  task keeps them (a fold every 5 minutes, timed on its own below: the page itself folds
  only when they are 15 minutes old, i.e. when beat is not running);
- warm: figures from the cache (60 s);
- fold: the periodic recount of the last three closed days, and the first full fold.
Baseline, in the same run: the scans-per-day-by-verdict query the rollup replaces, run on
verifier_scan itself.

Target: the page in <= 300 ms (cold median) at 1,000,000 scans.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import ROOT, accept, bench_database_url, fresh_database, make_brand, percentile, setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ipchain_bench_dashboard"
COUNTRIES = [
    ("NL", 51.95, 4.03),
    ("DE", 53.53, 9.92),
    ("BE", 51.27, 4.32),
    ("FR", 49.47, 0.17),
    ("ES", 39.44, -0.32),
    ("IT", 44.42, 8.78),
    ("PL", 54.40, 18.66),
    ("GR", 37.94, 23.63),
    ("PT", 38.70, -9.15),
    ("SE", 57.70, 11.94),
    ("DK", 55.68, 12.60),
    ("FI", 60.17, 24.94),
    ("AT", 48.11, 16.57),
    ("CZ", 50.10, 14.26),
    ("HU", 47.44, 19.26),
    ("RO", 44.17, 28.65),
    ("BG", 43.20, 27.91),
    ("HR", 45.33, 14.44),
    ("SI", 45.55, 13.73),
    ("IE", 53.35, -6.26),
    ("LT", 55.70, 21.14),
    ("LV", 56.95, 24.10),
    ("EE", 59.44, 24.75),
    ("SK", 48.15, 17.11),
    ("MT", 35.82, 14.53),
]
VERDICTS = [  # cumulative share of scans up to each verdict
    ("genuine", 0.86),
    ("unknown", 0.91),
    ("forged", 0.955),
    ("suspected_clone", 0.975),
    ("revoked", 0.98),
    ("recalled", 0.99),
    ("stolen", 0.995),
    ("destroyed", 1.0),
]


def fill(scans: int, items: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from ipchain.accounts.models import Organisation, Role
    from ipchain.accounts.roles import assign_role
    from ipchain.ledger import log
    from ipchain.registry.digital_link import gtin_check_digit
    from ipchain.registry.keys import create_node_key
    from ipchain.registry.models import Product

    started = time.perf_counter()
    brand, _admin, _product = make_brand()
    brands = [brand]
    for n in range(1, 20):
        org = Organisation.objects.create(
            kind="brand", slug=f"bench-brand-{n}", name=f"Brand {n:02d}", country="DE", status="admitted"
        )
        create_node_key(organisation=org)
        brands.append(org)
    products = []
    for n in range(200):
        body = f"0950601{n:06d}"
        products.append(
            Product(brand=brands[n % 20], gtin=body + str(gtin_check_digit(body)), name=f"Product {n:03d}")
        )
    Product.objects.bulk_create(products)
    offices = []
    for i, (country, lat, lon) in enumerate(COUNTRIES):
        org = Organisation.objects.create(
            kind="customs",
            slug=f"bench-customs-{country.lower()}",
            name=f"Customs {country}",
            country=country,
            status="admitted",
        )
        for k in range(1 if i >= 15 else 2):
            offices.append((org.pk, f"{country} office {k + 1}", lat + k * 0.7, lon + k * 0.9))
    supervisor = get_user_model().objects.create_user("bench-supervisor")
    assign_role(supervisor, Organisation.objects.get(slug="bench-customs-nl"), Role.CUSTOMS_SUPERVISOR)
    print(f"organisations, products: {time.perf_counter() - started:.1f} s", flush=True)

    # Items: real ledger entries (append_many), then one row per entry, registered over 90 days.
    t = time.perf_counter()
    accept(items)
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO registry_item (serial, lot, production_date, origin_country, status, label_sig,
                head_hash, registered_at, owner_id, registration_entry_id, key_id, product_id)
            SELECT 'S' || lpad(e.rn::text, 10, '0'), '', NULL, 'VN', 'active', '\\x00'::bytea, e.leaf_hash,
                now() - (random() ^ 1.3) * interval '90 days', p.brand_id, e.id, k.id, p.id
            FROM (SELECT id, leaf_hash, row_number() OVER (ORDER BY id) AS rn
                  FROM ledger_logentry WHERE kind = '' OR kind = 'item.registered') e
            JOIN LATERAL (SELECT id, brand_id FROM registry_product
                          ORDER BY id OFFSET (e.rn % 200) LIMIT 1) p ON true
            JOIN LATERAL (SELECT id FROM registry_orgkey WHERE organisation_id = p.brand_id LIMIT 1) k ON true
            """
        )
        made = cur.rowcount
    print(f"{made:,} items (entries accepted): {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    while log.integrate_pending():
        pass
    print(f"integrated and checkpointed: {time.perf_counter() - t:.1f} s", flush=True)

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE bench_office (n int, authority_id bigint, name text, lat float, lon float)"
        )
        cur.executemany(
            "INSERT INTO bench_office VALUES (%s, %s, %s, %s, %s)",
            [(n, a, name, lat, lon) for n, (a, name, lat, lon) in enumerate(offices)],
        )
        cur.execute(
            "CREATE TEMP TABLE bench_gtin AS "
            "SELECT row_number() OVER (ORDER BY id) - 1 AS n, gtin FROM registry_product"
        )
        cur.execute("SELECT min(id), max(id) FROM registry_item")
        first_item, last_item = cur.fetchone()
        verdict_case = " ".join(f"WHEN r < {share} THEN '{v}'" for v, share in VERDICTS)
        # Busy ports first (office index skewed), GTINs skewed towards a few products, more
        # scans towards today; a genuine scan names an item. Written in time order, as the
        # scan log appends them: a day's scans sit together on disk, as they would.
        cur.execute(
            f"""
            INSERT INTO verifier_scan (ref, created_at, authority_id, customs_office, trusted,
                latitude, longitude, code, gtin, serial, item_id, verdict, reasons, offline,
                offline_verdict)
            SELECT gen_random_uuid(), s.at, o.authority_id, o.name, true, o.lat, o.lon,
                'bench:' || s.g, g.gtin, 'S' || s.g, CASE WHEN s.v = 'genuine' THEN s.item END,
                s.v, '[]', false, ''
            FROM (
                SELECT g, now() - (random() ^ 1.3) * interval '90 days' AS at,
                    floor((random() ^ 2.2) * {len(offices)})::int AS office,
                    floor((random() ^ 1.8) * 200)::int AS gtin_n,
                    CASE {verdict_case} END AS v,
                    {first_item} + floor(random() * ({last_item} - {first_item} + 1))::bigint AS item
                FROM (SELECT g, random() AS r FROM generate_series(1, %s) g) x
            ) s
            JOIN bench_office o ON o.n = s.office
            JOIN bench_gtin g ON g.n = s.gtin_n
            ORDER BY s.at
            """,
            [scans],
        )
        print(f"{cur.rowcount:,} scans: {time.perf_counter() - t:.1f} s", flush=True)
        t = time.perf_counter()
        user_id = supervisor.pk
        cur.execute(
            f"""
            INSERT INTO verifier_case (authority_id, opened_by_id, customs_office, brand_id, item_id,
                scan_id, goods, quantity, notes, perishable, small_consignment, state, detained_at,
                notify_by, notified_at, holder_deadline, extended, holder_answer, closed_at)
            SELECT s.authority_id, {user_id}, s.customs_office, p.brand_id, NULL, s.id, 'Bench goods',
                10, '', false, false,
                CASE WHEN c.n <= 2000 THEN 'awaiting_holder' ELSE 'destroyed' END, s.created_at,
                s.created_at + interval '1 day', s.created_at + interval '6 hours',
                s.created_at + interval '10 days', false, '',
                CASE WHEN c.n <= 2000 THEN NULL ELSE s.created_at + interval '20 days' END
            FROM (SELECT id, authority_id, customs_office, gtin, created_at,
                         row_number() OVER (ORDER BY created_at DESC) n
                  FROM verifier_scan WHERE verdict IN ('forged', 'suspected_clone') LIMIT 20000) s
            JOIN LATERAL (SELECT brand_id FROM registry_product WHERE gtin = s.gtin) p ON true
            JOIN LATERAL (SELECT s.n) c(n) ON true
            """
        )
        print(f"{cur.rowcount:,} cases", flush=True)
        cur.execute(
            """
            INSERT INTO verifier_alert (brand_id, item_id, scan_id, case_id, kind, message, created_at,
                read_at)
            SELECT p.brand_id, NULL, s.id, NULL, s.verdict, 'Bench alert for ' || s.gtin, s.created_at, NULL
            FROM (SELECT id, gtin, verdict, created_at FROM verifier_scan
                  WHERE verdict IN ('forged', 'suspected_clone', 'revoked') LIMIT 50000) s
            JOIN registry_product p ON p.gtin = s.gtin
            """
        )
        print(f"{cur.rowcount:,} alerts: {time.perf_counter() - t:.1f} s", flush=True)
    with connection.cursor() as cur:
        t = time.perf_counter()
        cur.execute("VACUUM ANALYZE")
        print(f"VACUUM ANALYZE: {time.perf_counter() - t:.1f} s", flush=True)


def timed(fn, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    print(
        f"{name:<44} median {statistics.median(times):7.1f} ms   p95 {percentile(times, 95):7.1f} ms"
        f"   (n={len(times)})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--scans", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="Keep the database when it is already filled")
    args = parser.parse_args()

    url = bench_database_url(args.database_url or os.environ.get("BENCH_DASHBOARD_URL") or DEFAULT_URL)
    os.environ.pop("CACHE_URL", None)  # the process's own memory cache: nobody else's Redis
    reuse = False
    if args.reuse:
        import psycopg

        try:
            with psycopg.connect(url) as conn:
                reuse = conn.execute("SELECT count(*) FROM verifier_scan").fetchone()[0] >= args.scans
        except psycopg.Error:
            reuse = False
    if reuse:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env=os.environ | {"DATABASE_URL": url},
            check=True,
        )
    else:
        fresh_database(url)
    setup_django(url)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from ipchain.dashboard import rollup

    # Not setup_test_environment(): it instruments every template render, which a real
    # request does not pay for. The test client's host only needs allowing.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if not reuse:
        fill(args.scans, args.items)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM verifier_scan")
        total = cur.fetchone()[0]
    print(f"\n{total:,} scans on PostgreSQL {connection.pg_version // 10000}", flush=True)

    t = time.perf_counter()
    rollup.fold(rebuild=True)
    print(f"first full fold (90 days): {(time.perf_counter() - t) * 1000:.0f} ms", flush=True)
    report("periodic fold (today and the 3 days before)", timed(lambda: rollup.fold(), 5))

    def baseline():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT (created_at AT TIME ZONE 'UTC')::date, verdict, count(*) FROM verifier_scan "
                "WHERE created_at >= now() - interval '90 days' GROUP BY 1, 2"
            )
            cur.fetchall()

    base = timed(baseline, 5)
    report("baseline: scans/day/verdict on verifier_scan", base)

    office = get_user_model().objects.get(username="office-admin")
    supervisor = get_user_model().objects.get(username="bench-supervisor")
    results = {}
    for who, user in (("office admin", office), ("customs supervisor", supervisor)):
        client = Client()
        client.force_login(user)

        def render(client=client):
            response = client.get("/office/dashboard/")
            assert response.status_code == 200, response.status_code

        def cold(render=render):
            cache.clear()
            render()

        render()  # connections, templates, the map's data: once a process
        results[(who, "cold")] = timed(cold, args.renders)
        results[(who, "warm")] = timed(render, args.renders)
        report(f"page, {who}, cold (figures recomputed)", results[(who, "cold")])
        report(f"page, {who}, warm (figures cached)", results[(who, "warm")])
    cold_median = statistics.median(results[("office admin", "cold")])
    print(
        f"\ncold page / baseline query: {cold_median / statistics.median(base):.2f}x;"
        f" target <= 300 ms: {'met' if cold_median <= 300 else 'NOT met'} ({cold_median:.0f} ms)"
    )
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"load average during the run: {' '.join(load)}")


if __name__ == "__main__":
    main()
