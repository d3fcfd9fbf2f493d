"""The full audit: re-derive every leaf, rebuild the tree and its tiles, check every checkpoint.

It trusts nothing it reads: entry bodies are re-hashed, indexes must run 0, 1, 2 … with
no gap, stored tiles must equal the rebuilt ones, and every signed checkpoint must verify
and carry the root of the rebuilt tree at its size. Since every checkpoint root is
recomputed from one sequence of leaves, each checkpoint is consistent with the next.

It does not stop at the first problem: it goes through the whole log and lists every bad
index, each either an integrity problem (a hash, tile, root or signature that is wrong: the
log was edited) or a content problem (a record that breaks a content rule: not canonical,
not I-JSON, an implausible time; the log is intact but that record should not have been
taken). Only a gap in the indexes ends it, since nothing after a gap can be placed.

An incremental audit (`incremental=True`) goes on from where the last good run ended: it
restores the tree as that run left it (its perfect subtrees and right-edge tiles), checks
that this tree has the root of the signed checkpoint of that size (so a state tampered
with is caught), then audits only the entries and checkpoints added since. It proves the
log grew append-only since then; only a full audit re-reads the entries before.
"""

import base64
import contextlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string

from .canonical import RecordError, is_canonical, parse_json
from .content import check_record_content
from .log import read_tiles
from .merkle import CompactRange, leaf_hash
from .models import AuditRun, HashTile, LogEntry, SignedCheckpoint
from .notes import NoteError, Verifier, open_checkpoint
from .tiles import TILE_WIDTH, edge_tiles, entries_at_level, extend_tiles

CHUNK = 10_000


INTEGRITY = "integrity"  # hash or signature wrong: the log was edited
CONTENT = "content"  # a content rule broken: the record should not have been taken
MAX_PROBLEMS = 1000  # listed; all are counted


@dataclass(frozen=True)
class Problem:
    kind: str
    index: int | None
    reason: str
    message: str


@dataclass
class TreeState:
    """The tree as an audit left it: its size, perfect subtrees and right-edge tiles."""

    size: int = 0
    nodes: list[bytes] = field(default_factory=list)
    tiles: dict[int, bytes] = field(default_factory=dict)
    # What the run that left it checked besides hashes and signatures: a run may go on only
    # from a state whose run checked at least what it checks.
    canonical: bool = False
    records: bool = False
    sealed: bool = True  # carries this node's seal: made by this node, not written in

    def to_json(self) -> dict:
        b64 = base64.b64encode
        data = {
            "size": self.size,
            "nodes": [b64(n).decode() for n in self.nodes],
            "tiles": {str(level): b64(data).decode() for level, data in self.tiles.items()},
            "checks": {"canonical": self.canonical, "records": self.records},
        }
        return data | {"seal": _seal(data)}

    @classmethod
    def from_json(cls, data: dict) -> "TreeState":
        b64 = base64.b64decode
        checks = data.get("checks", {})
        return cls(
            int(data["size"]),
            [b64(n) for n in data["nodes"]],
            {int(level): b64(tile) for level, tile in data["tiles"].items()},
            bool(checks.get("canonical")),
            bool(checks.get("records")),
            hmac.compare_digest(str(data.get("seal", "")), _seal(_unsealed(data))),
        )

    def covers(self, *, canonical: bool, records: bool) -> bool:
        return (self.canonical or not canonical) and (self.records or not records)


def _unsealed(data: dict) -> dict:
    return {key: value for key, value in data.items() if key != "seal"}


def _seal(data: dict) -> str:
    """An HMAC of the state with a key derived from SECRET_KEY, which the database does not
    hold: someone able to write the audit's table cannot write a state the audit accepts."""
    payload = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return salted_hmac("ipchain.ledger.audit.state", payload, algorithm="sha256").hexdigest()


@dataclass
class AuditResult:
    ok: bool = True
    entries: int = 0
    checkpoints: int = 0
    first_bad_index: int | None = None
    reason: str = ""
    message: str = ""
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {INTEGRITY: 0, CONTENT: 0})
    state: TreeState | None = None  # where the tree stood at the end

    def fail(self, reason: str, message: str, index: int | None = None, *, kind: str = INTEGRITY) -> None:
        if self.ok:
            self.ok, self.reason, self.message, self.first_bad_index = False, reason, message, index
        self.counts[kind] += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(kind, index, reason, message))


class _Stop(Exception):
    pass


def last_good_state(*, canonical: bool, records: bool) -> TreeState | None:
    """Where the latest good audit that checked at least as much left the tree; None when
    the latest audit failed (the next one is a full one) or no good run recorded a state."""
    finished = AuditRun.objects.exclude(finished_at=None).order_by("-pk")
    latest = finished.first()
    if latest is None or not latest.ok:
        return None
    for data in finished.filter(ok=True).exclude(state={}).values_list("state", flat=True)[:50]:
        state = TreeState.from_json(data)
        if not state.sealed or state.covers(canonical=canonical, records=records):
            return state
    return None


def audit_log(
    *,
    verifier: Verifier,
    check_canonical: bool = True,
    check_records: bool = False,
    record: bool = True,
    incremental: bool = False,
) -> AuditResult:
    """The audit; with check_records, also each record's own signature and the rule runs
    (IPCHAIN_AUDIT_RECORD_CHECKS, from the registry). Incremental: from where the last good
    run that checked as much left the tree (a full audit where none did, or the last failed)."""
    result = AuditResult()
    start = last_good_state(canonical=check_canonical, records=check_records) if incremental else None
    run = AuditRun.objects.create(first_index=start.size if start else 0) if record else None
    with contextlib.suppress(_Stop):  # only a gap in the indexes ends the audit early
        _audit(result, verifier, check_canonical, start or TreeState())
        if check_records and result.ok:
            _check_records(result, since=start.size if start else 0)
    if result.state is not None:
        result.state.canonical, result.state.records = check_canonical, check_records
    if run is not None:
        run.finished_at = timezone.now()
        run.state = result.state.to_json() if result.ok and result.state is not None else {}
        run.entries_checked, run.checkpoints_checked = result.entries, result.checkpoints
        run.ok, run.reason, run.message = result.ok, result.reason, result.message
        run.first_bad_index = result.first_bad_index
        run.integrity_problems, run.content_problems = result.counts[INTEGRITY], result.counts[CONTENT]
        run.problems = [asdict(problem) for problem in result.problems]
        run.save()
    return result


def _check_records(result: AuditResult, since: int) -> None:
    """The record checks of other apps (IPCHAIN_AUDIT_RECORD_CHECKS), from index `since`."""
    for path in settings.IPCHAIN_AUDIT_RECORD_CHECKS:
        for problem in import_string(path)(since=since):
            result.fail(problem.reason, problem.message, problem.index)


def _audit(result: AuditResult, verifier: Verifier, check_canonical: bool, start: TreeState) -> None:
    if not start.sealed:
        result.fail(
            "bad_audit_state",
            "the last good audit's state does not carry this node's seal (written into the database,"
            " or SECRET_KEY changed): run a full audit",
        )
        raise _Stop
    checkpoints = _verified_checkpoints(result, verifier, start.size)
    # Integration signs a checkpoint in the same transaction, so every integrated entry
    # lies below the latest checkpoint: one past it was added behind the log's back.
    signed_size = checkpoints[-1][0] if checkpoints else 0
    try:
        tree = CompactRange.restore(start.size, start.nodes)
    except ValueError as exc:
        result.fail("bad_audit_state", f"the last good audit's state cannot be used: {exc}")
        raise _Stop from None
    if start.size:
        signed = dict(checkpoints).get(start.size)
        if signed != tree.root():
            result.fail(
                "bad_audit_state",
                f"no signed checkpoint of size {start.size} has the root the last good audit left:"
                " run a full audit",
            )
            raise _Stop
    next_checkpoint = sum(1 for size, _root in checkpoints if size <= start.size)
    tile_edge: dict[int, bytes] = dict(start.tiles)
    batch: list[bytes] = []
    last_good = start.size

    for index, body, stored_hash, submitted_at in _integrated_entries(start.size, check_canonical):
        if index != tree.size:
            what = "missing" if index > tree.size else "duplicated"
            result.fail("index_gap", f"entry {tree.size} is {what} (next stored index is {index})", tree.size)
            raise _Stop
        if index >= signed_size:
            result.fail(
                "unsigned_entry",
                f"entry {index} lies past the latest signed checkpoint ({signed_size})",
                index,
            )
        body, stored_hash = bytes(body), bytes(stored_hash)
        if leaf_hash(body) != stored_hash:
            result.fail(
                "leaf_hash_mismatch", f"entry {index}: stored leaf hash is not the hash of its body", index
            )
        elif check_canonical:
            _check_content(result, index, body, submitted_at)
        # The tree is rebuilt from the stored leaf hashes, which the tiles and the signed roots
        # commit to: a body edited alone is named once, at its index, not at every later root.
        tree.append(stored_hash)
        batch.append(stored_hash)
        at_checkpoint = next_checkpoint < len(checkpoints) and checkpoints[next_checkpoint][0] == tree.size
        if len(batch) == CHUNK or at_checkpoint:
            # Tiles first: they name the exact entry, a checkpoint root only a range.
            _check_tiles(result, tree.size - len(batch), tile_edge, batch)
            batch = []
        while next_checkpoint < len(checkpoints) and checkpoints[next_checkpoint][0] == tree.size:
            if _check_root(result, checkpoints[next_checkpoint], tree, last_good):
                last_good = tree.size
            next_checkpoint += 1
    _check_tiles(result, tree.size - len(batch), tile_edge, batch)
    result.entries = tree.size - start.size
    result.state = TreeState(tree.size, tree.nodes, dict(tile_edge))

    for size, root in checkpoints[next_checkpoint:]:
        if size != 0:
            result.fail(
                "checkpoint_past_log",
                f"checkpoint of size {size} is past the log's {tree.size} entries",
                tree.size,
            )
            continue
        _check_root(result, (size, root), tree, 0)
    _check_no_extra_tiles(result, tree.size, every_tile=start.size == 0)


def _check_content(result: AuditResult, index: int, body: bytes, submitted_at) -> None:
    """The rules a record had to meet when it was taken (content.py), checked again."""
    if not is_canonical(body):
        result.fail(
            "not_canonical", f"entry {index}: body is not RFC 8785 canonical JSON", index, kind=CONTENT
        )
        return
    try:
        check_record_content(parse_json(body), now=submitted_at)
    except RecordError as exc:
        result.fail(exc.reason, f"entry {index}: {exc}", index, kind=CONTENT)


def _integrated_entries(first: int, with_times: bool) -> Iterator[tuple[int, bytes, bytes, datetime | None]]:
    """(index, body, leaf hash, submitted at) from index `first` on; the time only for the
    content checks (reading a timestamp costs more than hashing the entry)."""
    columns = ["leaf_index", "body", "leaf_hash"] + (["submitted_at"] if with_times else [])
    rows = LogEntry.objects.filter(leaf_index__gte=first).order_by("leaf_index").values_list(*columns)
    for row in rows.iterator(chunk_size=CHUNK):
        yield row if with_times else (*row, None)


def _verified_checkpoints(result: AuditResult, verifier: Verifier, first: int) -> list[tuple[int, bytes]]:
    """(tree_size, root) of every stored checkpoint of `first` entries or more whose signature
    and fields check out; each that does not is a problem, and is left out."""
    checked = []
    rows = SignedCheckpoint.objects.filter(tree_size__gte=first).order_by("tree_size")
    for size, root, note in rows.values_list("tree_size", "root_hash", "note"):
        try:
            checkpoint = open_checkpoint(note, verifier)
        except NoteError as exc:
            result.fail("bad_checkpoint", f"checkpoint of size {size}: {exc}")
            continue
        if checkpoint.size != size or checkpoint.root_hash != bytes(root):
            result.fail(
                "bad_checkpoint", f"checkpoint of size {size}: stored columns differ from its signed note"
            )
            continue
        checked.append((size, checkpoint.root_hash))
        result.checkpoints += 1
    return checked


def _check_root(
    result: AuditResult, checkpoint: tuple[int, bytes], tree: CompactRange, last_good: int
) -> bool:
    size, root = checkpoint
    if tree.root() == root:
        return True
    result.fail(
        "root_mismatch",
        f"the rebuilt tree of size {size} does not have the signed root: an entry from {last_good} "
        f"to {size - 1} was changed, inserted, removed or moved",
        last_good,
    )
    return False


def _check_tiles(result: AuditResult, size: int, edge: dict[int, bytes], leaves: list[bytes]) -> None:
    """Rebuild the tiles touched by `leaves` and compare them with the stored ones; the audit
    goes on with the rebuilt tiles."""
    if not leaves:
        return
    rebuilt = extend_tiles(size, edge, leaves)
    stored = read_tiles(rebuilt.keys())
    for key in sorted(rebuilt):
        want, have = rebuilt[key], stored.get(key, b"")
        if have[: len(want)] != want:
            level, index = key
            first = next(i for i in range(0, len(want), 32) if have[i : i + 32] != want[i : i + 32]) // 32
            bad_leaf = (index * TILE_WIDTH + first) << (8 * level)
            result.fail("tile_mismatch", f"stored tile {level}/{index} differs at leaf {bad_leaf}", bad_leaf)
    new_edge = {}
    for level, (index, width) in edge_tiles(size + len(leaves)).items():
        data = rebuilt.get((level, index), edge.get(level, b""))
        new_edge[level] = data[: width * 32]
    edge.clear()
    edge.update(new_edge)


def _check_no_extra_tiles(result: AuditResult, size: int, *, every_tile: bool) -> None:
    """No stored tile may hold hashes past the tree: nothing was appended behind the log's back.
    Only tiles at or past each level's right edge can hold hashes past the tree, but a tile
    further left may have been padded: the full audit reads every tile, the incremental one
    the edge's only (a handful, not tens of thousands)."""
    tiles = HashTile.objects.all()
    if not every_tile:
        levels = [level for level in range(64) if entries_at_level(size, level)]
        edge = Q(level__gt=max(levels, default=-1))
        for level in levels:
            edge |= Q(level=level, index__gte=entries_at_level(size, level) // TILE_WIDTH)
        tiles = tiles.filter(edge)
    tiles = tiles.annotate(width=Length("hashes") / 32).values_list("level", "index", "width")
    for level, index, width in tiles:
        allowed = min(max(entries_at_level(size, level) - index * TILE_WIDTH, 0), TILE_WIDTH)
        if width > allowed:
            result.fail(
                "tile_mismatch",
                f"stored tile {level}/{index} holds hashes past the tree of size {size}",
                size,
            )
