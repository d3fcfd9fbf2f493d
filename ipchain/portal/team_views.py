"""People: who is in the organisation, and invitations to join it (accounts/invitations.py).
A holder's administrators invite its staff, a customs authority's supervisors its officers
(each at one of its customs offices, which they add here too); the office invites its own
administrators, and each rights holder's and customs authority's first one from their pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.forms import EmailField
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ipchain.accounts import invitations
from ipchain.accounts.forms import InviteForm
from ipchain.accounts.models import CustomsOffice, Invitation, Membership, Organisation, Role
from ipchain.accounts.roles import membership_of, organisation_of
from ipchain.enforcement import mandates
from ipchain.errors import DomainError
from ipchain.reasons import explain
from ipchain.registry import authorities
from ipchain.registry.errors import RegistryError
from ipchain.registry.holders import free_identifier

from .forms import (
    INVITATION_LINK_KEY,
    CustomsAuthorityForm,
    CustomsOfficeForm,
    PositionForm,
    RepresentativeFirmForm,
)
from .guards import office_only


@login_required
def team(request):
    membership = membership_of(request.user)
    if membership is None or getattr(membership, "representative", None) is not None:
        raise PermissionDenied  # a legal representative never sees its client's people
    org = membership.organisation
    roles = invitations.roles_to_invite(membership, org)
    if not roles and org.kind == Organisation.Kind.CUSTOMS:
        raise PermissionDenied  # officers: their supervisors look after the team
    customs = org.kind == Organisation.Kind.CUSTOMS
    offices = org.customs_offices.all() if customs else None
    form = InviteForm(request.POST or None, roles=roles, customs_offices=offices) if roles else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            invite(request, org, d["email"], d["role"], d.get("customs_office"))
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
            "customs_offices": offices,
            "office_form": CustomsOfficeForm() if customs else None,
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
        if invitation.organisation.kind == Organisation.Kind.CUSTOMS:
            return redirect("portal:customs_authorities")
        return redirect("portal:holders")
    return redirect("portal:team")


@require_POST
@office_only
def invite_holder_admin(request, org, slug):
    """The office invites a rights holder's (first) administrator."""
    holder = get_object_or_404(Organisation, kind=Organisation.Kind.BRAND, slug=slug)
    invite_posted(request, holder, Role.BRAND_ADMIN)
    return redirect("portal:holders")


@office_only
def customs_authorities(request, org):
    """The office's customs authorities: add one (its signing key comes with it), its customs
    offices, and invite its first supervisor."""
    form = CustomsAuthorityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            authority = authorities.create_customs_authority(actor=request.user, **form.cleaned_data)
        except (RegistryError, PermissionDenied) as exc:
            form.add_error(None, explain(exc))
        else:
            messages.success(
                request,
                _(
                    "%(name)s added, with its signing key. "
                    "Add its customs offices, then invite its first supervisor."
                )
                % {"name": authority.name},
            )
            return redirect("portal:customs_authorities")
    rows = (
        Organisation.objects.filter(kind=Organisation.Kind.CUSTOMS)
        .prefetch_related("customs_offices")
        .annotate(n_members=Count("members", distinct=True))
    )
    return render(
        request,
        "portal/customs.html",
        {
            "org": org,
            "authorities": rows,
            "form": form,
            "office_form": CustomsOfficeForm(),
            "new_link": request.session.pop(INVITATION_LINK_KEY, None),
        },
    )


@office_only
def representative_firms(request, org):
    """The legal representatives the office admits (docs/enforcement.md): add a firm, invite
    its people; the holders then give it mandates."""
    form = RepresentativeFirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            firm = mandates.create_representative(
                actor=request.user,
                name=d["name"],
                slug=d["slug"] or free_identifier(d["name"], fallback="firm"),
                country=d["country"],
            )
        except (DomainError, PermissionDenied) as exc:
            form.add_error(None, explain(exc))
        else:
            messages.success(request, _("%(name)s admitted. Invite its people.") % {"name": firm.name})
            return redirect("portal:representative_firms")
    rows = Organisation.objects.filter(kind=Organisation.Kind.REPRESENTATIVE).annotate(
        n_members=Count("members", distinct=True),
        n_clients=Count("mandates", filter=Q(mandates__withdrawn_at=None), distinct=True),
    )
    context = {
        "org": org,
        "firms": rows,
        "form": form,
        "new_link": request.session.pop(INVITATION_LINK_KEY, None),
    }
    return render(request, "portal/representatives.html", context, status=400 if form.errors else 200)


@require_POST
@office_only
def invite_representative(request, org, slug):
    """The office invites a representative firm's people."""
    firm = get_object_or_404(Organisation, kind=Organisation.Kind.REPRESENTATIVE, slug=slug)
    invite_posted(request, firm, Role.REPRESENTATIVE)
    return redirect("portal:representative_firms")


@require_POST
@login_required
def add_customs_office(request, slug):
    """A customs office for an authority: by the office, or by the authority's supervisors."""
    authority = get_object_or_404(Organisation, kind=Organisation.Kind.CUSTOMS, slug=slug)
    form = CustomsOfficeForm(request.POST)
    if form.is_valid():
        try:
            office = authorities.add_customs_office(
                actor=request.user, authority=authority, **form.cleaned_data
            )
        except (RegistryError, PermissionDenied) as exc:
            messages.error(request, explain(exc))
        else:
            messages.success(request, _("Customs office %(name)s added.") % {"name": office.name})
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    if organisation_of(request.user) == authority:
        return redirect("portal:team")
    return redirect("portal:customs_authorities")


@require_POST
@login_required
def move_customs_office(request, slug, pk: int):
    """A corrected position for one of an authority's customs offices."""
    office = get_object_or_404(CustomsOffice, authority__slug=slug, pk=pk)
    form = PositionForm(request.POST)
    if form.is_valid():
        try:
            authorities.move_customs_office(actor=request.user, office=office, **form.cleaned_data)
        except (RegistryError, PermissionDenied) as exc:
            messages.error(request, explain(exc))
        else:
            messages.success(request, _("Position of %(name)s saved.") % {"name": office.name})
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    if organisation_of(request.user) == office.authority:
        return redirect("portal:team")
    return redirect("portal:customs_authorities")


@require_POST
@office_only
def invite_customs_supervisor(request, org, slug):
    """The office invites a customs authority's (first) supervisor, at one of its offices."""
    authority = get_object_or_404(Organisation, kind=Organisation.Kind.CUSTOMS, slug=slug)
    office = None
    chosen = request.POST.get("customs_office", "")
    if chosen.isascii() and chosen.isdigit() and len(chosen) < 18:
        office = authority.customs_offices.filter(pk=int(chosen)).first()
    invite_posted(request, authority, Role.CUSTOMS_SUPERVISOR, office)
    return redirect("portal:customs_authorities")


def invite_posted(request, organisation, role, customs_office=None) -> None:
    """Invite the e-mail address the form posted, or say it is not one."""
    try:
        email = EmailField().clean(request.POST.get("email", ""))
    except ValidationError:
        messages.error(request, _("Give a valid e-mail address."))
    else:
        invite(request, organisation, email, role, customs_office)


def invite(request, organisation, email, role, customs_office=None) -> None:
    """Invite, and say how it went: the link is shown once on the next page."""
    try:
        invitation, path, sent = invitations.invite(
            actor=request.user,
            organisation=organisation,
            email=email,
            role=role,
            customs_office=customs_office,
        )
    except (PermissionDenied, invitations.InvitationError) as exc:
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
