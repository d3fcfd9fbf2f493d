"""The brand portal's detention cases: customs detained goods concerning the brand's rights;
the rights holder confirms them genuine or counterfeit here, or says it started proceedings
(EU Regulation 608/2013, Art. 23, 26). The case services live in the verifier
(verifier/cases.py)."""

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from ipchain.errors import DomainError
from ipchain.reasons import explain
from verifier import cases as case_services
from verifier.confirmations import confirm_page
from verifier.models import Case

from .guards import brand_or_representative


@brand_or_representative
def cases(request, org):
    """GET: the brand's cases, open ones first. POST: answer one (case, answer)."""
    visible = case_services.visible_cases(request.user)
    if request.method == "POST":
        if request.POST.get("answer") not in case_services.HOLDER_ANSWERS:
            return HttpResponseBadRequest("answer is one of " + ", ".join(case_services.HOLDER_ANSWERS))
        case = get_object_or_404(visible, pk=_int(request.POST.get("case")))
        answer = request.POST["answer"]
        if request.POST.get("confirm") != "yes":
            fields = {"case": case.pk, "answer": answer}
            return confirm_page(request, case, answer, reverse("portal:cases"), fields)
        try:
            case_services.holder_answer(actor=request.user, case=case, answer=answer)
        except DomainError as exc:
            messages.error(request, explain(exc))
        else:
            messages.success(request, _("Answer sent to customs for case %(n)s.") % {"n": case.pk})
        return redirect("portal:cases")
    rows = case_services.work_order(visible.select_related("item__product", "product", "authority"))[:200]
    shown = [{"case": case, "options": case_services.holder_options(case)} for case in rows]
    context = {"org": org, "rows": shown, "waiting": Case.State.AWAITING_APPLICATION}
    return render(request, "portal/cases.html", context)


def _int(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None
