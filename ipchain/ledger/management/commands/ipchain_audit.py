import time

from django.core.management.base import BaseCommand, CommandError

from ipchain.ledger.audit import CONTENT, INTEGRITY, audit_log
from ipchain.ledger.logkey import LogKeyMissing, log_verifier
from ipchain.ledger.notes import NoteError, Verifier


class Command(BaseCommand):
    help = (
        "Re-derive every leaf, rebuild the tree and tiles, verify every checkpoint. "
        "Exits 1 when anything was edited, deleted, inserted or reordered (hash or signature wrong) or a "
        "record breaks a content rule, listing every bad index after the first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--vkey", help="Verifier key to check checkpoints with (default: the node's)")
        parser.add_argument(
            "--skip-canonical",
            action="store_true",
            help="Do not re-check that each body is RFC 8785 canonical (faster)",
        )

        parser.add_argument(
            "--incremental",
            action="store_true",
            help="Go on from where the last good audit left the tree: check only what was added since "
            "(and each record's signature since). Proves append-only growth; a full audit re-reads all",
        )
        parser.add_argument(
            "--skip-records",
            action="store_true",
            help="Do not re-verify each record's own signature (IPCHAIN_AUDIT_RECORD_CHECKS)",
        )

    def handle(self, *args, vkey, skip_canonical, skip_records, incremental, **options):
        try:
            verifier = Verifier.from_vkey(vkey) if vkey else log_verifier()
        except (NoteError, LogKeyMissing) as exc:
            raise CommandError(str(exc)) from None
        started = time.perf_counter()
        result = audit_log(
            verifier=verifier,
            check_canonical=not skip_canonical,
            check_records=not skip_records,
            incremental=incremental,
        )
        since = result.state.size - result.entries if result.state is not None else 0
        elapsed = time.perf_counter() - started
        if not result.ok:
            for problem in result.problems:
                what = "hash or signature wrong" if problem.kind == INTEGRITY else "content rule broken"
                where = f"index {problem.index}" if problem.index is not None else "the checkpoints"
                self.stderr.write(f"{where}: {what}: {problem.reason}: {problem.message}")
            counts = f"{result.counts[INTEGRITY]} integrity and {result.counts[CONTENT]} content problem(s)"
            where = f" at index {result.first_bad_index}" if result.first_bad_index is not None else ""
            raise CommandError(f"audit FAILED{where}: {result.reason}: {result.message} ({counts})")
        self.stdout.write(
            f"audit ok: {result.entries} entries and {result.checkpoints} checkpoints in {elapsed:.2f}s"
            + (f" (from entry {since})" if since else "")
        )
        if not skip_records:
            self.stdout.write("record signatures ok")
