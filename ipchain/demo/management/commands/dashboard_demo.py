from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ipchain.demo.dashboard_data import load_demo_scans


class Command(BaseCommand):
    help = "Add demo scans, cases and alerts for the dashboard (after ipchain_demo; development only)."

    def add_arguments(self, parser):
        parser.add_argument("--scans", type=int, default=3000)

    def handle(self, *args, scans: int, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("demo data is for development only")
        written = load_demo_scans(scans=scans)
        self.stdout.write(
            f"{written} demo scans written" if written else "no scans written (already there, or no items)"
        )
