"""Invitations: how people join an organisation without anyone handling their password.

The office invites a rights holder's first administrator and a customs authority's first
supervisor; a holder's administrator invites its staff (administrators and operators), a
customs supervisor the authority's officers and supervisors, each at one of its customs
offices; the office invites its own administrators. The
link carries a random secret (256 bits), of which only a SHA-256 hash is stored; it is good
once, until IPCHAIN_INVITATION_DAYS pass, and an invitation sent again to the same address
for the same organisation replaces the earlier one. Whoever holds the link sets their own
user name and password (Django's password validators) and is signed in with the role.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ipchain.errors import DomainError

from .models import ROLE_KIND, CustomsOffice, Invitation, Membership, Organisation, Role
from .roles import COMMAND_LINE, assign_role, require

log = logging.getLogger(__name__)

# Whom each role may invite: its own organisation's roles, and roles in the organisations of
# each kind it looks after (the office: rights holders and customs authorities).
MAY_INVITE = {
    Role.OFFICE_ADMIN: (
        {Role.OFFICE_ADMIN},
        {
            Organisation.Kind.BRAND: {Role.BRAND_ADMIN},
            Organisation.Kind.CUSTOMS: {Role.CUSTOMS_SUPERVISOR},
            Organisation.Kind.REPRESENTATIVE: {Role.REPRESENTATIVE},
        },
    ),
    Role.BRAND_ADMIN: ({Role.BRAND_ADMIN, Role.BRAND_OPERATOR}, {}),
    Role.CUSTOMS_SUPERVISOR: ({Role.CUSTOMS_SUPERVISOR, Role.CUSTOMS_OFFICER}, {}),
}


NOT_VALID = "this invitation was used, withdrawn or has expired"


class InvitationError(DomainError):
    pass


def roles_to_invite(membership: Membership | None, organisation: Organisation) -> list[str]:
    """The roles `membership` may invite people to in `organisation` (none: it may not); the
    operator at the command line (no membership) any role that fits the organisation."""
    if membership is None:
        allowed = {role for role, kind in ROLE_KIND.items() if kind == organisation.kind}
    elif organisation.pk == membership.organisation_id:
        allowed = MAY_INVITE.get(membership.role, (set(), {}))[0]
    else:
        allowed = MAY_INVITE.get(membership.role, (set(), {}))[1].get(organisation.kind, set())
    return [role for role in Role.values if role in allowed]


def invite(
    *,
    actor,
    organisation: Organisation,
    email: str,
    role: str,
    customs_office: CustomsOffice | None = None,
) -> tuple[Invitation, str, bool]:
    """A new invitation, its link's path, and whether the e-mail went out (when it did not,
    the inviter passes the link on: it is shown to them once). Customs staff are invited to
    one of their authority's customs offices, when it has any."""
    membership = require(actor, "accounts.add_invitation")
    if role not in roles_to_invite(membership, organisation):
        raise PermissionDenied("you may not invite people to that role in that organisation")
    _check_customs_office(organisation, customs_office)
    email = email.strip().lower()
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(
            organisation=organisation, email=email, accepted_at=None, withdrawn_at=None
        ).update(withdrawn_at=now)
        invitation = Invitation.objects.create(
            organisation=organisation,
            role=role,
            email=email,
            token_hash=_hash(token),
            invited_by=None if actor is COMMAND_LINE else actor,
            customs_office=customs_office,
            expires_at=now + timedelta(days=settings.IPCHAIN_INVITATION_DAYS),
        )
    path = f"/accounts/invitation/{token}/"
    return invitation, path, _send(invitation, path)


def _check_customs_office(organisation: Organisation, office: CustomsOffice | None) -> None:
    if organisation.kind != Organisation.Kind.CUSTOMS:
        if office is not None:
            raise InvitationError("office_not_for_role", "only customs staff work at a customs office")
        return
    if office is None:
        if organisation.customs_offices.exists():
            raise InvitationError("customs_office_required", "say at which customs office they will work")
    elif office.authority_id != organisation.pk:
        raise InvitationError("wrong_customs_office", "that customs office belongs to another authority")


def link(path: str) -> str:
    """The invitation's full address, at the node's public host."""
    return f"{settings.IPCHAIN_PUBLIC_SCHEME}://{settings.IPCHAIN_PUBLIC_HOST}{path}"


def _send(invitation: Invitation, path: str) -> bool:
    subject = _("Your invitation to %(organisation)s on ipchain") % {"organisation": invitation.organisation}
    body = _(
        "You are invited to join %(organisation)s as %(role)s.\n\n"
        "Open this link to choose your user name and password (it works once, until %(expires)s UTC):\n"
        "%(link)s\n\nIf you did not expect this, ignore this message."
    ) % {
        "organisation": invitation.organisation,
        "role": invitation.get_role_display(),
        "expires": f"{invitation.expires_at:%Y-%m-%d %H:%M}",
        "link": link(path),
    }
    try:
        send_mail(subject, body, None, [invitation.email])
    except Exception:  # the mail server is down: the inviter has the link to pass on
        log.warning("invitation %s: e-mail not sent", invitation.pk, exc_info=True)
        return False
    return True


def pending(token: str) -> Invitation | None:
    """The invitation this link opens, if it is still good."""
    invitation = _by_link(token, Invitation.objects.select_related("organisation"))
    return invitation if invitation and invitation.pending else None


def _by_link(token: str, rows) -> Invitation | None:
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    return rows.filter(token_hash=_hash(token)).first()


def accept(*, token: str, username: str, password: str, first_name: str = "", last_name: str = ""):
    """The new user, with the invitation's organisation and role; InvitationError when the
    link is no longer good or the user name is taken, ValidationError for a weak password."""
    with transaction.atomic():
        # Locked: of two tabs accepting at once, one wins and the other finds it used.
        invitation = _by_link(token, Invitation.objects.select_for_update())
        if invitation is None or not invitation.pending:
            raise InvitationError("invitation_not_valid", NOT_VALID)
        user_model = get_user_model()
        candidate = user_model(
            username=username, email=invitation.email, first_name=first_name, last_name=last_name
        )
        validate_password(password, candidate)
        try:
            with transaction.atomic():
                user = user_model.objects.create_user(
                    username=username,
                    email=invitation.email,
                    password=password,
                    first_name=first_name,
                    last_name=last_name,
                )
        except IntegrityError:
            raise InvitationError("username_taken", "that user name is taken") from None
        assign_role(user, invitation.organisation, invitation.role, **posted_at(invitation.customs_office))
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return user


def posted_at(office: CustomsOffice | None) -> dict:
    """A customs member's place of work, as their membership keeps it (what scans record)."""
    if office is None:
        return {}
    return {"customs_office": office.name, "latitude": office.latitude, "longitude": office.longitude}


def withdraw(*, actor, invitation: Invitation) -> None:
    membership = require(actor, "accounts.add_invitation")
    if invitation.role not in roles_to_invite(membership, invitation.organisation):
        raise PermissionDenied("you may not withdraw that invitation")
    Invitation.objects.filter(pk=invitation.pk, accepted_at=None, withdrawn_at=None).update(
        withdrawn_at=timezone.now()
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
