from django.core.management.base import BaseCommand, CommandError

from ipchain.registry.rule_runs import check_rule_firings

from ...models import Peer
from ...peer_rights import replay_peer


class Command(BaseCommand):
    help = (
        "Re-run every rule run in this node's log (or a mirrored peer's) and report firings that are "
        "missing, extra or different (docs/rules.md). Exits 1 when it finds any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--peer", help="A peer's name: replay its mirrored log instead of ours")

    def handle(self, *args, peer: str | None, **options):
        if peer:
            found = Peer.objects.filter(name=peer).first()
            if found is None:
                raise CommandError(f"no peer named {peer!r}: see `manage.py ipchain_federation_status`")
            problems = replay_peer(found)
        else:
            problems = list(check_rule_firings())
        for problem in problems:
            self.stdout.write(f"{problem.reason}: {problem.message}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in the rule runs")
        self.stdout.write("every rule run replays to the same firings")
