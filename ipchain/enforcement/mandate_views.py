"""Legal representatives in the portal: a holder gives and withdraws mandates; a
representative's user picks the client it acts for (mandates.py, middleware.py)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import membership_of, representative_of
from ipchain.errors import DomainError
from ipchain.reasons import explain

from . import confirmations, mandates
from .mandates import SESSION_KEY


class MandateForm(forms.Form):
    representative = forms.ModelChoiceField(
        label=gettext_lazy("Legal representative"),
        queryset=Organisation.objects.filter(
            kind=Organisation.Kind.REPRESENTATIVE, status="admitted"
        ).order_by("name"),
    )


@login_required
def representatives(request):
    """A representative's staff: its clients, and which one it acts for. A holder's
    administrators: the mandates they gave, a new one, a withdrawal."""
    firm = representative_of(request.user)
    membership = membership_of(request.user)
    if firm is not None:
        acting = getattr(membership, "representative", None) is not None
        context = {
            "firm": firm,
            "clients": mandates.clients_of(firm),
            "acting_for": membership.organisation if acting else None,
        }
        return render(request, "enforcement/clients.html", context)
    if membership is None or membership.organisation.kind != Organisation.Kind.BRAND:
        raise PermissionDenied
    holder = membership.organisation
    may_change = request.user.has_perm("enforcement.add_application")
    form = MandateForm(request.POST or None)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                mandates.grant(
                    actor=request.user, holder=holder, representative=form.cleaned_data["representative"]
                )
            except (DomainError, PermissionDenied) as exc:
                form.add_error(None, explain(exc))
            else:
                messages.success(request, _("Mandate given and signed into the ledger."))
                return redirect("representatives")
    context = {
        "holder": holder,
        "form": form,
        "may_change": may_change,
        "mandates": mandates.visible_mandates(request.user),
    }
    return render(request, "enforcement/mandates.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def withdraw_mandate(request, ref: str):
    mandate = get_object_or_404(mandates.visible_mandates(request.user), ref=ref)
    if not confirmations.confirmed(request):
        name, back = mandate.representative.name, reverse("representatives")
        return confirmations.confirm_page(request, "withdraw_mandate", name=name, fields={}, back=back)
    try:
        mandates.withdraw(actor=request.user, mandate=mandate)
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, explain(exc))
    else:
        messages.success(request, _("Mandate withdrawn: the representative no longer acts for you."))
    return redirect("representatives")


@require_POST
@login_required
def act_for(request):
    """A representative's user picks the client it acts for, or none (an empty client)."""
    slug = request.POST.get("client", "")
    if not slug:
        request.session.pop(SESSION_KEY, None)
        return redirect("representatives")
    client = mandates.client_for(request.user, slug)
    if client is None:
        raise PermissionDenied("your firm holds no live mandate from this rights holder")
    request.session[SESSION_KEY] = client.slug
    messages.success(request, _("You now act for %(client)s.") % {"client": client.name})
    return redirect("applications")
