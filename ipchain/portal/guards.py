"""Who may open the portal's pages: members of a rights holder, or of the IP office."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import organisation_of


def member_of(kind: str):
    """Only members of a `kind` organisation; the view gets it as `org`."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            org = organisation_of(request.user)
            if org is None or org.kind != kind:
                raise PermissionDenied
            return view(request, org, *args, **kwargs)

        return wrapped

    return decorator


brand_only = member_of(Organisation.Kind.BRAND)
office_only = member_of(Organisation.Kind.OFFICE)
