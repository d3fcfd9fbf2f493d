"""The verifier's pages: scan, verdict, the offline web app's files. Thin: they call
verification.verify_code and the case services, and only translate HTTP."""

import hashlib
import json
from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from ipchain.api_errors import error_body
from ipchain.errors import DomainError
from ipchain.registry.keys import active_key, the_office
from ipchain.registry.models import Product, ProductImage
from ipchain.registry.signing import PublicKey
from ipchain.registry.wording import event_label
from ipchain.throttling import throttle_page

from . import cases, plugins, resolver, status_list
from .audiences import INSIDE, Audience, audience_for, shows_guide
from .forms import SuspicionForm
from .results import Result
from .scanners import scanner_for
from .selectors import officer_scan, scan_product
from .trustlist import signed_trust_list
from .verification import MAX_CODE, VerifyError, verify_code
from .wording import (
    CODE_REASONS,
    GENUINE_NO_GUIDE_ADVICE,
    OFFLINE_VERDICT_LABELS,
    PEER_GENUINE_ADVICE,
    PUBLIC_ADVICE,
    VERDICT_ADVICE,
    VERDICT_LABELS,
    reason_text,
)

VERDICT_STYLE = {  # colour class and icon, always shown with the words
    "genuine": ("ok", "✔"),
    "registered": ("warn", "?"),
    "unknown": ("warn", "?"),
    "forged": ("bad", "✖"),
    "revoked": ("bad", "✖"),
    "recalled": ("warn", "!"),
    "stolen": ("bad", "!"),
    "destroyed": ("bad", "✖"),
    "suspected_clone": ("bad", "⚠"),
}


@throttle_page("label")
def verify_page(request: HttpRequest) -> HttpResponse:
    """The officer's page: the camera scanner, and a code or the numbers typed in.

    The scanner posts what the camera read with the device's position (a form in the body,
    CSRF-protected); typed codes come as a GET. A position is never read from a URL: a crafted
    link or label could otherwise place an officer's sighting anywhere (docs/security.md)."""
    data = request.POST if request.method == "POST" else request.GET
    code = data.get("code", "").strip()
    gtin, serial = data.get("gtin", "").strip(), data.get("serial", "").strip()
    if not code and (gtin or serial):
        code = f"(01){gtin}(21){serial}"
    if not code:
        notices = plugins.officer_notices(request.user) if scanner_for(request.user).trusted else []
        return render(request, "verifier/verify.html", _scanner_context() | {"notices": notices})
    latitude, longitude = _device_position(request.POST) if request.method == "POST" else (None, None)
    return _verdict_response(request, code[:MAX_CODE], latitude=latitude, longitude=longitude)


@throttle_page("label")
def label_landing(request: HttpRequest, gtin: str, serial: str) -> HttpResponse:
    """Where a phone camera lands when it opens a label's GS1 Digital Link URI (any query
    parameter other than the label's own is ignored: it is part of the printed code).

    The server hands over the path decoded, so a serial holding "/" (GS1 allows it, the
    label percent-encodes it) arrives as more path: the code is rebuilt from the route's
    parts, the serial encoded again as on the label."""
    path = f"/01/{gtin}/21/{quote(serial, safe='')}"
    wanted = resolver.requested(request.GET.get("linkType"), request.headers.get("Accept", ""))
    if wanted is not None:  # a GS1 resolver's question (resolver.py)
        return _resolve(request, path, resolver.identify(gtin, serial), wanted)
    query = request.META.get("QUERY_STRING", "")
    code = f"{request.scheme}://{request.get_host()}{path}"
    response = _verdict_response(request, (code + (f"?{query}" if query else ""))[:MAX_CODE])
    response["Link"] = resolver.link_header(path)
    return response


@throttle_page("label")
def product_landing(request: HttpRequest, gtin: str) -> HttpResponse:
    """A GTIN's GS1 Digital Link URI, /01/<gtin>: the product's public page (its name, its
    brand), or as a resolver its linkset."""
    identifier = resolver.identify(gtin)
    wanted = resolver.requested(request.GET.get("linkType"), request.headers.get("Accept", ""))
    if wanted == "linkset":  # any other link type of a GTIN is this page (pip, the default)
        return _resolve(request, f"/01/{gtin}", identifier, wanted)
    if identifier is None:
        return render(request, "verifier/product.html", {"product": None}, status=404)
    response = render(request, "verifier/product.html", {"product": identifier.product})
    response["Link"] = resolver.link_header(f"/01/{identifier.gtin}")
    return response


def gs1_resolver_description(request: HttpRequest) -> JsonResponse:
    """/.well-known/gs1resolver: how GS1-conformant apps find what this node resolves."""
    response = JsonResponse(resolver.description(the_office().name))
    response["Access-Control-Allow-Origin"] = "*"  # public, read by apps of other origins
    return response


def _resolve(request: HttpRequest, path: str, identifier, wanted: str) -> HttpResponse:
    if wanted == "linkset":
        if identifier is None:
            body = error_body("unknown_product", "this node resolves no product with that GTIN")
            return JsonResponse(body, status=404)
        response = JsonResponse(resolver.linkset(identifier), content_type=resolver.LINKSET)
        response["Link"] = resolver.LINKSET_CONTEXT_LINK
        response["Access-Control-Allow-Origin"] = "*"
        return response
    # A link of that type, else the default link; the verdict is this very address without
    # the resolver's parameter (the label's own parameters kept).
    target = resolver.redirect_target(identifier, wanted) if identifier else None
    if target is None:
        query = request.GET.copy()
        query.pop("linkType", None)
        target = path + (f"?{query.urlencode()}" if query else "")
    return HttpResponseRedirect(target, status=307)


def _device_position(data) -> tuple[float | None, float | None]:
    """The position the officer's browser sent with the scan, if it is one."""
    try:
        lat, lon = float(data["latitude"]), float(data["longitude"])
    except (KeyError, ValueError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also refuses NaN
        return None, None
    return lat, lon


def _verdict_response(request: HttpRequest, code: str, *, latitude=None, longitude=None) -> HttpResponse:
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        result = verify_code(code, user=request.user, latitude=latitude, longitude=longitude)
    except VerifyError as exc:
        if wants_json:
            return JsonResponse(error_body(exc.reason, str(exc)), status=400)
        # The officer reads why in their language; the API keeps the reason code and English.
        context = _scanner_context() | {"error": str(CODE_REASONS.get(exc.reason, exc)), "code": code}
        return render(request, "verifier/verify.html", context, status=400)
    if wants_json:
        audience = audience_for(request.user, result)
        guide = shows_guide(audience, request.user, result.item and result.item.product)
        return JsonResponse(result.as_json(reason_text, inside=audience in INSIDE, guide=guide))
    return render(request, "verifier/verdict.html", verdict_context(request, result))


def verdict_context(request: HttpRequest, result: Result) -> dict:
    verdict = str(result.verdict)
    style, icon = VERDICT_STYLE[verdict]
    audience = audience_for(request.user, result)
    inside = audience in INSIDE
    item = result.item
    guide = shows_guide(audience, request.user, item and item.product)
    data = result.as_json(reason_text, inside=inside, guide=guide)
    peer_item = data.get("peer_item")  # an item another office registered (its mirrored log)
    history = (data["item"] or {}).get("history") or (peer_item or {}).get("history") or []
    for step in history:
        step["label"] = event_label(step["event"])
        if isinstance(step["time"], str):  # a peer's records carry their RFC 3339 times
            step["time"] = parse_datetime(step["time"]) or step["time"]
    if audience == Audience.PUBLIC:
        advice = PUBLIC_ADVICE[verdict]
    elif peer_item and verdict == "genuine":
        advice = PEER_GENUINE_ADVICE
    elif verdict == "genuine" and not _has_guide(item):
        advice = GENUINE_NO_GUIDE_ADVICE  # never "compare with the guide" when there is none
    else:
        advice = VERDICT_ADVICE[verdict]
    return {
        "result": result,
        "data": data,
        "inside": inside,
        "style": style,
        "icon": icon,
        "verdict_label": VERDICT_LABELS[verdict],
        "advice": advice,
        "photos": ProductImage.objects.filter(product=item.product) if guide else [],
        "product_image": item.product.image if guide and item.product.image else None,
        # An officer whose authority the holder does not share its guides with: who to ask.
        "guide_withheld": bool(item) and inside and not guide,
        "officer": audience == Audience.CUSTOMS,
        "act": _officer_actions(result, verdict) if audience == Audience.CUSTOMS else None,
        "evidence_max_age": settings.IPCHAIN_EVIDENCE_MAX_AGE,
    }


def _has_guide(item) -> bool:
    product = item.product
    fields = (product.genuine_features, product.packaging, product.made_in, product.trade_routes)
    return any(fields) or bool(product.image) or product.images.exists()


# Verdicts whose goods customs should hold: detaining comes first on the page.
DETAIN_FIRST = {"forged", "stolen", "suspected_clone", "revoked", "destroyed", "unknown"}


def _officer_actions(result: Result, verdict: str) -> dict | None:
    """What the officer can do next on this verdict: detain and record a suspicion, for goods
    of a product registered here or at a peer office (its rights holder is told); None when no
    rights holder is known (nothing to act on with)."""
    if result.scan_ref is None:
        return None
    product = result.item.product if result.item else Product.objects.filter(gtin=result.code.gtin).first()
    if product is not None:
        brand = product.brand.name
    else:
        peer = plugins.peer_holder(result.code.gtin, result.code.serial)
        if peer is None:
            return None
        brand = peer.name
    return {
        "scan": result.scan_ref,
        "detain_first": verdict in DETAIN_FIRST,
        "brand": brand,
        # A suspicion alerts a holder here; a peer's hears of suspect scans from the log.
        "suspicion": product is not None,
    }


@login_required
def suspect(request: HttpRequest) -> HttpResponse:
    """An officer records a suspicion about the goods just scanned (no detention): a form with
    a note for the rights holder, sent only when the officer confirms."""
    ref = request.POST.get("scan") or request.GET.get("scan", "")
    scan = officer_scan(user=request.user, ref=ref)
    form = SuspicionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cases.record_suspicion(actor=request.user, item=scan.item, scan=scan, note=form.cleaned_data["note"])
        messages.success(request, gettext("Suspicion recorded; the rights holder is told."))
        return redirect("verify")
    return render(
        request, "verifier/suspect.html", {"form": form, "scan": scan, "product": scan_product(scan)}
    )


# --- The offline web app ---------------------------------------------------------------


def _scanner_context() -> dict:
    """What the scanner and the offline page need: the office key that signs the trust list
    (pinned in the page) and the age past which a cached trust list is flagged."""
    context = {
        "trust_list_max_age": settings.IPCHAIN_TRUST_LIST_MAX_AGE,
        "office_key": None,
        "verdict_labels": {verdict: str(label) for verdict, label in VERDICT_LABELS.items()},
        "offline_labels": {verdict: str(label) for verdict, label in OFFLINE_VERDICT_LABELS.items()},
    }
    try:
        office_key = active_key(the_office())
    except DomainError:
        return context  # a node with no office yet: no offline verification
    jwk = PublicKey.from_pem(office_key.public_pem).to_jwk()
    return context | {"office_key": {"kid": office_key.kid, "jwk": jwk}}


def offline_page(request: HttpRequest) -> HttpResponse:
    """The page the service worker shows when the network is gone: the code is checked in
    the browser against the cached trust list."""
    reasons = {reason: str(text) for reason, text in CODE_REASONS.items()}
    return render(request, "verifier/offline.html", _scanner_context() | {"offline_reasons": reasons})


@login_required
def consignment_page(request: HttpRequest) -> HttpResponse:
    """Consignment mode (static/verifier/consignment.js): the shipment's reference, then item
    after item without leaving the camera, tallied, and one case for the suspect ones."""
    return render(request, "verifier/consignment.html", _scanner_context())


def proof_page(request: HttpRequest) -> HttpResponse:
    """Where an officer or a court drops a .tlog-proof file and sees what it proves, checked
    in the browser with the trust list's keys (static/verifier/proof.js); offline too."""
    return render(request, "verifier/proof.html", _scanner_context())


OFFLINE_FILES = [
    "css/ipchain.css",
    "js/language.js",
    "verifier/scan.js",
    "verifier/offline.js",
    "verifier/status.js",
    "verifier/proof.js",
    "verifier/consignment.js",
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
        get_template(f"verifier/{name}").origin.name
        for name in (
            "verify.html",
            "offline.html",
            "proof.html",
            "consignment.html",
            "_sent_report.html",
            "sw.js",
        )
    ]
    for path in paths:
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from /verify/ but allowed to serve label URIs (/01/...) offline."""
    urls = [
        "/verify/",
        "/verify/offline/",
        "/verify/proof/",
        "/verify/manifest.webmanifest",
        "/verify/trust-list.json",
    ]
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


@throttle_page("label")
def status_list_view(request: HttpRequest) -> HttpResponse:
    """The office-signed offline status list (status_list.py): the full list, or with
    ?since=<version> the changes since then; 410 when there are too many, for the full list."""
    since = request.GET.get("since")
    if since is None:
        data = status_list.full_list()
    elif not (since.isascii() and since.isdigit() and len(since) <= 18):
        return JsonResponse(error_body("bad_parameter", "since is a version number"), status=400)
    else:
        try:
            data = status_list.delta(int(since))
        except status_list.DeltaTooLarge as exc:
            return JsonResponse(error_body("delta_too_large", str(exc)), status=410)
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Cache-Control"] = "no-cache"
    response["Access-Control-Allow-Origin"] = "*"
    return response
