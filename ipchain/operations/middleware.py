"""Request ids, request metrics, and health probes answered before anything else."""

import re
import time
import uuid

from django.http import HttpRequest, HttpResponse

from . import context
from .metrics import observe_request

PROBE_PATHS = {"/healthz", "/readyz", "/metrics"}
# An id a proxy or client sent is kept if it looks like one (no spaces, no control bytes
# that would let it forge log lines), else replaced.
GOOD_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class HealthProbeMiddleware:
    """Answers /healthz, /readyz and /metrics first: probes and Prometheus come by IP address
    (no ALLOWED_HOSTS name) and over plain HTTP inside the network (no SSL redirect), and must
    not depend on sessions or the user. /metrics keeps its own guard (views.metrics_allowed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in PROBE_PATHS and request.method in ("GET", "HEAD"):
            from . import views

            answer = {"/healthz": views.healthz, "/readyz": views.readyz, "/metrics": views.metrics}
            return answer[request.path](request)
        return self.get_response(request)


class RequestIdMiddleware:
    """X-Request-ID honoured (or made), kept for log lines and echoed in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        rid = given if GOOD_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = rid
        rid_token = context.request_id.set(rid)
        request_token = context.current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(rid_token)
            context.current_request.reset(request_token)
        response["X-Request-ID"] = rid
        return response


class RequestMetricsMiddleware:
    """Counts and times each request by its view's URL name (never by its raw path, whose
    GTINs and serials would make a time series per item)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match else "unmatched"
        observe_request(
            view=view,
            method=request.method,
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response
