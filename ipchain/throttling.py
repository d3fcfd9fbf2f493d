"""Request rates, counted in the shared cache (Redis in production) per client and per window.

A fixed-window counter: one INCR per request (DRF's stock throttles read and write a list of
every request's time, which grows with the rate: costly on the verifier's hot path). Limits
are settings (IPCHAIN_THROTTLE_RATES: "requests/second|minute|hour|day" by scope); a client
over its limit is answered 429 with Retry-After and the usual JSON error body (the API) or a
page saying when to try again. Signed-in users are counted by account, others by address.
"""

import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "120/min" -> (120, 60)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[:1].lower()]


def client_ident(request) -> str:
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    # REMOTE_ADDR is the client behind a proxy that sets it (gunicorn's forwarded_allow_ips,
    # docs/deploy.md); a header the client sends itself is never trusted for this.
    return f"addr:{request.META.get('REMOTE_ADDR', '')}"


def hit(scope: str, ident: str) -> float | None:
    """Count a request of `ident` in `scope`; None when it is allowed, else the seconds to wait."""
    rate = settings.IPCHAIN_THROTTLE_RATES.get(scope)
    if not rate:
        return None
    limit, period = parse_rate(rate)
    now = time.time()
    window = int(now // period)
    key = f"ipchain:throttle:{scope}:{ident}:{window}"
    try:
        count = cache.incr(key)
    except ValueError:  # the first request of this window
        cache.add(key, 0, timeout=period + 1)
        count = cache.incr(key)
    if count <= limit:
        return None
    return max(1.0, math.ceil((window + 1) * period - now))


class ScopedThrottle(BaseThrottle):
    """DRF throttle of a view's `throttle_scope`, anonymous and signed-in clients counted apart:
    the scope's rate for signed-in users is `<scope>_user` when set."""

    def allow_request(self, request, view) -> bool:
        scope = getattr(view, "throttle_scope", "api")
        ident = client_ident(request)
        if ident.startswith("user:") and f"{scope}_user" in settings.IPCHAIN_THROTTLE_RATES:
            scope = f"{scope}_user"
        self._wait = hit(scope, ident)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


def throttle_page(scope: str):
    """The same limits for a page (the label landing, the scanner's verdict page): 429 with
    Retry-After, as JSON for a client that asked for JSON, else as a page."""
    from functools import wraps

    from django.http import JsonResponse
    from django.shortcuts import render

    from .api_errors import error_body

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            ident = client_ident(request)
            named = (
                f"{scope}_user"
                if ident.startswith("user:") and f"{scope}_user" in settings.IPCHAIN_THROTTLE_RATES
                else scope
            )
            wait = hit(named, ident)
            if wait is None:
                return view(request, *args, **kwargs)
            if "application/json" in request.headers.get("Accept", ""):
                response = JsonResponse(
                    error_body("throttled", f"too many requests: try again in {wait:.0f} s"), status=429
                )
            else:
                response = render(request, "429.html", {"wait": int(wait)}, status=429)
            response["Retry-After"] = str(int(wait))
            return response

        return wrapped

    return decorator
