from django.core.management.base import BaseCommand, CommandError

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import COMMAND_LINE
from ipchain.registry.authorities import announce_the_rest, create_customs_authority, give_signing_key
from ipchain.registry.errors import RegistryError


class Command(BaseCommand):
    help = (
        "Add a customs authority, admitted, with its node-held signing key registered in the log. "
        "Prints its identifier; then add its customs offices and invite its first supervisor. "
        "With --slug and --key, give an existing authority that has no key its signing key. "
        "With --announce, name in the log, for peer offices, the authorities added before "
        "authorities were announced there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", default="")
        parser.add_argument("--country", default="", help="WIPO ST.3 code, e.g. NL")
        parser.add_argument("--slug", default="", help="Identifier (default: made from the name)")
        parser.add_argument("--email", default="", help="Contact e-mail")
        parser.add_argument(
            "--key", action="store_true", help="Only give the existing authority --slug its signing key"
        )
        parser.add_argument(
            "--announce", action="store_true", help="Only announce the authorities the log does not name yet"
        )

    def handle(self, *args, name, country, slug, email, key, announce, **options):
        if announce:
            done = announce_the_rest()
            self.stdout.write(f"announced {len(done)}: {', '.join(a.slug for a in done) or 'none'}")
            return
        try:
            if key:
                authority = Organisation.objects.filter(slug=slug, kind=Organisation.Kind.CUSTOMS).first()
                if authority is None:
                    raise CommandError(f"no customs authority {slug!r}")
                give_signing_key(actor=COMMAND_LINE, authority=authority)
            else:
                if not name or not country:
                    raise CommandError("give --name and --country (or --slug and --key)")
                authority = create_customs_authority(
                    actor=COMMAND_LINE, name=name, country=country, slug=slug, contact_email=email
                )
        except RegistryError as exc:
            raise CommandError(str(exc)) from None
        signing = authority.keys.get(status="active")
        done = "gave" if key else "added"
        self.stderr.write(f"{done} customs authority {authority.name} signing key {signing.kid}")
        self.stdout.write(authority.slug)
