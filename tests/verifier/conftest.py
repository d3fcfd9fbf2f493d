import pytest

from verifier import evidence, scanlog, verification


@pytest.fixture(autouse=True)
def verifier_settings(settings):
    """Each scan written at once (the batching has its own tests), nothing remembered
    from another test's database."""
    settings.IPCHAIN_SCAN_LOG = {"batch": 100, "seconds": 0}
    evidence.forget()
    verification.forget()
    yield settings
    scanlog.flush()
    evidence.forget()
