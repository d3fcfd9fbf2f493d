"""The customs verifier's pages and API: thin, calling checks.verify_code."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ipchain.api_errors import error_body
from ipchain.registry.models import Item

from .checks import VerifyError, verify_code
from .trustlist import signed_trust_list

MAX_CODE = 2048

VERDICT_STYLE = {
    "genuine": ("ok", "✔"),
    "unknown": ("warn", "?"),
    "forged": ("bad", "✖"),
    "revoked": ("bad", "✖"),
    "recalled": ("warn", "!"),
    "stolen": ("bad", "!"),
    "destroyed": ("bad", "✖"),
    "suspected_clone": ("bad", "⚠"),
}


def verify_page(request: HttpRequest) -> HttpResponse:
    """The officer's page: type or paste a code (the camera scanner builds on this page)."""
    code = request.GET.get("code", "").strip()
    gtin, serial = request.GET.get("gtin", "").strip(), request.GET.get("serial", "").strip()
    if not code and gtin and serial:
        code = f"(01){gtin}(21){serial}"
    if not code:
        return render(request, "verifier/verify.html", {})
    return _verdict_response(request, code[:MAX_CODE])


def label_landing(request: HttpRequest, gtin: str, serial: str) -> HttpResponse:
    """Where a phone camera lands when it opens a label's GS1 Digital Link URI."""
    return _verdict_response(request, request.build_absolute_uri()[:MAX_CODE])


def _location(request) -> tuple[float | None, float | None]:
    try:
        lat, lon = float(request.GET["lat"]), float(request.GET["lon"])
    except (KeyError, ValueError):
        return None, None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else (None, None)


def _verdict_response(request: HttpRequest, code: str) -> HttpResponse:
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        result = verify_code(
            code, user=request.user, latitude=_location(request)[0], longitude=_location(request)[1]
        )
    except VerifyError as exc:
        if wants_json:
            return JsonResponse(error_body(exc.reason, str(exc)), status=400)
        return render(request, "verifier/verify.html", {"error": str(exc), "code": code}, status=400)
    if wants_json:
        return JsonResponse(result.as_json(reason_text))
    style, icon = VERDICT_STYLE[str(result.verdict)]
    context = {
        "result": result,
        "data": result.as_json(reason_text),
        "style": style,
        "icon": icon,
        "verdict_label": VERDICT_LABELS().get(str(result.verdict), str(result.verdict)),
    }
    return render(request, "verifier/verdict.html", context)


def reason_text(reason) -> str:
    """A verdict's reason in the request's language."""
    values = dict(reason.values)
    if "status" in values:
        values["status"] = str(Item.Status(values["status"]).label).lower()
    return gettext(reason.template) % values if values else gettext(reason.template)


def VERDICT_LABELS() -> dict[str, str]:
    return {
        "genuine": _("Genuine"),
        "unknown": _("Unknown item"),
        "forged": _("Forged label"),
        "revoked": _("Revoked signature"),
        "recalled": _("Recalled"),
        "stolen": _("Reported stolen"),
        "destroyed": _("Destroyed"),
        "suspected_clone": _("Suspected clone"),
    }


def trust_list(request: HttpRequest) -> JsonResponse:
    """The office-signed trust list for offline verification (public, cached briefly)."""
    response = JsonResponse(signed_trust_list())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


class VerifyIn(serializers.Serializer):
    code = serializers.CharField(max_length=MAX_CODE)
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)


class VerifyView(APIView):
    """POST {"code": "<scanned text>"} → the verdict, for customs systems."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(request=VerifyIn, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        data = VerifyIn(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        result = verify_code(
            d["code"], user=request.user, latitude=d.get("latitude"), longitude=d.get("longitude")
        )
        return Response(result.as_json(reason_text))
