"""The verifier's pages: scan, verdict, the offline web app's files. Thin: they call
checks.verify_code and the case services, and only translate HTTP."""

import hashlib
import json
import uuid
from functools import lru_cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ipchain.api_errors import error_body
from ipchain.errors import DomainError
from ipchain.registry.keys import active_key, the_office
from ipchain.registry.models import Item, ItemEvent, ProductImage
from ipchain.registry.signing import PublicKey

from . import cases, scanlog
from .checks import Result, VerifyError, scanner_for, verify_code
from .models import Scan
from .trustlist import signed_trust_list

MAX_CODE = 2048

VERDICT_STYLE = {  # colour class and icon, always shown with the words
    "genuine": ("ok", "✔"),
    "unknown": ("warn", "?"),
    "forged": ("bad", "✖"),
    "revoked": ("bad", "✖"),
    "recalled": ("warn", "!"),
    "stolen": ("bad", "!"),
    "destroyed": ("bad", "✖"),
    "suspected_clone": ("bad", "⚠"),
}

VERDICT_LABELS = {
    "genuine": _("Genuine"),
    "unknown": _("Unknown item"),
    "forged": _("Forged label"),
    "revoked": _("Revoked signature"),
    "recalled": _("Recalled"),
    "stolen": _("Reported stolen"),
    "destroyed": _("Destroyed"),
    "suspected_clone": _("Suspected clone"),
}

# What the officer should do next, by verdict.
VERDICT_ADVICE = {
    "genuine": _("Registered by the rights holder. Check the goods match the guide below."),
    "unknown": _("Not registered. Compare the goods with the guide, or ask the rights holder."),
    "forged": _("The label is not the rights holder's. Consider detaining the goods."),
    "revoked": _("Signed with a compromised key. Treat as suspect; ask the rights holder."),
    "recalled": _("The rights holder recalled this item."),
    "stolen": _("Reported stolen. Consider detaining the goods and tell the rights holder."),
    "destroyed": _("This item was destroyed: a label on goods is a copy."),
    "suspected_clone": _("The same label was seen elsewhere. Consider detaining the goods."),
}
# A peer office's item: this node holds no identification guide for it (not in the peer's log).
PEER_GENUINE_ADVICE = _(
    "Registered by the rights holder at another office. This node has no guide for it: ask the"
    " rights holder if the goods look wrong."
)


def verify_page(request: HttpRequest) -> HttpResponse:
    """The officer's page: the camera scanner, and a code or the numbers typed in."""
    code = request.GET.get("code", "").strip()
    gtin, serial = request.GET.get("gtin", "").strip(), request.GET.get("serial", "").strip()
    if not code and (gtin or serial):
        code = f"(01){gtin}(21){serial}"
    if not code:
        return render(request, "verifier/verify.html", _scanner_context())
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
    latitude, longitude = _location(request)
    try:
        result = verify_code(code, user=request.user, latitude=latitude, longitude=longitude)
    except VerifyError as exc:
        if wants_json:
            return JsonResponse(error_body(exc.reason, str(exc)), status=400)
        # The officer reads why in their language; the API keeps the reason code and English.
        context = _scanner_context() | {"error": str(OFFLINE_REASONS.get(exc.reason, exc)), "code": code}
        return render(request, "verifier/verify.html", context, status=400)
    if wants_json:
        return JsonResponse(result.as_json(reason_text))
    return render(request, "verifier/verdict.html", verdict_context(request, result))


def verdict_context(request: HttpRequest, result: Result) -> dict:
    verdict = str(result.verdict)
    style, icon = VERDICT_STYLE[verdict]
    data = result.as_json(reason_text)
    peer_item = data.get("peer_item")  # an item another office registered (its mirrored log)
    history = data["item"]["history"] if data["item"] else peer_item["history"] if peer_item else []
    for step in history:
        step["label"] = _event_label(step["event"])
        if isinstance(step["time"], str):  # a peer's records carry their RFC 3339 times
            step["time"] = parse_datetime(step["time"]) or step["time"]
    item = result.item
    return {
        "result": result,
        "data": data,
        "style": style,
        "icon": icon,
        "verdict_label": VERDICT_LABELS[verdict],
        "advice": PEER_GENUINE_ADVICE if peer_item and verdict == "genuine" else VERDICT_ADVICE[verdict],
        "photos": ProductImage.objects.filter(product=item.product) if item else [],
        "product_image": item.product.image if item and item.product.image else None,
        "officer": scanner_for(request.user).trusted,
        "evidence_max_age": settings.IPCHAIN_EVIDENCE_MAX_AGE,
    }


def _event_label(kind: str) -> str:
    if kind == "registered":
        return gettext("Registered")
    try:
        return ItemEvent.Kind(kind).label
    except ValueError:  # a peer running a newer version may record kinds this node lacks
        return kind


def reason_text(reason) -> str:
    """A verdict's reason in the request's language."""
    values = dict(reason.values)
    if "status" in values:
        values["status"] = str(Item.Status(values["status"]).label).lower()
    return gettext(reason.template) % values if values else gettext(reason.template)


@require_POST
@login_required
def suspect(request: HttpRequest) -> HttpResponse:
    """An officer records a suspicion about the goods just scanned (no detention)."""
    scan = officer_scan(request, request.POST.get("scan", ""))
    cases.record_suspicion(actor=request.user, item=scan.item, scan=scan)
    messages.success(request, gettext("Suspicion recorded in the item's history."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/verify/"
    return redirect(back)


def officer_scan(request: HttpRequest, ref: str) -> Scan:
    """A scan of a registered item, made by this officer (its log row may be still queued)."""
    if not scanner_for(request.user).trusted:
        raise PermissionDenied("only customs officers act on a scan")
    scanlog.flush()
    scan = Scan.objects.select_related("item__product__brand").filter(ref=_uuid_or_none(ref)).first()
    if scan is None or scan.item is None or scan.officer_id != request.user.pk:
        raise PermissionDenied("no such scan of a registered item by you")
    return scan


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except (ValueError, TypeError, AttributeError):
        return None


# --- The offline web app ---------------------------------------------------------------


def _scanner_context() -> dict:
    """What the scanner and the offline page need: the office key that signs the trust list
    (pinned in the page) and the age past which a cached trust list is flagged."""
    context = {
        "trust_list_max_age": settings.IPCHAIN_TRUST_LIST_MAX_AGE,
        "office_key": None,
        "verdict_labels": {verdict: str(label) for verdict, label in VERDICT_LABELS.items()},
    }
    try:
        office_key = active_key(the_office())
    except DomainError:
        return context  # a node with no office yet: no offline verification
    jwk = PublicKey.from_pem(office_key.public_pem).to_jwk()
    return context | {"office_key": {"kid": office_key.kid, "jwk": jwk}}


# Why offline.js could not check a code, in the page's language (reasons of parse_code).
# Why a code cannot be read, by reason code (digital_link.py), for the scanner page online
# and for offline.js, in the officer's language.
OFFLINE_REASONS = {
    "not_a_code": _("Not a GS1 Digital Link address or element string."),
    "too_long": _("Too long for a code."),
    "bad_gtin": _("A GTIN is 8, 12, 13 or 14 digits."),
    "bad_check_digit": _("The GTIN's check digit is wrong: a typing error, or not a real GTIN."),
    "bad_serial": _("The serial number is missing or has characters a serial cannot have."),
    "malformed_signature": _("The signature in the code is damaged."),
    "no_office_key": _("This node has no office key yet."),
    "no_trust_list": _("Open the verifier once with a network so that it keeps the trust list."),
    "bad_trust_list": _("The stored trust list is not signed by the office: it is not used."),
}


def offline_page(request: HttpRequest) -> HttpResponse:
    """The page the service worker shows when the network is gone: the code is checked in
    the browser against the cached trust list."""
    reasons = {reason: str(text) for reason, text in OFFLINE_REASONS.items()}
    return render(request, "verifier/offline.html", _scanner_context() | {"offline_reasons": reasons})


OFFLINE_FILES = [
    "css/ipchain.css",
    "verifier/scan.js",
    "verifier/offline.js",
    "verifier/install.js",
    "verifier/verifier.css",
    "verifier/icon.svg",
    "verifier/icon-192.png",
    "vendor/zxing-wasm/zxing_reader.iife.js",
    "vendor/zxing-wasm/zxing_reader.wasm",
]


@lru_cache(maxsize=1)
def _offline_version() -> str:
    """Changes when any cached file does, so the service worker replaces its cache."""
    digest = hashlib.sha256()
    paths = [finders.find(name) for name in OFFLINE_FILES]
    paths += [
        get_template(f"verifier/{name}").origin.name for name in ("verify.html", "offline.html", "sw.js")
    ]
    for path in paths:
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from /verify/ but allowed to serve label URIs (/01/...) offline."""
    urls = ["/verify/", "/verify/offline/", "/verify/manifest.webmanifest", "/verify/trust-list.json"]
    urls += [staticfiles_storage.url(name) for name in OFFLINE_FILES]
    response = render(
        request,
        "verifier/sw.js",
        {"version": _offline_version(), "urls": json.dumps(urls)},
        content_type="application/javascript",
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def manifest(request: HttpRequest) -> JsonResponse:
    """The installable app: opens on the scanner, full screen, with PNG icons (what Android
    requires to offer installation) and the SVG one."""
    icons = [
        {
            "src": staticfiles_storage.url(f"verifier/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
        }
        for size in (192, 512)
    ]
    icons.append(
        {"src": staticfiles_storage.url("verifier/icon.svg"), "sizes": "any", "type": "image/svg+xml"}
    )
    return JsonResponse(
        {
            "id": "/verify/",
            "name": "ipchain verifier",
            "short_name": "Verify",
            "description": gettext("Verify labels at the border, with or without a network."),
            "lang": request.LANGUAGE_CODE,
            "start_url": "/verify/",
            "scope": "/",
            "display": "standalone",
            "orientation": "portrait",
            "background_color": "#ffffff",
            "theme_color": "#0b57d0",
            "icons": icons,
        },
        content_type="application/manifest+json",
    )


def trust_list(request: HttpRequest) -> JsonResponse:
    """The office-signed trust list for offline verification (public, cached briefly)."""
    response = JsonResponse(signed_trust_list())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
