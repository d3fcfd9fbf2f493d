import json

from django.core.management.base import BaseCommand

from ...status import federation_status


class Command(BaseCommand):
    help = "Show each peer: roles, sizes witnessed and mirrored, last contact, errors, stale, split views."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Machine-readable output")

    def handle(self, *args, json: bool, **options):
        statuses = federation_status()
        if json:
            self.stdout.write(_dumps([s.as_json() for s in statuses]))
            return
        if not statuses:
            self.stdout.write("no peers: add one with `manage.py ipchain_peer_add`")
        for s in statuses:
            flags = [
                flag
                for flag, on in (
                    ("STALE", s.stale),
                    ("SPLIT VIEW", s.split_views),
                    ("RULE RUNS", s.rule_problems),
                )
                if on
            ]
            if s.errors:
                flags.append("ERRORS")
            self.stdout.write(f"{s.name}  {s.origin}  {s.url}  {' '.join(flags) or 'healthy'}")
            self.stdout.write(f"  roles: {', '.join(s.roles) or 'none'}")
            self.stdout.write(
                f"  witnessed size: {s.witnessed_size}  mirrored size: {s.mirrored_size}  "
                f"our size it cosigned: {s.cosigned_our_size}"
            )
            self.stdout.write(f"  last mirror sync: {s.last_mirror_ok}  last cosignature: {s.last_cosign_ok}")
            for error in s.errors:
                self.stdout.write(f"  error: {error}")
            for problem in s.rule_problems:
                self.stdout.write(f"  rule runs: {problem}")
            if s.split_views:
                self.stdout.write(f"  split-view evidence: {s.split_views} ({s.proven_split_views} proven)")
        if statuses:
            unhealthy = [s.name for s in statuses if not s.healthy]
            self.stdout.write(
                f"not healthy: {', '.join(unhealthy)}" if unhealthy else f"healthy: {len(statuses)} peer(s)"
            )


def _dumps(data) -> str:
    return json.dumps(data, indent=2)
