"""Talking to a peer office over HTTP: its log (C2SP tlog-tiles) and its witness (tlog-witness).

Plain urllib with a timeout on every request, so that a dead or slow peer costs at most
that long and never holds up this node's own log. No Django here.
"""

import gzip
import io
import urllib.error
import urllib.request
from dataclasses import dataclass

from ipchain.ledger.merkle import HASH_SIZE
from ipchain.ledger.tiles import TILE_WIDTH, tile_path

# The largest entry bundle: 256 entries of at most 65,535 bytes, each with its 2-byte length.
MAX_BUNDLE_BYTES = TILE_WIDTH * (2 + 65535)
MAX_NOTE_BYTES = 64 * 1024
USER_AGENT = "ipchain-federation/1"


class PeerUnavailable(Exception):
    """The peer did not answer in time, or answered with something that is not what was asked."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes


def parse_entry_bundle(data: bytes, width: int) -> list[bytes]:
    """C2SP tlog-tiles entry bundle: `width` entries, each a big-endian uint16 length and its bytes."""
    entries = []
    offset = 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise PeerUnavailable("bad_bundle", "entry bundle ends inside a length prefix")
        length = int.from_bytes(data[offset : offset + 2], "big")
        offset += 2
        if offset + length > len(data):
            raise PeerUnavailable("bad_bundle", "entry bundle ends inside an entry")
        entries.append(data[offset : offset + length])
        offset += length
    if len(entries) != width:
        raise PeerUnavailable("bad_bundle", f"entry bundle holds {len(entries)} entries, not {width}")
    return entries


class PeerClient:
    """One peer node at `base_url`: its log under /log, its witness under /witness."""

    def __init__(self, base_url: str, *, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"<PeerClient {self.base_url}>"

    def request(self, path: str, *, data: bytes | None = None, limit: int) -> Response:
        """GET (or POST `data`) and return the answer whatever its status; raise only when there is none."""
        request = urllib.request.Request(  # noqa: S310 (the URL is an operator-configured http(s) peer)
            f"{self.base_url}/{path}",
            data=data,
            method="POST" if data is not None else "GET",
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, identity"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                return self._read(answer, limit)
        except urllib.error.HTTPError as answer:
            with answer:
                return self._read(answer, limit)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise PeerUnavailable("unreachable", f"{self.base_url}/{path}: {exc}") from None

    def _read(self, answer, limit: int) -> Response:
        body = answer.read(limit + 1)
        if answer.headers.get("Content-Encoding") == "gzip":
            try:
                with gzip.GzipFile(fileobj=io.BytesIO(body)) as unzipped:
                    body = unzipped.read(limit + 1)
            except (OSError, EOFError):
                raise PeerUnavailable("bad_response", "gzip body does not decompress") from None
        if len(body) > limit:
            raise PeerUnavailable("too_large", f"answer is larger than {limit} bytes")
        return Response(answer.status, answer.headers.get_content_type(), body)

    def _get_ok(self, path: str, *, limit: int) -> bytes:
        answer = self.request(path, limit=limit)
        if answer.status != 200:
            raise PeerUnavailable("http_error", f"{self.base_url}/{path}: HTTP {answer.status}")
        return answer.body

    def checkpoint(self) -> str:
        body = self._get_ok("log/checkpoint", limit=MAX_NOTE_BYTES)
        try:
            return body.decode()
        except UnicodeDecodeError:
            raise PeerUnavailable("bad_response", "checkpoint is not UTF-8") from None

    def tile(self, level: int, index: int, width: int) -> bytes:
        data = self._get_ok(f"log/{tile_path(level, index, width)}", limit=TILE_WIDTH * HASH_SIZE)
        if len(data) != width * HASH_SIZE:
            raise PeerUnavailable("bad_tile", f"tile {level}/{index} is {len(data)} bytes, not {width * 32}")
        return data

    def entry_bundle(self, index: int, width: int) -> list[bytes]:
        return parse_entry_bundle(
            self._get_ok(f"log/{tile_path('entries', index, width)}", limit=MAX_BUNDLE_BYTES), width
        )

    def add_checkpoint(self, body: bytes) -> Response:
        return self.request("witness/add-checkpoint", data=body, limit=MAX_NOTE_BYTES)
