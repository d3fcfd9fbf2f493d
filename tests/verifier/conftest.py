import pytest

from verifier import evidence, verification


@pytest.fixture(autouse=True)
def verifier_settings(settings):
    """Nothing remembered from another test's database."""
    evidence.forget()
    verification.forget()
    yield settings
    evidence.forget()
