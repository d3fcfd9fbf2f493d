"""Which client a legal representative's user acts for on this request (mandates.py).

The portal keeps the client chosen in the session (ActingForMiddleware); the API takes it from
the X-Act-For header (ActingForHeader, a DRF permission run after authentication). Either way
the mandate is checked on every request, so a withdrawn mandate stops at once; only then is
the user marked as acting for the client (accounts.roles.ACTING_FOR)."""

from rest_framework.permissions import BasePermission

from ipchain.accounts.roles import ACTING_FOR

from .mandates import SESSION_KEY, client_for

HEADER = "X-Act-For"
# What a representative may call for its client: the client's customs protection, its cases,
# reading its rights and products. Not its items, keys, labels, jobs or people.
REPRESENTED_API = (
    "/api/v1/applications",
    "/api/v1/catalogue",
    "/api/v1/portfolio/",
    "/api/v1/risk-alerts",
    "/api/v1/cases",
    "/api/v1/ip-rights",
    "/api/v1/products",
)


class ActingForMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        # Read only when a client was chosen: the public's requests pay nothing.
        slug = session.get(SESSION_KEY) if session is not None and session.session_key else None
        if slug:
            client = client_for(request.user, slug)
            if client is None:
                del session[SESSION_KEY]  # the mandate was withdrawn, or the user changed
            else:
                setattr(request.user, ACTING_FOR, client)
        return self.get_response(request)


class ActingForHeader(BasePermission):
    """X-Act-For: <client slug> on an API request by a representative's user."""

    message = (
        "X-Act-For names a rights holder whose live mandate your firm holds, on its applications, "
        "cases, catalogue, portfolio, risk alerts, rights or products"
    )

    def has_permission(self, request, view) -> bool:
        slug = request.headers.get(HEADER)
        if not slug:
            return True
        if not request.path.startswith(REPRESENTED_API):
            return False
        client = client_for(request.user, slug.strip())
        if client is None:
            return False
        setattr(request.user, ACTING_FOR, client)
        return True
