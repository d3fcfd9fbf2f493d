import pytest

from verifier import checks, evidence, scanlog


@pytest.fixture(autouse=True)
def verifier_settings(settings):
    """Each scan written at once (the batching has its own tests), nothing remembered
    from another test's database."""
    settings.IPCHAIN_SCAN_LOG = {"batch": 100, "seconds": 0}
    evidence.forget()
    checks.forget()
    yield settings
    scanlog.flush()
    evidence.forget()
