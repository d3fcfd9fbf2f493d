from django.core.management.base import BaseCommand, CommandError

from ...peer_setup import PeerError, peer_configure


class Command(BaseCommand):
    help = (
        "Add a peer office's node, or change one (by name). Exchange keys out of band: the log key "
        "from the peer's `ipchain_keygen` / GET /log/key, the witness key from its `ipchain_witness_key`."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="A short name for the peer, e.g. 'euipo'")
        parser.add_argument("--url", help="The peer node's base URL, e.g. https://ledger.euipo.example")
        parser.add_argument("--log-vkey", help="The peer log's verifier key (its name is the log's origin)")
        parser.add_argument(
            "--witness-vkey", help="The peer's witness key, to use it as a witness of our log"
        )
        for flag, help_text in (
            ("witness", "this node witnesses (cosigns) the peer's log"),
            ("mirror", "this node mirrors the peer's log"),
            ("cosigner", "the peer's witness cosigns our log (needs --witness-vkey)"),
        ):
            parser.add_argument(f"--{flag}", action="store_true", default=None, help=help_text)
            parser.add_argument(f"--no-{flag}", dest=flag, action="store_false", help=f"stop: {help_text}")

    def handle(self, *args, name, url, log_vkey, witness_vkey, witness, mirror, cosigner, **options):
        try:
            peer, created = peer_configure(
                name=name,
                url=url,
                log_vkey=log_vkey,
                witness_vkey=witness_vkey,
                witness_its_log=witness,
                mirror_its_log=mirror,
                cosigns_our_log=cosigner,
            )
        except PeerError as exc:
            raise CommandError(str(exc)) from None
        roles = [
            r
            for r, on in (
                ("witness", peer.witness_its_log),
                ("mirror", peer.mirror_its_log),
                ("cosigner", peer.cosigns_our_log),
            )
            if on
        ]
        self.stdout.write(
            f"{'added' if created else 'updated'} peer {peer.name}: {peer.origin} at {peer.url} "
            f"({', '.join(roles) or 'no roles'})"
        )
