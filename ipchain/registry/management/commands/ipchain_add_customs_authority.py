from django.core.management.base import BaseCommand, CommandError

from ipchain.accounts.roles import COMMAND_LINE
from ipchain.registry.authorities import create_customs_authority
from ipchain.registry.errors import RegistryError


class Command(BaseCommand):
    help = (
        "Add a customs authority, admitted, with its node-held signing key registered in the log. "
        "Prints its identifier; then add its customs offices and invite its first supervisor."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--country", required=True, help="WIPO ST.3 code, e.g. NL")
        parser.add_argument("--slug", default="", help="Identifier (default: made from the name)")
        parser.add_argument("--email", default="", help="Contact e-mail")

    def handle(self, *args, name, country, slug, email, **options):
        try:
            authority = create_customs_authority(
                actor=COMMAND_LINE, name=name, country=country, slug=slug, contact_email=email
            )
        except RegistryError as exc:
            raise CommandError(str(exc)) from None
        key = authority.keys.get()
        self.stderr.write(f"added customs authority {authority.name} with signing key {key.kid}")
        self.stdout.write(authority.slug)
