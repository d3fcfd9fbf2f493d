"""The witness over HTTP (C2SP tlog-witness): POST /witness/add-checkpoint, GET /witness/key."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ipchain.api_errors import error_body

from . import witnessing
from .tlog_witness import MAX_REQUEST_BYTES, SIZE_CONTENT_TYPE, WitnessRefusal
from .witnesskey import WitnessKeyMissing, witness_signer


def _error(reason: str, message: str, status: int) -> JsonResponse:
    return JsonResponse(error_body(reason, message), status=status)


# Logs call the witness from their servers with no session: there is no cookie to forge, and
# the only authentication tlog-witness has is the log's signature on the checkpoint.
@csrf_exempt
@require_POST
def add_checkpoint(request: HttpRequest) -> HttpResponse:
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > MAX_REQUEST_BYTES:
        return _error("request_too_large", f"requests are at most {MAX_REQUEST_BYTES} bytes", 413)
    try:
        line = witnessing.add_checkpoint(request.body)
    except WitnessKeyMissing:
        return _error("witness_unavailable", "this node has no witness key", 503)
    except WitnessRefusal as refusal:
        if refusal.status == 409:
            # tlog-witness: the body is the latest cosigned size, with this content type.
            return HttpResponse(f"{refusal.known_size}\n", content_type=SIZE_CONTENT_TYPE, status=409)
        return _error(refusal.reason, str(refusal), refusal.status)
    return HttpResponse(line, content_type="text/plain; charset=utf-8")


@require_GET
def witness_key(request: HttpRequest) -> HttpResponse:
    try:
        vkey = witness_signer().verifier.vkey
    except WitnessKeyMissing:
        return _error("witness_unavailable", "this node has no witness key", 404)
    response = HttpResponse(vkey + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response
