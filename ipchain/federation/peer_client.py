"""Talking to a peer office over HTTP: its log (C2SP tlog-tiles) and its witness (tlog-witness).

Plain urllib with a timeout on every request, so that a dead or slow peer costs at most
that long and never holds up this node's own log. No Django here.
"""

import gzip
import io
import ssl
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


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A peer's address is configured once: a redirect is a misconfiguration to report, not
    to follow (an https redirect from a plain-http address ends in a puzzling TLS error)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise PeerUnavailable(
            "redirected",
            f"{req.full_url} answered HTTP {code}, a redirect to {newurl}: give the peer's address "
            "as it answers, https:// behind its TLS terminator (docs/federation.md, 'Over TLS')",
        )


def tls_context(ca_file: str = "") -> ssl.SSLContext:
    """The system's trusted CAs, and those in `ca_file` (an office's private CA) too."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def _explain(url: str, exc: Exception) -> PeerUnavailable:
    reason = getattr(exc, "reason", exc)  # URLError wraps the socket's or TLS layer's error
    if isinstance(reason, ssl.SSLCertVerificationError):
        return PeerUnavailable(
            "tls_untrusted",
            f"{url}: the peer's TLS certificate is not trusted ({reason.verify_message}): "
            "if the offices use a private CA, set IPCHAIN_PEER_CA_FILE to its certificate",
        )
    if isinstance(reason, ssl.SSLError):
        hint = (
            ": is that port plain HTTP? Give the https:// address of the peer's TLS terminator"
            if "WRONG_VERSION_NUMBER" in str(reason)
            else ""
        )
        return PeerUnavailable("tls_error", f"{url}: TLS failed ({reason.reason or reason}){hint}")
    return PeerUnavailable("unreachable", f"{url}: {exc}")


class PeerClient:
    """One peer node at `base_url`: its log under /log, its witness under /witness."""

    def __init__(self, base_url: str, *, timeout: float, ca_file: str = ""):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        handlers = [_NoRedirects()]
        if self.base_url.startswith("https:"):
            handlers.append(urllib.request.HTTPSHandler(context=tls_context(ca_file)))
        self._opener = urllib.request.build_opener(*handlers)

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
            with self._opener.open(request, timeout=self.timeout) as answer:
                return self._read(answer, limit)
        except urllib.error.HTTPError as answer:
            with answer:
                return self._read(answer, limit)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise _explain(f"{self.base_url}/{path}", exc) from None

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
