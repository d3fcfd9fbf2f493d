"""Where the time of one `POST /api/v1/items` goes: the request profiled with cProfile, on a
dedicated PostgreSQL database, through Django's test client in this process (no network, no
gunicorn). Prints the CPU time a request and the share of each stage, from the profile's
cumulative times of the functions that are the stages, then the top functions by own time.

    python bench/profile_registration.py [--requests 300] [--auth token|session] [--database-url …]

PostgreSQL's own CPU is not in the profile (it is another process): the wall time a request
minus the process's CPU time a request is printed as "waiting", an upper bound for it.
"""

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchdb import bench_database_url, fresh_database, setup_django

# The stages of a registration, by the function that is each (file suffix, function name).
STAGES = [
    ("session and user (middleware)", "django/contrib/auth/middleware.py", "_get_user"),
    ("the view, inside the middlewares", "registry/api/items.py", "post"),
    ("throttling", "rest_framework/views.py", "check_throttles"),
    ("permission checks", "rest_framework/views.py", "check_permissions"),
    ("request body (serializer)", "rest_framework/serializers.py", "is_valid"),
    ("registration service", "registry/items.py", "register_item"),
    ("  key unsealing", "registry/keys.py", "signing_key"),
    ("  label signature (ECDSA)", "registry/signing.py", "sign"),
    ("  record canonical JSON", "ipchain/ledger/canonical.py", "canonicalize"),
    ("  brand checked", "registry/items.py", "_check_brand"),
    ("  products and licences read", "registry/items.py", "brand_products"),
    ("  licences read", "registry/items.py", "label_licences"),
    ("  log entry and item written", "registry/items.py", "_store_items"),
    ("  integration nudge", "ipchain/ledger/log.py", "request_integration"),
    ("response (serializer + render)", "rest_framework/response.py", "rendered_content"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--auth", choices=["token", "session"], default="token", help="an API token, as a production line"
    )
    args = parser.parse_args()
    url = bench_database_url(args.database_url)
    fresh_database(url)
    setup_django(url)
    from django.test import Client

    from config import celery_app

    celery_app.conf.task_always_eager = False  # the worker integrates; not counted here

    from tests import factories

    brand = factories.brand("acme")
    product = factories.product(brand)
    client = Client()
    user = factories.brand_admin(brand)
    if args.auth == "token":
        from rest_framework.authtoken.models import Token

        client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=user).key}"
    else:
        client.force_login(user)

    def post(serial: str) -> None:
        answer = client.post(
            "/api/v1/items", {"gtin": product.gtin, "serial": serial}, content_type="application/json"
        )
        assert answer.status_code == 201, answer.content

    for n in range(30):  # warm: caches, connections, key unsealing
        post(f"W{n}")
    wall, cpu = time.perf_counter(), time.process_time()
    profile = cProfile.Profile()
    profile.enable()
    for n in range(args.requests):
        post(f"S{n}")
    profile.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    # A second run without the profiler: its overhead inflates the profiled times.
    plain_wall, plain_cpu = time.perf_counter(), time.process_time()
    for n in range(args.requests):
        post(f"P{n}")
    plain_wall, plain_cpu = time.perf_counter() - plain_wall, time.process_time() - plain_cpu
    n = args.requests
    print(
        f"{n} requests, without the profiler: {plain_wall / n * 1000:.2f} ms wall a request, "
        f"{plain_cpu / n * 1000:.2f} ms CPU in this process, "
        f"{(plain_wall - plain_cpu) / n * 1000:.2f} ms waiting (PostgreSQL, I/O)"
    )
    print(f"single-process ceiling: {n / plain_wall:,.0f} registrations/s")

    stats = pstats.Stats(profile)
    by_function = {}
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        by_function.setdefault((filename, name), 0.0)
        by_function[(filename, name)] = max(by_function[(filename, name)], ct)
    profiled = wall
    print(f"\nstages (profiled, {wall / n * 1000:.2f} ms wall a request with the profiler on):")
    for label, suffix, name in STAGES:
        spent = max(
            (ct for (f, fn), ct in by_function.items() if f.endswith(suffix) and fn == name), default=0.0
        )
        print(f"  {label:34s} {spent / n * 1000:7.3f} ms  {spent / profiled * 100:5.1f}%")
    print("\nthe project's own functions by cumulative time a request:")
    ours = sorted(
        (
            (ct, f, fn)
            for (f, fn), ct in by_function.items()
            if ("/site-packages/" not in f and "/ipchain/" in f) or "/verifier/" in f
        ),
        reverse=True,
    )
    for ct, f, fn in ours[:20]:
        print(f"  {ct / n * 1000:7.3f} ms  {f.split('/work/main/')[-1]}:{fn}")
    statements = sum(row[1] for (_f, _l, fn), row in stats.stats.items() if fn == "_execute_send")
    print(f"\nSQL statements a request: {statements / n:.1f}")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(15)
    print("\ntop functions by own time:")
    print("\n".join(out.getvalue().splitlines()[6:30]))


if __name__ == "__main__":
    main()
