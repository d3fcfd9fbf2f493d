import time

from django.core.management.base import BaseCommand, CommandError

from ipchain.ledger.log import integrate_pending
from ipchain.ledger.logkey import LogKeyMissing


class Command(BaseCommand):
    help = "Integrate pending entries into the tree and sign a checkpoint (the sequencer)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument(
            "--loop",
            type=float,
            default=None,
            metavar="SECONDS",
            help="Keep integrating, sleeping this long when nothing is pending",
        )

    def handle(self, *args, batch_size, loop, **options):
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        while True:
            try:
                done = integrate_pending(batch_size=batch_size)
            except LogKeyMissing as exc:
                raise CommandError(str(exc)) from None
            if done or loop is None:
                self.stdout.write(f"integrated {done} entries")
            if loop is None:
                return
            if not done:
                time.sleep(loop)
