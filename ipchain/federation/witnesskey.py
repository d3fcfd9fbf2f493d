"""Loading this node's witness key from the environment or its key file (as ledger/logkey.py)."""

from functools import cache

from django.conf import settings

from ipchain.ledger.keyfiles import KeyMissing, read_skey
from ipchain.ledger.logkey import LogKeyMissing, log_signer
from ipchain.ledger.notes import NoteError

from .tlog_cosignature import CosignatureSigner


class WitnessKeyMissing(KeyMissing):
    reason = "witness_key_missing"


@cache
def witness_signer() -> CosignatureSigner:
    """The witness's signer, from IPCHAIN_WITNESS_KEY or else IPCHAIN_WITNESS_KEY_FILE.

    Cached per process; the seed stays inside the signer and is never logged. The key must
    not be the log's key: a cosignature and a log signature are different statements.
    """
    skey, source = read_skey(
        inline=settings.IPCHAIN_WITNESS_KEY,
        path=settings.IPCHAIN_WITNESS_KEY_FILE,
        setting="IPCHAIN_WITNESS_KEY",
        make_one="python manage.py ipchain_witness_key --generate",
        missing=WitnessKeyMissing,
    )
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
