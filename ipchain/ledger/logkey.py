"""Loading the log's Ed25519 signing key from the environment or its key file."""

from functools import cache

from django.conf import settings

from .keyfiles import KeyMissing, read_skey
from .notes import NoteError, Signer, Verifier


class LogKeyMissing(KeyMissing):
    reason = "log_key_missing"


@cache
def log_signer() -> Signer:
    """The log's signer, from IPCHAIN_LOG_KEY or else IPCHAIN_LOG_KEY_FILE.

    Cached per process; the seed is kept inside the Signer and never logged.
    """
    skey, source = read_skey(
        inline=settings.IPCHAIN_LOG_KEY,
        path=settings.IPCHAIN_LOG_KEY_FILE,
        setting="IPCHAIN_LOG_KEY",
        make_one="python manage.py ipchain_keygen",
        missing=LogKeyMissing,
    )
    try:
        signer = Signer.from_skey(skey)
    except NoteError as exc:
        raise LogKeyMissing(f"the log key in {source} is unusable: {exc}") from None
    if signer.name != settings.IPCHAIN_LOG_ORIGIN:
        raise LogKeyMissing(
            f"the log key is named {signer.name!r} but IPCHAIN_LOG_ORIGIN is {settings.IPCHAIN_LOG_ORIGIN!r}"
        )
    return signer


def log_verifier() -> Verifier:
    return log_signer().verifier
