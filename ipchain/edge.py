"""Bad input refused at the door, for every view, with a reason: never a 500, never a
half-written record.

- A NUL byte (raw or %00) in the path or the query string: PostgreSQL cannot store one in
  text, so the database would fail deep inside a view.
- A body larger than DATA_UPLOAD_MAX_MEMORY_SIZE that is not a file upload: 413.
- JSON bodies (StrictJSONParser, every API view): no NUL in any string or key, no NaN or
  Infinity, nested at most MAX_DEPTH deep.

API paths and clients asking for JSON get {"error": {"reason", "message"}}; pages get text.
"""

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
FILE_UPLOADS = ("multipart/form-data",)


def refuse(request: HttpRequest, status: int, reason: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": {"reason": reason, "message": message}}, status=status)
    return HttpResponse(f"{message}\n", status=status, content_type="text/plain; charset=utf-8")


class EdgeGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in raw_query.lower() or "\x00" in raw_query:
            return refuse(request, 400, "nul_byte", "the address holds a NUL byte")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return refuse(request, 400, "bad_length", "Content-Length is not a number")
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE and not request.content_type.startswith(
            FILE_UPLOADS
        ):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return refuse(request, 413, "too_large", f"the body is larger than {limit} bytes")
        return self.get_response(request)


def _no_constants(name: str):
    raise ParseError(f"{name} is not a JSON number")


def check_json(value, depth: int = 0) -> None:
    """No NUL in any string or key, and at most MAX_DEPTH levels (iterative: no recursion)."""
    stack = [(value, depth)]
    while stack:
        current, level = stack.pop()
        if level > MAX_DEPTH:
            raise ParseError(f"JSON nested more than {MAX_DEPTH} deep")
        if isinstance(current, str):
            if "\x00" in current:
                raise ParseError("a string holds a NUL byte")
        elif isinstance(current, dict):
            for key, item in current.items():
                if "\x00" in key:
                    raise ParseError("a key holds a NUL byte")
                stack.append((item, level + 1))
        elif isinstance(current, list):
            stack.extend((item, level + 1) for item in current)


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, with the door's rules (see the module's text)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            data = json.loads(raw or b"null", parse_constant=_no_constants)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error: {exc}") from None
        except RecursionError:
            raise ParseError(f"JSON nested more than {MAX_DEPTH} deep") from None
        check_json(data)
        return data
