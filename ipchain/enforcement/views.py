"""Applications for action in the portal: the holder files and follows them; the competent
customs department decides, extends, suspends or revokes; the office sees the register.
Each form calls one service (applications.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import organisation_of
from ipchain.errors import DomainError
from ipchain.reasons import explain
from verifier import cases

from . import applications, forms


@login_required
def application_list(request):
    if not request.user.has_perm("enforcement.view_application"):
        raise PermissionDenied
    org = organisation_of(request.user)
    found = applications.visible_applications(request.user).order_by("status", "-filed_at")[:500]
    form = None
    if org.kind == Organisation.Kind.BRAND and request.user.has_perm("enforcement.add_application"):
        form = forms.ApplicationForm(request.POST or None, holder=org, initial=_for_case(request, org))
        if request.method == "POST" and form.is_valid():
            try:
                filed = applications.file_application(actor=request.user, holder=org, **form.cleaned_data)
            except (DomainError, PermissionDenied) as exc:
                form.add_error(None, explain(exc))
            else:
                messages.success(request, _("Application %(ref)s filed.") % {"ref": filed.ref})
                return redirect("application", ref=filed.ref)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "enforcement/applications.html",
        {"org": org, "applications": found, "form": form, "now": timezone.now()},
    )


def _for_case(request, org) -> dict:
    """Goods detained ex officio (?case=): the form asks the detaining authority to act on the
    case's rights (Art. 5(3))."""
    try:
        pk = int(request.GET.get("case", ""))
    except ValueError:
        return {}
    case = cases.visible_cases(request.user).filter(pk=pk, brand=org).first()
    if case is None:
        return {}
    return {"competent_authority": case.authority_id, "rights": list(case.rights.all())}


@login_required
def application_detail(request, ref: str):
    application = get_object_or_404(applications.visible_applications(request.user), ref=ref)
    org = organisation_of(request.user)
    deciding = org.pk == application.competent_authority_id and request.user.has_perm(
        "enforcement.decide_application"
    )
    holding = org.pk == application.holder_id and request.user.has_perm("enforcement.add_application")
    return render(
        request,
        "enforcement/application.html",
        {
            "application": application,
            "events": application.events.select_related("entry"),
            "deciding": deciding,
            "holding": holding,
            # The contacts are for the holder and the customs authorities it asked; not the office.
            "show_contacts": org.kind != Organisation.Kind.OFFICE,
            "decision_form": forms.DecisionForm(application=application),
            "extend_form": forms.ExtendForm(),
            "reasons_form": forms.ReasonsForm(),
            "now": timezone.now(),
        },
    )


ACTIONS = {
    "decide": (forms.DecisionForm, applications.decide, gettext_lazy("Decision recorded in the ledger.")),
    "extend": (forms.ExtendForm, applications.extend, gettext_lazy("Extension recorded in the ledger.")),
    "suspend": (forms.ReasonsForm, applications.suspend, gettext_lazy("Suspension recorded in the ledger.")),
    "revoke": (forms.ReasonsForm, applications.revoke, gettext_lazy("Revocation recorded in the ledger.")),
    "request_extension": (None, applications.request_extension, gettext_lazy("Extension requested.")),
}


@require_POST
@login_required
def application_action(request, ref: str, action: str):
    application = get_object_or_404(applications.visible_applications(request.user), ref=ref)
    if action not in ACTIONS:
        raise PermissionDenied
    form_class, service, done = ACTIONS[action]
    data = {}
    if form_class is not None:
        kwargs = {"application": application} if form_class is forms.DecisionForm else {}
        form = form_class(request.POST, **kwargs)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
            return redirect("application", ref=ref)
        data = {k: v for k, v in form.cleaned_data.items() if k != "confirm"}
    try:
        service(actor=request.user, application=application, **data)
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, explain(exc))
    else:
        messages.success(request, str(done))
    return redirect("application", ref=ref)
