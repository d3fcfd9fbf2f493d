"""Loading this node's witness key from the environment or its key file (as ledger/logkey.py)."""

from functools import cache
from pathlib import Path

from django.conf import settings

from ipchain.ledger.logkey import LogKeyMissing, log_signer
from ipchain.ledger.notes import NoteError

from .cosignature import CosignatureSigner


class WitnessKeyMissing(RuntimeError):
    reason = "witness_key_missing"


@cache
def witness_signer() -> CosignatureSigner:
    """The witness's signer, from IPCHAIN_WITNESS_KEY or else IPCHAIN_WITNESS_KEY_FILE.

    Cached per process; the seed stays inside the signer and is never logged. The key must
    not be the log's key: a cosignature and a log signature are different statements.
    """
    skey = settings.IPCHAIN_WITNESS_KEY
    source = "IPCHAIN_WITNESS_KEY"
    if not skey:
        path = Path(settings.IPCHAIN_WITNESS_KEY_FILE)
        source = str(path)
        try:
            skey = path.read_text()
        except FileNotFoundError:
            raise WitnessKeyMissing(
                f"no witness key: run `python manage.py ipchain_witness_key --generate` "
                f"or set IPCHAIN_WITNESS_KEY (looked in {path})"
            ) from None
    try:
        signer = CosignatureSigner.from_skey(skey)
    except NoteError as exc:
        raise WitnessKeyMissing(f"the witness key in {source} is unusable: {exc}") from None
    if signer.name != settings.IPCHAIN_WITNESS_NAME:
        raise WitnessKeyMissing(
            f"the witness key is named {signer.name!r} "
            f"but IPCHAIN_WITNESS_NAME is {settings.IPCHAIN_WITNESS_NAME!r}"
        )
    try:
        same_key = log_signer().verifier.public_key == signer.public_key
    except LogKeyMissing:
        same_key = False
    if same_key:
        raise WitnessKeyMissing("the witness key is the log key: give the witness a key of its own")
    return signer
