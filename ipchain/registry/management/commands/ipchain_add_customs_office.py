from django.core.management.base import BaseCommand, CommandError

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import COMMAND_LINE
from ipchain.registry.authorities import add_customs_office
from ipchain.registry.errors import RegistryError


class Command(BaseCommand):
    help = "Add a customs office (a border post, port or airport) to a customs authority, with its position."

    def add_arguments(self, parser):
        parser.add_argument("--authority", required=True, help="The customs authority's identifier")
        parser.add_argument("--name", required=True)
        parser.add_argument("--code", default="", help="Reference number, e.g. NL000396")
        parser.add_argument("--latitude", type=float, default=None)
        parser.add_argument("--longitude", type=float, default=None)

    def handle(self, *args, authority, name, code, latitude, longitude, **options):
        org = Organisation.objects.filter(slug=authority, kind=Organisation.Kind.CUSTOMS).first()
        if org is None:
            raise CommandError(f"no customs authority {authority!r}")
        try:
            office = add_customs_office(
                actor=COMMAND_LINE,
                authority=org,
                name=name,
                code=code,
                latitude=latitude,
                longitude=longitude,
            )
        except RegistryError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"added customs office {office.name} to {org.name}")
