from django.core.management.base import BaseCommand

from ...cosigning import collect_cosignatures


class Command(BaseCommand):
    help = "Ask every witness of our log to cosign the latest checkpoint now (those that have not yet)."

    def handle(self, *args, **options):
        outcomes = collect_cosignatures()
        if not outcomes:
            self.stdout.write("nothing to ask: no witness configured, or all cosigned the latest checkpoint")
        for outcome in outcomes:
            self.stdout.write(f"{outcome.witness}: {'ok' if outcome.ok else 'FAILED'} {outcome.message}")
