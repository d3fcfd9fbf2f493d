"""Who may open the portal's pages: members of a rights holder, or of the IP office."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import membership_of


def member_of(kind: str, *, representatives: bool = False):
    """Only members of a `kind` organisation; the view gets it as `org`. A legal
    representative acting for a rights holder opens only the pages marked for it (its cases,
    its products): never items, keys, labels or people (docs/enforcement.md)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            membership = membership_of(request.user)
            org = membership.organisation if membership else None
            if org is None or org.kind != kind:
                raise PermissionDenied
            if getattr(membership, "representative", None) is not None and not representatives:
                raise PermissionDenied("a legal representative does not open this page for its client")
            return view(request, org, *args, **kwargs)

        return wrapped

    return decorator


brand_only = member_of(Organisation.Kind.BRAND)
# The pages a legal representative opens for its client.
brand_or_representative = member_of(Organisation.Kind.BRAND, representatives=True)
office_only = member_of(Organisation.Kind.OFFICE)
