"""Who sees which dashboard: the office the whole node, a customs supervisor their own
authority, everyone else nothing."""

from django.core.exceptions import PermissionDenied

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import organisation_of

OFFICE = "dashboard.view_office_dashboard"
AUTHORITY = "dashboard.view_authority_dashboard"
RETRY = "dashboard.retry_failed_task"


def dashboard_scope(user) -> int | None:
    """None for the whole node, else the customs authority whose figures the user may see."""
    if user.has_perm(OFFICE):
        return None
    if user.has_perm(AUTHORITY):
        org = organisation_of(user)
        if org is not None and org.kind == Organisation.Kind.CUSTOMS:
            return org.pk
    raise PermissionDenied("needs the office dashboard, or a customs supervisor's")
