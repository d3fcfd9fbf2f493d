"""Shared fixtures. Every test runs with a throw-away log key and eager integration."""

import os

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import translation

from ipchain.accounts import changes
from ipchain.enforcement import portfolio
from ipchain.ledger import reads
from ipchain.ledger.logkey import log_signer
from ipchain.ledger.notes import Signer

TEST_ORIGIN = "test.ipchain.example/log"
TEST_SIGNER = Signer.generate(TEST_ORIGIN)


def on_postgres() -> bool:
    return django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.postgres` tests need PostgreSQL. Without it they are skipped locally,
    but fail in CI (IPCHAIN_REQUIRE_POSTGRES=1) so that a green CI always ran them."""
    if on_postgres():
        return
    if os.environ.get("IPCHAIN_REQUIRE_POSTGRES") == "1":
        raise pytest.UsageError("IPCHAIN_REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL")
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def ledger_settings(settings):
    from config import celery_app

    settings.IPCHAIN_LOG_ORIGIN = TEST_ORIGIN
    settings.IPCHAIN_LOG_KEY = TEST_SIGNER.skey
    # Real hashing costs ~0.3 s a user; tests make many users and test no passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    celery_app.conf.task_always_eager = True
    settings.IPCHAIN_EMBEDDED_WORKER = False  # tasks inline, done when the request answers
    # No rate limits unless a test sets them (tests/test_throttling.py): a suite makes many
    # requests from one address.
    settings.IPCHAIN_THROTTLE_RATES = {}
    log_signer.cache_clear()
    cache.clear()  # Redis in CI: nothing a test cached (figures, the trust list) reaches the next
    portfolio.forget()  # which authorities see whose guides: ids are reused after a rollback
    changes.forget()  # memberships, keys, registration terms: the same
    reads.forget_tiles()  # full tiles a proof read: another test's log had other ones
    yield settings
    log_signer.cache_clear()
    cache.clear()
    translation.deactivate()  # a test that activated a language leaves none to the next


@pytest.fixture
def log_verifier():
    return TEST_SIGNER.verifier
