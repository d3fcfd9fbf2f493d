"""Export endpoints: thin, over exports.py and epcis.py."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from ipchain.api_errors import status_for
from ipchain.registry.api.common import item_visible_to

from .epcis import item_epcis_document
from .exports import ExportError, cases_rows, csv_lines, export_scope, parse_day, scans_rows


@require_safe
@login_required
def scans_csv(request: HttpRequest):
    return _csv(request, scans_rows, "scans")


@require_safe
@login_required
def cases_csv(request: HttpRequest):
    return _csv(request, cases_rows, "cases")


def _csv(request: HttpRequest, rows, name: str):
    try:
        authority_id = export_scope(request.user)
        since = parse_day(request.GET.get("since"), "since")
        until = parse_day(request.GET.get("until"), "until")
    except PermissionDenied as exc:
        return _error("forbidden", str(exc), 403)
    except ExportError as exc:
        return _error(exc.reason, str(exc), status_for(exc.reason))
    response = StreamingHttpResponse(
        csv_lines(rows(authority_id=authority_id, since=since, until=until)), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="ipchain-{name}.csv"'
    return response


def _error(reason: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"reason": reason, "message": message}}, status=status)


class JsonLdRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


class ItemEpcisView(APIView):
    """GET: the item's history as an EPCIS 2.0 JSON-LD document (owner, brand, office)."""

    renderer_classes = [JsonLdRenderer, JSONRenderer]

    @extend_schema(
        responses={(200, "application/ld+json"): OpenApiTypes.OBJECT},
        description="The item's history as a GS1 EPCIS 2.0 EPCISDocument (JSON-LD).",
    )
    def get(self, request, gtin: str, serial: str):
        item = item_visible_to(request, gtin, serial)
        return Response(item_epcis_document(item))
