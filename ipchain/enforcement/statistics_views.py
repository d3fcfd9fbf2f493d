"""The detention statistics page and its CSV, for the office, a customs authority and a
rights holder, each over its own cases (statistics.py)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import organisation_of
from verifier.wording import VERDICT_LABELS

from . import statistics

BY_LABELS = {
    "right": _("IP right"),
    "product": _("Product"),
    "origin": _("Country of origin"),
    "dispatch": _("Country of dispatch"),
    "transport": _("Transport"),
    "procedure": _("Procedure"),
    "outcome": _("Outcome"),
    "authority": _("Customs authority"),
    "holder": _("Rights holder"),
}


class StatisticsForm(forms.Form):
    by = forms.ChoiceField(label=_("By"), choices=list(BY_LABELS.items()), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


@login_required
def detention_statistics(request):
    form = StatisticsForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    by = data.get("by") or "right"
    period = {"since": data.get("since"), "until": data.get("until")}
    if request.GET.get("format") == "csv" and valid:
        response = HttpResponse(statistics.detentions_csv(request.user, **period), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="detentions.csv"'
        return response
    org = organisation_of(request.user)
    if org is None:
        raise PermissionDenied
    context = {
        "form": form,
        "by": by,
        "by_label": BY_LABELS[by],
        "rows": statistics.detentions(request.user, by=by, **period) if valid else [],
        "totals": statistics.totals(request.user, **period) if valid else {},
        "scans": _worded(statistics.holder_scans(org, **period))
        if valid and org and org.kind == Organisation.Kind.BRAND
        else [],
        "alerts": statistics.holder_alerts(org, **period)
        if valid and org.kind == Organisation.Kind.BRAND
        else [],
        "query": request.GET.urlencode(),
    }
    return render(request, "enforcement/statistics.html", context, status=200 if valid else 400)


def _worded(rows: list[dict]) -> list[dict]:
    """Verdicts in the reader's words, not codes."""
    for row in rows:
        row["verdicts"] = {str(VERDICT_LABELS.get(code, code)): n for code, n in row["verdicts"].items()}
    return rows
