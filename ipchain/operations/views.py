"""Health probes and the Prometheus endpoint: thin, over readiness.py and metrics.py."""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .metrics import exposition
from .readiness import readiness


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive and answering. Touches nothing else, the database least of all."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = readiness()
    ready = all(check.ok for check in checks)
    body = {"ready": ready, "checks": {check.name: check.as_json() for check in checks}}
    return JsonResponse(body, status=200 if ready else 503)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return JsonResponse(
            {
                "error": {
                    "reason": "metrics_forbidden",
                    "message": "metrics need an allowed address or the token",
                }
            },
            status=403,
        )
    return HttpResponse(exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")


def metrics_allowed(request: HttpRequest) -> bool:
    """A bearer token (IPCHAIN_METRICS_TOKEN), or a client address in
    IPCHAIN_METRICS_ALLOWED_IPS (addresses or networks; loopback by default)."""
    token = settings.IPCHAIN_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), token.encode())
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        client in ipaddress.ip_network(net, strict=False) for net in settings.IPCHAIN_METRICS_ALLOWED_IPS
    )
