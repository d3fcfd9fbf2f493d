from django.core.management.base import BaseCommand

from ipchain.dashboard.rollup import fold


class Command(BaseCommand):
    help = "Recount the dashboard's daily rollups (the page does it by itself every few minutes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Recount every day of the window (after late offline scans)",
        )

    def handle(self, *args, rebuild: bool, **options):
        done = fold(rebuild=rebuild)
        self.stdout.write("rollups recounted" if done else "another process is recounting them")
