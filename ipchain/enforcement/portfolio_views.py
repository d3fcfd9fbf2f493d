"""The officers' catalogue of what rights holders share with their authority, the holder's
page of who sees its portfolio and who looked (portfolio.py), and the holders' risk alerts
to customs (risk_alerts.py)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import organisation_of
from ipchain.errors import DomainError
from ipchain.reasons import explain
from ipchain.registry.models import Product

from . import confirmations, portfolio, risk_alerts
from .forms import RiskAlertForm, ShareForm


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Brand or product"), max_length=100, required=False)
    gtin = forms.RegexField(label=gettext_lazy("GTIN"), regex=r"^\d{1,14}$", max_length=14, required=False)
    right = forms.CharField(label=gettext_lazy("IP right number"), max_length=40, required=False)
    klass = forms.IntegerField(
        label=gettext_lazy("Nice or Locarno class"), min_value=1, max_value=99, required=False
    )


@login_required
def catalogue(request):
    """Search the products whose guides are shared with the officer's authority: how goods
    with no genuine label are identified."""
    form = SearchForm(request.GET or None)
    found = Product.objects.none()
    if form.is_valid():
        d = form.cleaned_data
        found = portfolio.catalogue(
            request.user, text=d["q"], gtin=d["gtin"], right=d["right"], klass=d["klass"]
        )
    elif not request.GET:
        found = portfolio.catalogue(request.user)
    page = Paginator(found, portfolio.CATALOGUE_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "not_shared": portfolio.not_shared_with(request.user),
        "query": request.GET.copy(),
    }
    return render(request, "enforcement/catalogue.html", context, status=400 if form.errors else 200)


@login_required
def catalogue_product(request, gtin: str):
    product = get_object_or_404(
        Product.objects.select_related("brand").prefetch_related("images", "rights"), gtin=gtin
    )
    if not portfolio.may_see(request.user, product):
        raise Http404("not shared with you")
    portfolio.record_view(user=request.user, product=product)
    return render(request, "enforcement/catalogue_product.html", {"product": product})


@login_required
def sharing(request):
    """The holder: which authorities see its portfolio (by application or by its choice), and
    which looked at what."""
    org = organisation_of(request.user)
    if (
        org is None
        or org.kind != Organisation.Kind.BRAND
        or not request.user.has_perm("enforcement.view_application")
    ):
        raise PermissionDenied
    form = ShareForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("enforcement.add_application"):
            raise PermissionDenied
        if form.is_valid():
            portfolio.share(actor=request.user, holder=org, authority=form.cleaned_data["authority"])
            messages.success(
                request,
                _("Your product portfolio is shared with %(a)s.") % {"a": form.cleaned_data["authority"]},
            )
            return redirect("sharing")
    context = {
        "org": org,
        "form": form,
        "seen_by": portfolio.who_sees(org),
        "views": portfolio.views_of(org),
        "may_change": request.user.has_perm("enforcement.add_application"),
    }
    return render(request, "enforcement/sharing.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def unshare(request):
    org = organisation_of(request.user)
    form = ShareForm(request.POST)
    if org is None or not form.is_valid():
        raise PermissionDenied
    if not confirmations.confirmed(request):
        authority = form.cleaned_data["authority"]
        fields = {"authority": authority.pk}
        return confirmations.confirm_page(
            request, "unshare", name=authority.name, fields=fields, back=reverse("sharing")
        )
    try:
        portfolio.unshare(actor=request.user, holder=org, authority=form.cleaned_data["authority"])
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, explain(exc))
    else:
        messages.success(request, _("No longer shared with %(a)s.") % {"a": form.cleaned_data["authority"]})
    return redirect("sharing")


@login_required
def alerts(request):
    """A holder posts risk alerts to the authorities it chooses and withdraws them; a customs
    authority reads those sent to it."""
    org = organisation_of(request.user)
    if org is None or not request.user.has_perm("enforcement.view_application"):
        raise PermissionDenied
    form = None
    if org.kind == Organisation.Kind.BRAND and request.user.has_perm("enforcement.add_application"):
        form = RiskAlertForm(request.POST or None, holder=org)
        if request.method == "POST" and form.is_valid():
            try:
                risk_alerts.post_alert(actor=request.user, holder=org, **form.cleaned_data)
            except (DomainError, PermissionDenied) as exc:
                form.add_error(None, explain(exc))
            else:
                messages.success(request, _("Alert sent to the customs authorities you chose."))
                return redirect("risk-alerts")
    elif request.method == "POST":
        raise PermissionDenied
    found = risk_alerts.visible_alerts(request.user)[:200]
    context = {"org": org, "form": form, "alerts": found, "today": timezone.now().date()}
    return render(request, "enforcement/alerts.html", context, status=400 if form and form.errors else 200)


@require_POST
@login_required
def withdraw_alert(request, pk: int):
    alert = get_object_or_404(risk_alerts.visible_alerts(request.user), pk=pk)
    if not confirmations.confirmed(request):
        return confirmations.confirm_page(
            request, "withdraw_alert", name=alert.title, fields={}, back=reverse("risk-alerts")
        )
    try:
        risk_alerts.withdraw(actor=request.user, alert=alert)
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, explain(exc))
    else:
        messages.success(request, _("Alert withdrawn."))
    return redirect("risk-alerts")
