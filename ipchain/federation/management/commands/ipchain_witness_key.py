from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ipchain.ledger.keyfiles import write_key_file
from ipchain.ledger.notes import NoteError

from ...tlog_cosignature import CosignatureSigner
from ...witnesskey import WitnessKeyMissing, witness_signer


class Command(BaseCommand):
    help = (
        "Print this node's witness verifier key (cosignature/v1, type 0x04) for peers to configure. "
        "With --generate, first create the witness key in a file readable only by its owner. "
        "The private key is never printed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--generate", action="store_true", help="Create the key file (IPCHAIN_WITNESS_KEY_FILE)"
        )
        parser.add_argument(
            "--if-missing", action="store_true", help="With --generate: keep an existing key file"
        )

    def handle(self, *args, generate, if_missing, **options):
        if generate:
            path = Path(settings.IPCHAIN_WITNESS_KEY_FILE)
            if path.exists() and not if_missing:
                raise CommandError(f"{path} exists; refusing to overwrite a witness key")
            if not path.exists():
                try:
                    signer = CosignatureSigner.generate(settings.IPCHAIN_WITNESS_NAME)
                except NoteError as exc:
                    raise CommandError(str(exc)) from None
                write_key_file(path, signer.skey)
                self.stderr.write(f"wrote the witness key to {path} (mode 0600)")
            witness_signer.cache_clear()
        # The verifier key alone on standard output, as ipchain_keygen prints the log's.
        try:
            self.stdout.write(witness_signer().verifier.vkey)
        except WitnessKeyMissing as exc:
            raise CommandError(str(exc)) from None
