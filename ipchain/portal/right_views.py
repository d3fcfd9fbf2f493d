"""IP rights in the portal: the register (the office's) or one's own rights, each right's
timeline from the log, its renewal, and the forms for the office's decisions and the
owner's acts. Each form calls one service (ipchain/registry/rights.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import organisation_of
from ipchain.reasons import explain
from ipchain.registry import right_rules, rights, standing
from ipchain.registry.errors import RegistryError
from ipchain.registry.models import IpRight, Licence

from . import forms


def _visible(request):
    org = organisation_of(request.user)
    if (
        org is None
        or org.kind == Organisation.Kind.CUSTOMS
        or not request.user.has_perm("registry.view_ipright")
    ):
        raise PermissionDenied
    found = IpRight.objects.select_related("holder")
    if org.kind == Organisation.Kind.OFFICE:
        return org, found
    return org, found.filter(Q(holder=org) | Q(licences__licensee=org)).distinct()


def _renewal(right: IpRight) -> dict | None:
    if not right.is_live or right.expiry_date is None:
        return None
    return right_rules.renewal_due(
        standing.right_state(right), on=rights.today(), params=standing.parameters()
    )


@login_required
def right_list(request):
    org, found = _visible(request)
    listed = list(found.order_by("expiry_date", "registration_number")[:500])
    return render(
        request,
        "portal/rights.html",
        {"org": org, "rows": [(right, _renewal(right)) for right in listed]},
    )


@login_required
def right_detail(request, right_id: int):
    org, found = _visible(request)
    right = get_object_or_404(found, pk=right_id)
    is_office, is_owner = org.kind == Organisation.Kind.OFFICE, right.holder_id == org.pk
    return render(
        request,
        "portal/right.html",
        {
            "org": org,
            "right": right,
            "renewal": _renewal(right),
            "events": right.events.select_related("entry").order_by("entry_id"),
            "licences": right.licences.select_related("licensee", "licensor"),
            "products": right.products.order_by("name"),
            "is_office": is_office,
            "is_owner": is_owner,
            "forms": {
                "renew": forms.RenewForm(),
                "assign": forms.AssignForm(),
                "invalidate": forms.InvalidateForm(),
                "licence": forms.LicenceForm(),
                "confirm": forms.ConfirmForm(),
            },
        },
    )


# What each action takes and which service it calls.
ACTIONS = {
    "renew": (forms.RenewForm, lambda user, right, data: rights.renew(actor=user, right=right, **data)),
    "assign": (forms.AssignForm, lambda user, right, data: rights.assign(actor=user, right=right, **data)),
    "invalidate": (
        forms.InvalidateForm,
        lambda user, right, data: rights.invalidate(actor=user, right=right, **data),
    ),
    "restore": (forms.RenewForm, lambda user, right, data: rights.restore(actor=user, right=right, **data)),
    "licence": (
        forms.LicenceForm,
        lambda user, right, data: rights.grant_licence(actor=user, right=right, **data),
    ),
    "surrender": (forms.ConfirmForm, lambda user, right, data: rights.surrender(actor=user, right=right)),
}
DONE = {
    "renew": _("Renewal recorded in the ledger."),
    "assign": _("Assignment recorded in the ledger."),
    "invalidate": _("Declaration of invalidity recorded in the ledger."),
    "restore": _("Restoration recorded in the ledger."),
    "licence": _("Licence recorded in the ledger."),
    "surrender": _("Surrender recorded in the ledger."),
}


@require_POST
@login_required
def right_action(request, right_id: int, action: str):
    _, found = _visible(request)
    right = get_object_or_404(found, pk=right_id)
    if action not in ACTIONS:
        raise PermissionDenied
    form_class, service = ACTIONS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("portal:right", right_id=right.pk)
    data = {k: v for k, v in form.cleaned_data.items() if k != "confirm"}
    try:
        service(request.user, right, data)
    except (RegistryError, PermissionDenied) as exc:
        messages.error(request, explain(exc))
    else:
        messages.success(request, DONE[action])
    return redirect("portal:right", right_id=right.pk)


@require_POST
@login_required
def licence_end(request, ref: str):
    org = organisation_of(request.user)
    licence = get_object_or_404(Licence, ref=ref, licensor=org)
    try:
        rights.end_licence(actor=request.user, licence=licence)
    except (RegistryError, PermissionDenied) as exc:
        messages.error(request, explain(exc))
    else:
        messages.success(request, _("The licence ends today; labels made under it before stay valid."))
    return redirect("portal:right", right_id=licence.right_id)
