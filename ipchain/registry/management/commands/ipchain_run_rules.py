from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from ...errors import RegistryError
from ...rule_runs import run_rules, send_renewal_reminders


class Command(BaseCommand):
    help = (
        "Run the IP rights rules now (as beat does daily): append each firing and the run's record, "
        "signed by the office, and send the renewal reminders due (docs/rules.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--at", help="Run as of this moment, RFC 3339 (default: now); not before the last run"
        )

    def handle(self, *args, at: str | None, **options):
        moment = None
        if at:
            try:
                moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
            except ValueError:
                raise CommandError(
                    f"--at {at!r} is not an RFC 3339 time, e.g. 2026-12-07T06:00:00Z"
                ) from None
            if moment.tzinfo is None:
                raise CommandError("--at needs a time zone, e.g. 2026-12-07T06:00:00Z")
        try:
            run = run_rules(now=moment)
        except RegistryError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"rule run over the log's first {run.upto} entries: {run.firings} firing(s)")
        self.stdout.write(f"renewal reminders sent: {send_renewal_reminders(now=moment)}")
