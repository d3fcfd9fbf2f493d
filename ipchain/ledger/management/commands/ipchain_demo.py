from django.core.management.base import BaseCommand

from ipchain.ledger import log
from ipchain.ledger.models import LogEntry


class Command(BaseCommand):
    help = "Load demo data into an empty node (safe to run twice)."

    def handle(self, *args, **options):
        if LogEntry.objects.exists():
            self.stdout.write("demo data already loaded")
            return
        log.append_many({"type": "demo.note", "n": n, "text": f"demo entry {n}"} for n in range(1000))
        done = log.integrate_pending()
        self.stdout.write(f"demo data loaded: {done} ledger entries")
