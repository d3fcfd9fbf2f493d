"""The log served as C2SP tlog-tiles, to anyone, with no authentication."""

import re

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ipchain.replicas import replica_first

from . import reads
from .logkey import log_verifier
from .tiles import TILE_WIDTH, decode_index

# Full tiles and partial tiles of a given width never change (tlog-tiles).
IMMUTABLE = "public, max-age=31536000, immutable"
_TILE_RE = re.compile(r"^(?P<index>(?:x\d{3}/)*\d{3})(?:\.p/(?P<width>[1-9]\d{0,2}))?$", re.ASCII)
_LEVEL_RE = re.compile(r"^(?:0|[1-9]\d?)$", re.ASCII)
MAX_LEVEL = 63
# Tile and bundle indexes are stored in 64-bit integers, first leaf = index * 256.
MAX_TILE_INDEX = (2**63 - 1) // TILE_WIDTH


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
        index = decode_index(match["index"])
    except ValueError:
        return None
    return (index, width) if index <= MAX_TILE_INDEX else None


def _tile_response(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Cache-Control"] = IMMUTABLE
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@replica_first
def checkpoint(request: HttpRequest) -> HttpResponse:
    return _text(reads.latest_checkpoint_note(), cache="no-cache")


@require_GET
def verifier_key(request: HttpRequest) -> HttpResponse:
    return _text(log_verifier().vkey + "\n", cache="public, max-age=3600")


@require_GET
@replica_first
def hash_tile(request: HttpRequest, level: str, path: str) -> HttpResponse:
    parsed = _parse_tile(path)
    if parsed is None or not _LEVEL_RE.match(level) or int(level) > MAX_LEVEL:
        return _text("not a tile path\n", cache="no-store", status=400)
    index, width = parsed
    try:
        return _tile_response(reads.hash_tile(int(level), index, width))
    except reads.NotFound as exc:
        return _text(f"{exc}\n", cache="no-store", status=404)


@require_GET
@replica_first
def entry_bundle(request: HttpRequest, path: str) -> HttpResponse:
    parsed = _parse_tile(path)
    if parsed is None:
        return _text("not an entry bundle path\n", cache="no-store", status=400)
    index, width = parsed
    try:
        return _tile_response(reads.entry_bundle(index, width))
    except reads.NotFound as exc:
        return _text(f"{exc}\n", cache="no-store", status=404)
