from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ipchain.accounts.models import Organisation
from ipchain.registry.errors import RegistryError
from ipchain.registry.keys import create_node_key
from ipchain.registry.st3 import is_st3_code


class Command(BaseCommand):
    help = "Create the IP office that runs this node, with its node-held signing key (once)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True, help="Stable identifier used in ledger records")
        parser.add_argument("--country", required=True, help="WIPO ST.3 code, e.g. EM")
        parser.add_argument("--email", default="")

    def handle(self, *args, name, slug, country, email, **options):
        country = country.upper()
        if not is_st3_code(country):
            raise CommandError(f"{country!r} is not a WIPO ST.3 code")
        if Organisation.objects.filter(kind=Organisation.Kind.OFFICE).exists():
            raise CommandError("this node already has its IP office")
        try:
            with transaction.atomic():
                office = Organisation.objects.create(
                    kind=Organisation.Kind.OFFICE,
                    slug=slug,
                    name=name,
                    country=country,
                    contact_email=email,
                    status=Organisation.Status.ADMITTED,
                )
                key = create_node_key(organisation=office)
        except RegistryError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"created office {office.slug} with signing key {key.kid}")
