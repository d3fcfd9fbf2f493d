"""The log served as C2SP tlog-tiles, to anyone, with no authentication."""

import re

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from . import reads
from .logkey import log_verifier
from .tiles import TILE_WIDTH, decode_index

# Full tiles and partial tiles of a given width never change (tlog-tiles).
IMMUTABLE = "public, max-age=31536000, immutable"
_TILE_RE = re.compile(r"^(?P<index>(?:x\d{3}/)*\d{3})(?:\.p/(?P<width>\d{1,3}))?$")


def _text(body: str, *, cache: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, content_type="text/plain; charset=utf-8", status=status)
    response["Cache-Control"] = cache
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _parse_tile(path: str) -> tuple[int, int] | None:
    match = _TILE_RE.match(path)
    if not match:
        return None
    width = int(match["width"]) if match["width"] else TILE_WIDTH
    if not 1 <= width <= TILE_WIDTH or (match["width"] and width == TILE_WIDTH):
        return None
    try:
        return decode_index(match["index"]), width
    except ValueError:
        return None


def _tile_response(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Cache-Control"] = IMMUTABLE
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def checkpoint(request: HttpRequest) -> HttpResponse:
    return _text(reads.latest_checkpoint_note(), cache="no-cache")


@require_GET
def verifier_key(request: HttpRequest) -> HttpResponse:
    return _text(log_verifier().vkey + "\n", cache="public, max-age=3600")


@require_GET
def hash_tile(request: HttpRequest, level: str, path: str) -> HttpResponse:
    parsed = _parse_tile(path)
    if parsed is None or int(level) > 63:
        return _text("not a tile path\n", cache="no-store", status=400)
    index, width = parsed
    try:
        return _tile_response(reads.hash_tile(int(level), index, width))
    except reads.NotFound as exc:
        return _text(f"{exc}\n", cache="no-store", status=404)


@require_GET
def entry_bundle(request: HttpRequest, path: str) -> HttpResponse:
    parsed = _parse_tile(path)
    if parsed is None:
        return _text("not an entry bundle path\n", cache="no-store", status=400)
    index, width = parsed
    try:
        return _tile_response(reads.entry_bundle(index, width))
    except reads.NotFound as exc:
        return _text(f"{exc}\n", cache="no-store", status=404)
