from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from ipchain.accounts.invitations import posted_at
from ipchain.accounts.models import ROLE_KIND, Organisation, Role
from ipchain.accounts.roles import assign_role


class Command(BaseCommand):
    help = "Create a user in an organisation with a role. The password is read from --password or asked for."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--org", required=True, help="Organisation identifier (slug)")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default=None)
        parser.add_argument(
            "--customs-office", default="", help="For customs staff: one of the authority's customs offices"
        )

    def handle(self, *args, username, org, role, email, password, customs_office, **options):
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            raise CommandError(f"no organisation {org!r}")
        if ROLE_KIND[role] != organisation.kind:
            with translation.override("en"):  # a command speaks English, whatever was active
                fits = Organisation.Kind(ROLE_KIND[role]).label
                raise CommandError(
                    f"{organisation.slug} is a {organisation.get_kind_display()}: a {Role(role).label} "
                    f"belongs to a {fits} (customs authorities: ipchain_add_customs_authority)"
                )
        place = {}
        if customs_office:
            office = organisation.customs_offices.filter(name=customs_office).first()
            if office is None:
                names = ", ".join(organisation.customs_offices.values_list("name", flat=True)) or "none yet"
                raise CommandError(
                    f"{organisation} has no customs office {customs_office!r} (it has: {names}); "
                    "add it with ipchain_add_customs_office"
                )
            place = posted_at(office)
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"user {username!r} exists")
        if password is None:
            import getpass

            password = getpass.getpass(f"password for {username}: ")
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email, password=password)
            assign_role(user, organisation, role, **place)
        with translation.override("en"):
            self.stdout.write(f"created {username}: {Role(role).label} at {organisation}")
