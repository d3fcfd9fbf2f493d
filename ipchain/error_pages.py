"""The node's own answers for 400, 403, 404 and 500: the JSON error body under /api/ (and for
clients asking for JSON), else a page of ours in the reader's language, never Django's."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

PAGES = {
    400: ("bad_request", "the request is not valid", _("This request cannot be understood.")),
    403: ("permission_denied", "you may not do this", _("You may not open this page.")),
    404: ("not_found", "not found", _("There is nothing at this address.")),
    500: (
        "server_error",
        "the node failed; the office is told",
        _("Something failed on our side. Try again."),
    ),
}


def _answer(request: HttpRequest, status: int) -> HttpResponse:
    reason, message, text = PAGES[status]
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": {"reason": reason, "message": message}}, status=status)
    return render(request, "error.html", {"status": status, "text": text}, status=status)


def bad_request(request, exception=None):
    return _answer(request, 400)


def permission_denied(request, exception=None):
    return _answer(request, 403)


def page_not_found(request, exception=None):
    return _answer(request, 404)


def server_error(request):
    reason, message, _text = PAGES[500]
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"reason": reason, "message": message}}, status=500)
    # No template rendering here: it may be what failed.
    return HttpResponse("Something failed on our side. Try again.\n", status=500, content_type="text/plain")
