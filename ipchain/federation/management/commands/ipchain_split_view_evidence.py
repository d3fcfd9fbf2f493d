import base64
import binascii
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ipchain.ledger.notes import NoteError

from ...models import Peer
from ...split_views import submit_evidence


class Command(BaseCommand):
    help = (
        "Check two signed checkpoints of a peer's log handed in as evidence (files with the signed "
        "notes; optionally a file of consistency proof hashes, one base64 line each) and keep them "
        "as split-view evidence if they do not fit one history."
    )

    def add_arguments(self, parser):
        parser.add_argument("peer")
        parser.add_argument("first", type=Path)
        parser.add_argument("second", type=Path)
        parser.add_argument("--proof", type=Path, help="Consistency proof from the smaller to the larger")

    def handle(self, *args, peer, first, second, proof, **options):
        found = Peer.objects.filter(name=peer).first()
        if found is None:
            raise CommandError(f"no peer named {peer!r}")
        try:
            hashes = (
                [base64.b64decode(line, validate=True) for line in proof.read_text().split()] if proof else []
            )
            evidence = submit_evidence(
                peer=found, first_note=first.read_text(), second_note=second.read_text(), proof=hashes
            )
        except (OSError, binascii.Error, NoteError) as exc:
            raise CommandError(str(exc)) from None
        if evidence is None:
            self.stdout.write("consistent: the two checkpoints fit one history")
        else:
            kind = "PROVEN" if evidence.proven else "suspected"
            self.stdout.write(f"{kind} split view kept as evidence #{evidence.pk}: {evidence.message}")
