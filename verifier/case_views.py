"""Detention case pages: customs open and close cases, the rights holder answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ipchain.accounts.roles import membership_of
from ipchain.errors import DomainError

from . import cases
from .forms import CaseForm
from .views import officer_scan


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    rows = cases.visible_cases(request.user).select_related("item__product", "brand", "authority")[:200]
    return render(request, "verifier/cases.html", {"cases": rows, "role": _side(request.user)})


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    """Detain the goods just scanned: the form names the officer's scan."""
    scan = officer_scan(request, request.GET.get("scan") or request.POST.get("scan", ""))
    form = CaseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = cases.open_case(
                actor=request.user,
                goods=data["goods"],
                quantity=data["quantity"],
                item=scan.item,
                scan=scan,
                notes=data["notes"],
                perishable=data["perishable"],
                small_consignment=data["small_consignment"],
                photos=data["photos"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Case opened. The rights holder is being notified."))
            return redirect(case)
    return render(request, "verifier/case_new.html", {"form": form, "scan": scan, "item": scan.item})


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(
        cases.visible_cases(request.user).select_related("item__product__brand", "authority", "brand"), pk=pk
    )
    context = {
        "case": case,
        "clocks": cases.clocks_of(case),
        "photos": case.photos.all(),
        "role": _side(request.user),
    }
    return render(request, "verifier/case.html", context)


@require_POST
@login_required
def case_action(request: HttpRequest, pk: int) -> HttpResponse:
    """One button on the case page: answer (holder), extend or close (customs)."""
    case = get_object_or_404(cases.visible_cases(request.user), pk=pk)
    action = request.POST.get("action", "")
    try:
        if action in ("genuine", "counterfeit"):
            cases.holder_answer(actor=request.user, case=case, counterfeit=action == "counterfeit")
        elif action == "extend":
            cases.extend(actor=request.user, case=case)
        elif action in ("released", "destroyed"):
            cases.close(actor=request.user, case=case, outcome=action)
        else:
            raise PermissionDenied("unknown action")
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect(case)


def _side(user) -> str:
    membership = membership_of(user)
    return membership.organisation.kind if membership else ""
