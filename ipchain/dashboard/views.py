"""The office dashboard: one page, a CSV per table, and the retry button. Thin: the figures
come from figures.py and health.py."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ipchain.accounts.models import Organisation
from ipchain.operations.models import FailedTask
from ipchain.operations.workers import RetryRefused, retry_failed_task
from ipchain.outbox.enqueue import enqueue

from . import figures as fig
from . import health, rollup
from .access import OFFICE, RETRY, dashboard_scope


@require_GET
@login_required
def dashboard(request):
    authority_id = dashboard_scope(request.user)
    rollup.keep_fresh()
    figs = fig.figures(authority_id=authority_id)
    office_view = authority_id is None
    context = {
        "figs": figs,
        "office_view": office_view,
        "authority": Organisation.objects.filter(pk=authority_id).first() if authority_id else None,
        # Keyed for the template, which cannot read names with hyphens.
        "t": {name.replace("-", "_"): table for name, table in fig.tables(figs).items()},
        "scans_chart": figs.scans_chart,
        "registrations_chart": figs.registrations_chart,
        "suspects_map": figs.suspects_map,
        "legend": fig.legend(figs),
        "scale": fig.charts.CHOROPLETH_SCALE,
        "cache_seconds": fig.CACHE_SECONDS,
        "ledger": health.ledger_health(),
        # Failed tasks carry their arguments: the office's business, not a supervisor's.
        "workers": health.worker_health() if office_view else None,
        "can_retry": request.user.has_perm(RETRY),
        "audit_hours": f"{settings.IPCHAIN_AUDIT_INTERVAL_HOURS:g}",
    }
    return render(request, "dashboard/dashboard.html", context)


@require_GET
@login_required
def table_csv(request, name: str):
    authority_id = dashboard_scope(request.user)
    rollup.keep_fresh()
    table = fig.tables(fig.figures(authority_id=authority_id)).get(name)
    if table is None:
        return JsonResponse({"reason": "unknown_table", "detail": f"no table named {name!r}"}, status=404)
    response = HttpResponse(table.as_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@require_POST
@login_required
def retry_task(request, pk: int):
    if not request.user.has_perm(RETRY):
        raise PermissionDenied("only office administrators send failed tasks again")
    failed = get_object_or_404(FailedTask, pk=pk)
    try:
        retry_failed_task(failed, by=request.user)
    except RetryRefused as exc:
        messages.error(request, _("Not sent again: %(why)s") % {"why": exc})
    else:
        messages.success(request, _("%(task)s sent again.") % {"task": failed.task_name})
    return redirect(reverse("dashboard:page") + "#workers")


@require_POST
@login_required
def run_audit(request):
    """The office asks for the full ledger audit now rather than at beat's next run."""
    if not request.user.has_perm(OFFICE):
        raise PermissionDenied("only the office runs the ledger audit")
    enqueue("ipchain.ledger.tasks.audit_log")
    messages.success(request, _("Audit asked for: its result shows here when it is done."))
    return redirect(reverse("dashboard:page") + "#h-ledger")
