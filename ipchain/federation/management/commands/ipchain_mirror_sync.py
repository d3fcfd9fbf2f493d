from django.core.management.base import BaseCommand, CommandError

from ...mirror import sync_peer
from ...models import Peer


class Command(BaseCommand):
    help = "Bring the mirrors of peer logs up to date now (all mirrored peers, or those named)."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="Peer names (default: every peer we mirror)")

    def handle(self, *args, names, **options):
        peers = Peer.objects.filter(mirror_its_log=True)
        if names:
            peers = peers.filter(name__in=names)
            missing = set(names) - set(peers.values_list("name", flat=True))
            if missing:
                raise CommandError(f"not mirrored peers: {', '.join(sorted(missing))}")
        failed = False
        for peer in peers:
            result = sync_peer(peer)
            failed |= result.status not in {"up_to_date", "advanced"}
            self.stdout.write(
                f"{result.peer}: {result.status} at size {result.size}"
                + (f", {result.entries} new entries" if result.entries else "")
                + (f" ({result.message})" if result.message else "")
            )
        if failed:
            raise CommandError("some peers could not be mirrored")
