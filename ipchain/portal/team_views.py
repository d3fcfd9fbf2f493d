"""People: who is in the organisation, and invitations to join it (accounts/invitations.py).
A holder's administrators invite its staff; the office invites its own administrators and
each rights holder's first administrator, from the rights holders' page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import EmailField
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ipchain.accounts import invitations
from ipchain.accounts.forms import InviteForm
from ipchain.accounts.models import Invitation, Membership, Organisation, Role
from ipchain.accounts.roles import membership_of
from ipchain.reasons import explain

from .forms import INVITATION_LINK_KEY
from .guards import office_only


@login_required
def team(request):
    membership = membership_of(request.user)
    if membership is None or membership.organisation.kind == Organisation.Kind.CUSTOMS:
        raise PermissionDenied
    org = membership.organisation
    roles = invitations.roles_to_invite(membership, org)
    form = InviteForm(request.POST or None, roles=roles) if roles else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            _invite(request, org, form.cleaned_data["email"], form.cleaned_data["role"])
            return redirect("portal:team")
    return render(
        request,
        "portal/team.html",
        {
            "org": org,
            "form": form,
            "members": Membership.objects.filter(organisation=org)
            .select_related("user")
            .order_by("user__username"),
            "invitations": _pending(org) if roles else [],
            "new_link": request.session.pop(INVITATION_LINK_KEY, None),
        },
    )


@require_POST
@login_required
def withdraw(request, pk: int):
    membership = membership_of(request.user)
    if membership is None:
        raise PermissionDenied
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        invitations.withdraw(actor=request.user, invitation=invitation)
    except PermissionDenied as exc:
        messages.error(request, explain(exc))
    else:
        messages.success(request, _("Invitation to %(email)s withdrawn.") % {"email": invitation.email})
    if invitation.organisation_id != membership.organisation_id:
        return redirect("portal:holders")
    return redirect("portal:team")


@require_POST
@office_only
def invite_holder_admin(request, org, slug):
    """The office invites a rights holder's (first) administrator."""
    holder = get_object_or_404(Organisation, kind=Organisation.Kind.BRAND, slug=slug)
    try:
        email = EmailField().clean(request.POST.get("email", ""))
    except ValidationError:
        messages.error(request, _("Give a valid e-mail address."))
    else:
        _invite(request, holder, email, Role.BRAND_ADMIN)
    return redirect("portal:holders")


def _invite(request, organisation, email, role) -> None:
    try:
        invitation, path, sent = invitations.invite(
            actor=request.user, organisation=organisation, email=email, role=role
        )
    except PermissionDenied as exc:
        messages.error(request, explain(exc))
        return
    words = {"email": invitation.email, "organisation": organisation}
    if sent:
        messages.success(request, _("Invitation sent to %(email)s to join %(organisation)s.") % words)
    else:
        messages.warning(
            request, _("The e-mail to %(email)s could not be sent: give them the link below.") % words
        )
    request.session[INVITATION_LINK_KEY] = {
        "email": invitation.email,
        "url": request.build_absolute_uri(path),
    }


def _pending(org):
    return Invitation.objects.filter(
        organisation=org, accepted_at=None, withdrawn_at=None, expires_at__gt=timezone.now()
    ).select_related("invited_by")
