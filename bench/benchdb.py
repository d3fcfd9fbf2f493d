"""Shared by the benchmarks: a dedicated PostgreSQL database, wiped and migrated, and Django set up on it."""

import base64
import hashlib
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ipchain_bench"


def bench_database_url(given: str | None) -> str:
    """--database-url, else DATABASE_URL, else ipchain_bench; only a dedicated bench database.

    The ledger benchmarks wipe it, so a PostgreSQL database whose name does not say
    'bench' (or a pytest database) is refused before anything touches it.
    """
    url = given or os.environ.get("DATABASE_URL") or DEFAULT_URL
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"refusing {url!r}: the ledger benchmarks run on PostgreSQL")
    if "bench" not in name or name.startswith("test_"):
        sys.exit(f"refusing to wipe {name!r}: use a dedicated database whose name contains 'bench'")
    return url


def fresh_database(url: str) -> None:
    """Drop and re-create the database, then migrate it. Refuses names without 'bench'."""
    name = url.rsplit("/", 1)[1]
    if "bench" not in name:
        sys.exit(f"refusing to wipe {name!r}: use a database whose name contains 'bench'")
    import psycopg

    (ROOT / "bench" / "out" / f"{name}.key").unlink(missing_ok=True)

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": url},
        check=True,
    )


def setup_django(url: str) -> None:
    """Django on the bench database, a throw-away log key, integration left to the caller."""
    os.environ["DATABASE_URL"] = url
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    from ipchain.ledger.logkey import log_signer
    from ipchain.ledger.notes import Signer

    # One log key per bench database, kept in bench/out/ so a later run can audit the log.
    key_file = ROOT / "bench" / "out" / f"{url.rsplit('/', 1)[1]}.key"
    if not key_file.exists():
        key_file.parent.mkdir(exist_ok=True)
        key_file.write_text(Signer.generate(settings.IPCHAIN_LOG_ORIGIN).skey)
    settings.IPCHAIN_LOG_KEY = key_file.read_text()
    log_signer.cache_clear()


def record(n: int) -> dict:
    """A ~310-byte record shaped like an item registration, with its own signature bytes."""
    return {
        "v": 1,
        "type": "item.registered",
        "time": "2026-11-24T10:00:00Z",
        "brand": "acme-outdoor",
        "gtin": "09506000134352",
        "serial": f"TJ{n:012d}",
        "lot": f"L{n // 1000:05d}",
        "origin": "VN",
        "production_date": "2026-10-01",
        "kid": "AbCdEfGhIjK",
        "sig": base64.urlsafe_b64encode(hashlib.sha512(n.to_bytes(8, "big")).digest()).decode()[:86],
    }


def queue_integration_only() -> None:
    """Let log.append_many queue its integration task (to the in-memory broker, which no
    worker reads) instead of running it eagerly: the benchmarks integrate when they choose."""
    from config.celery import app

    app.conf.task_always_eager = False


def accept(count: int, start: int = 0, chunk: int = 5000) -> None:
    """Accept `count` records as pending entries with log.append_many, without integrating them."""
    from ipchain.ledger import log

    queue_integration_only()
    for offset in range(start, start + count, chunk):
        log.append_many(record(n) for n in range(offset, min(offset + chunk, start + count)))


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def make_brand():
    """An office, an admitted brand with a node-held key, its administrator and one product."""
    from django.contrib.auth import get_user_model

    from ipchain.accounts.models import Organisation, Role
    from ipchain.accounts.roles import assign_role
    from ipchain.registry import admission, catalogue, keys

    office = Organisation.objects.create(
        kind="office", slug="bench-office", name="Bench office", country="EM", status="admitted"
    )
    keys.create_node_key(organisation=office)
    user_model = get_user_model()
    office_admin = user_model.objects.create_user("office-admin")
    assign_role(office_admin, office, Role.OFFICE_ADMIN)
    brand = Organisation.objects.create(kind="brand", slug="bench-brand", name="Bench brand", country="DE")
    admission.add_ip_right(
        holder=brand, kind="trademark", office="EM", registration_number="018999999", nice_classes=[25]
    )
    admission.decide(actor=office_admin, holder=brand, decision="admitted")
    keys.create_node_key(organisation=brand)
    admin = user_model.objects.create_user("brand-admin")
    assign_role(admin, brand, Role.BRAND_ADMIN)
    product = catalogue.create_product(actor=admin, brand=brand, gtin="09506000134352", name="Bench jacket")
    return brand, admin, product
