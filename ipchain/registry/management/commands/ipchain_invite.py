from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from ipchain.accounts import invitations
from ipchain.accounts.models import Organisation, Role
from ipchain.accounts.roles import COMMAND_LINE


class Command(BaseCommand):
    help = (
        "Invite someone to an organisation with a role: they get an e-mail with a link to choose "
        "their user name and password. The link is printed too, for when e-mail is not configured."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--org", required=True, help="Organisation identifier")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--customs-office", default="", help="For customs staff: where they work")

    def handle(self, *args, email, org, role, customs_office, **options):
        organisation = Organisation.objects.filter(slug=org).first()
        if organisation is None:
            raise CommandError(f"no organisation {org!r}")
        office = None
        if customs_office:
            office = organisation.customs_offices.filter(name=customs_office).first()
            if office is None:
                raise CommandError(f"{organisation} has no customs office {customs_office!r}")
        try:
            _invitation, path, sent = invitations.invite(
                actor=COMMAND_LINE, organisation=organisation, email=email, role=role, customs_office=office
            )
        except invitations.InvitationError as exc:
            raise CommandError(str(exc)) from None
        except PermissionDenied:
            raise CommandError(f"role {role} does not fit {organisation}") from None
        self.stderr.write("e-mail sent" if sent else "the e-mail could not be sent: pass the link on")
        self.stdout.write(invitations.link(path))
