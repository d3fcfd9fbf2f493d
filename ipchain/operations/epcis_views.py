"""The EPCIS 2.0 REST binding, the subset ipchain answers: capture (epcis_capture.py) and the
events query (epcis.py). Errors are RFC 7807 problems (application/problem+json) with the
binding's exception types, as EPCIS clients expect; our reason code rides along as `reason`."""

from django.http import JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ipchain.accounts.roles import organisation_of
from ipchain.api_schema import ErrorOut

from .epcis import QUERY_PARAMETERS, QueryError, query_document, query_events
from .epcis_capture import CAPTURE_LIMIT, CaptureError, capture, problem
from .models import CaptureJob

EPCIS_HEADERS = {
    "GS1-EPCIS-Version": "2.0.0",
    "GS1-CBV-Version": "2.0.0",
    "GS1-EPCIS-Capture-Limit": str(CAPTURE_LIMIT),
}


class Problem(serializers.Serializer):
    """RFC 7807, as the EPCIS 2.0 REST binding reports errors."""

    type = serializers.CharField(help_text="e.g. epcisException:ValidationException")
    title = serializers.CharField()
    status = serializers.IntegerField()
    reason = serializers.CharField(help_text="ipchain's machine-readable reason")
    detail = serializers.CharField(required=False)


def problems(*codes: int) -> dict:
    """An EPCIS problem for each status, beside the API's own error body (a body that is not
    JSON is refused by the API's parser before the EPCIS code sees it)."""
    answers = {}
    for code in codes:
        answers[(code, "application/problem+json")] = Problem
        answers[(code, "application/json")] = ErrorOut
    return answers


CAPTURE_JOB = {"type": "object", "additionalProperties": True}


def _problem(exc, status: int, problem_type: str) -> JsonResponse:
    body = problem(str(exc), reason=exc.reason, status=status, problem_type=problem_type)
    return JsonResponse(body, status=status, content_type="application/problem+json", headers=EPCIS_HEADERS)


def job_json(job: CaptureJob) -> dict:
    """A capture job as the binding shows it (CaptureJob in its OpenAPI document)."""
    return {
        "captureID": job.capture_id,
        "createdAt": job.created_at.isoformat(),
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
        "running": job.running,
        "success": job.success,
        "captureErrorBehaviour": job.error_behaviour,
        "errors": job.errors,
        "ipchain:events": job.events,
        "ipchain:captured": job.captured,
    }


class CaptureView(APIView):
    """POST an EPCISDocument of ObjectEvents about your items; 202 with the capture job's
    address in Location. GET: your organisation's latest capture jobs."""

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={202: None, **problems(400, 413)},
        parameters=[
            OpenApiParameter(
                "GS1-Capture-Error-Behaviour", str, OpenApiParameter.HEADER, enum=["rollback", "proceed"]
            )
        ],
    )
    def post(self, request):
        behaviour = request.headers.get("GS1-Capture-Error-Behaviour", CaptureJob.Behaviour.ROLLBACK)
        try:
            job = capture(actor=request.user, document=request.data, behaviour=behaviour)
        except CaptureError as exc:
            return _problem(exc, exc.status, exc.problem_type)
        return Response(
            status=202, headers={"Location": f"/api/v1/epcis/capture/{job.capture_id}", **EPCIS_HEADERS}
        )

    @extend_schema(
        responses={200: {"type": "array", "items": CAPTURE_JOB}}, operation_id="epcis_capture_jobs"
    )
    def get(self, request):
        jobs = CaptureJob.objects.filter(organisation=organisation_of(request.user))[:100]
        return Response([job_json(job) for job in jobs], headers=EPCIS_HEADERS)


class CaptureJobView(APIView):
    @extend_schema(responses={200: CAPTURE_JOB, **problems(404)}, operation_id="epcis_capture_job")
    def get(self, request, capture_id: str):
        job = CaptureJob.objects.filter(
            capture_id=capture_id, organisation=organisation_of(request.user)
        ).first()
        if job is None:
            body = problem(
                "no such capture job of yours",
                reason="not_found",
                status=404,
                problem_type="epcisException:NoSuchResourceException",
            )
            return JsonResponse(body, status=404, content_type="application/problem+json")
        return Response(job_json(job), headers=EPCIS_HEADERS)


class EventsView(APIView):
    """The events of the items you name (MATCH_epc), as an EPCISQueryDocument."""

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **problems(400, 413)},
        parameters=[OpenApiParameter(name, str, OpenApiParameter.QUERY) for name in sorted(QUERY_PARAMETERS)],
    )
    def get(self, request):
        try:
            events, next_token = query_events(organisation_of(request.user), request.query_params)
        except QueryError as exc:
            return _problem(exc, exc.status, exc.problem_type)
        headers = dict(EPCIS_HEADERS)
        if next_token is not None:
            query = request.query_params.copy()
            query["nextPageToken"] = next_token
            headers["Link"] = f'<{request.path}?{query.urlencode()}>; rel="next"'
        return Response(query_document(events), headers=headers)
