from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ipchain.ledger.keyfiles import write_key_file
from ipchain.ledger.notes import NoteError, Signer


class Command(BaseCommand):
    help = (
        "Create the log's Ed25519 signing key in a file readable only by its owner. "
        "Prints the public verifier key (alone, on standard output, as ipchain_witness_key does); "
        "the private key is never printed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--origin", default=None, help="Log origin and key name (default: IPCHAIN_LOG_ORIGIN)"
        )
        parser.add_argument("--out", default=None, help="Key file (default: IPCHAIN_LOG_KEY_FILE)")
        parser.add_argument("--if-missing", action="store_true", help="Do nothing when the key file exists")

    def handle(self, *args, origin, out, if_missing, **options):
        path = Path(out or settings.IPCHAIN_LOG_KEY_FILE)
        if path.exists():
            if not if_missing:
                raise CommandError(f"{path} exists; refusing to overwrite a log key")
            try:
                signer = Signer.from_skey(path.read_text().strip())
            except (OSError, NoteError) as exc:
                raise CommandError(f"{path} holds no usable log key: {exc}") from None
            self.stderr.write(f"the log key is already in {path}")
        else:
            try:
                signer = Signer.generate(origin or settings.IPCHAIN_LOG_ORIGIN)
            except NoteError as exc:
                raise CommandError(str(exc)) from None
            write_key_file(path, signer.skey)
            self.stderr.write(f"wrote the log signing key to {path} (mode 0600)")
        # The verifier key alone on standard output: `vkey=$(manage.py ipchain_keygen)`.
        self.stdout.write(signer.verifier.vkey)
