"""Loading the log's Ed25519 signing key from the environment or its key file."""

import os
from functools import cache
from pathlib import Path

from django.conf import settings

from .notes import NoteError, Signer, Verifier


class LogKeyMissing(RuntimeError):
    reason = "log_key_missing"


@cache
def log_signer() -> Signer:
    """The log's signer, from IPCHAIN_LOG_KEY or else IPCHAIN_LOG_KEY_FILE.

    Cached per process; the seed is kept inside the Signer and never logged.
    """
    skey = settings.IPCHAIN_LOG_KEY
    source = "IPCHAIN_LOG_KEY"
    if not skey:
        path = Path(settings.IPCHAIN_LOG_KEY_FILE)
        source = str(path)
        try:
            skey = path.read_text()
        except FileNotFoundError:
            raise LogKeyMissing(
                f"no log key: run `python manage.py ipchain_keygen` or set IPCHAIN_LOG_KEY (looked in {path})"
            ) from None
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


def write_key_file(path: Path, signer: Signer) -> None:
    """Write the signer key readable by its owner only, refusing to overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(signer.skey + "\n")
