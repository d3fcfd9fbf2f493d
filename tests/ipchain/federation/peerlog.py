"""A peer office's log for tests: entries in memory, served as C2SP tlog-tiles over real HTTP.

It stands in for another office's node (an outside system), so the mirror and the witness
can be tested against logs that grow, fork or lie, without a second Django process.
"""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ipchain.ledger.merkle import consistency_proof, leaf_hash, leaves_subtree_hash, root_from_leaf_hashes
from ipchain.ledger.notes import Checkpoint, Signer
from ipchain.ledger.tiles import TILE_WIDTH, decode_index, extend_tiles

_TILE = re.compile(r"^/log/tile/(?P<level>\d+|entries)/(?P<index>(?:x\d{3}/)*\d{3})(?:\.p/(?P<width>\d+))?$")


class PeerLog:
    def __init__(self, origin: str = "peer.example/log", signer: Signer | None = None):
        self.signer = signer or Signer.generate(origin)
        self.entries: list[bytes] = []
        self.extra_signature_lines = ""
        self.tampered_entries: dict[int, bytes] = {}  # served instead of the real entry
        self.tampered_tiles: dict[tuple[int, int], bytes] = {}  # served instead of the real tile
        self.served_size: int | None = None  # serve the checkpoint of this size instead of the latest
        self._tiles: dict[tuple[int, int], bytes] | None = None

    @property
    def origin(self) -> str:
        return self.signer.name

    @property
    def vkey(self) -> str:
        return self.signer.verifier.vkey

    def append(self, count: int, prefix: str = "entry") -> None:
        start = len(self.entries)
        self._tiles = None
        self.entries += [f'{{"n":{n},"type":"{prefix}"}}'.encode() for n in range(start, start + count)]

    def append_records(self, records: list[dict]) -> None:
        self._tiles = None
        self.entries += [json.dumps(r, sort_keys=True, separators=(",", ":")).encode() for r in records]

    def hashes(self, size: int | None = None) -> list[bytes]:
        return [leaf_hash(e) for e in self.entries[: len(self.entries) if size is None else size]]

    def root(self, size: int | None = None) -> bytes:
        return root_from_leaf_hashes(self.hashes(size))

    def checkpoint(self, size: int | None = None) -> str:
        size = len(self.entries) if size is None else size
        return self.signer.sign(Checkpoint(self.origin, size, self.root(size)).text())

    def consistency(self, old: int, new: int | None = None) -> list[bytes]:
        new = len(self.entries) if new is None else new
        if old == 0 or old == new:
            return []
        return consistency_proof(old, new, leaves_subtree_hash(self.hashes(new)))

    def fork(self, keep: int, count: int) -> None:
        """Rewrite history: keep the first `keep` entries and append `count` different ones."""
        self.entries = self.entries[:keep]
        self._tiles = None
        self.append(count, prefix="forked")

    def tiles(self) -> dict[tuple[int, int], bytes]:
        if self._tiles is None:
            self._tiles = extend_tiles(0, {}, self.hashes())
        return self._tiles

    def serve(self) -> "PeerServer":
        return PeerServer(self)


class PeerServer:
    """The log on 127.0.0.1 at a free port, in a thread: /log/checkpoint and /log/tile/..."""

    def __init__(self, log: PeerLog):
        self.log = log
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append(self.path)
                status, body = server.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "PeerServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, path: str) -> tuple[int, bytes]:
        log = self.log
        if path == "/log/checkpoint":
            return 200, (log.checkpoint(log.served_size) + log.extra_signature_lines).encode()
        match = _TILE.match(path)
        if not match:
            return 404, b"not found\n"
        index = decode_index(match["index"])
        width = int(match["width"] or TILE_WIDTH)
        if match["level"] == "entries":
            first = index * TILE_WIDTH
            if first + width > len(log.entries):
                return 404, b"no such bundle\n"
            bodies = [log.tampered_entries.get(i, log.entries[i]) for i in range(first, first + width)]
            return 200, b"".join(len(b).to_bytes(2, "big") + b for b in bodies)
        key = (int(match["level"]), index)
        data = log.tampered_tiles.get(key) or log.tiles().get(key, b"")
        if len(data) < width * 32:
            return 404, b"no such tile\n"
        return 200, data[: width * 32]
