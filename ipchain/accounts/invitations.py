"""Invitations: how people join an organisation without anyone handling their password.

The office invites a rights holder's first administrator; a holder's administrator invites
its staff (administrators and operators); the office invites its own administrators. The
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

from .models import Invitation, Membership, Organisation, Role
from .roles import assign_role, require

log = logging.getLogger(__name__)

# Whom each role may invite: (its own organisation's roles, roles in rights holders it admits).
MAY_INVITE = {
    Role.OFFICE_ADMIN: ({Role.OFFICE_ADMIN}, {Role.BRAND_ADMIN}),
    Role.BRAND_ADMIN: ({Role.BRAND_ADMIN, Role.BRAND_OPERATOR}, set()),
}


NOT_VALID = "this invitation was used, withdrawn or has expired"


class InvitationError(DomainError):
    pass


def roles_to_invite(membership: Membership, organisation: Organisation) -> list[str]:
    """The roles `membership` may invite people to in `organisation` (none: it may not)."""
    own, admitted = MAY_INVITE.get(membership.role, (set(), set()))
    if organisation.pk == membership.organisation_id:
        allowed = own
    elif organisation.kind == Organisation.Kind.BRAND:
        allowed = admitted
    else:
        allowed = set()
    return [role for role in Role.values if role in allowed]


def invite(*, actor, organisation: Organisation, email: str, role: str) -> tuple[Invitation, str, bool]:
    """A new invitation, its link's path, and whether the e-mail went out (when it did not,
    the inviter passes the link on: it is shown to them once)."""
    membership = require(actor, "accounts.add_invitation")
    if role not in roles_to_invite(membership, organisation):
        raise PermissionDenied("you may not invite people to that role in that organisation")
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
            invited_by=actor,
            expires_at=now + timedelta(days=settings.IPCHAIN_INVITATION_DAYS),
        )
    path = f"/accounts/invitation/{token}/"
    return invitation, path, _send(invitation, path)


def _send(invitation: Invitation, path: str) -> bool:
    link = f"{settings.IPCHAIN_PUBLIC_SCHEME}://{settings.IPCHAIN_PUBLIC_HOST}{path}"
    subject = _("Your invitation to %(organisation)s on ipchain") % {"organisation": invitation.organisation}
    body = _(
        "You are invited to join %(organisation)s as %(role)s.\n\n"
        "Open this link to choose your user name and password (it works once, until %(expires)s UTC):\n"
        "%(link)s\n\nIf you did not expect this, ignore this message."
    ) % {
        "organisation": invitation.organisation,
        "role": invitation.get_role_display(),
        "expires": f"{invitation.expires_at:%Y-%m-%d %H:%M}",
        "link": link,
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
        assign_role(user, invitation.organisation, invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return user


def withdraw(*, actor, invitation: Invitation) -> None:
    membership = require(actor, "accounts.add_invitation")
    if invitation.role not in roles_to_invite(membership, invitation.organisation):
        raise PermissionDenied("you may not withdraw that invitation")
    Invitation.objects.filter(pk=invitation.pk, accepted_at=None, withdrawn_at=None).update(
        withdrawn_at=timezone.now()
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
