"""Verify a scanned code: gather the facts, decide, give the evidence, log the scan.

Online, the label's signature is compared in constant time with the one the node stored
when it verified the registration (no ECDSA on this path); the ledger evidence is an
inclusion proof of the registration, checked against the latest signed checkpoint
(evidence.py). The scan is queued for the log and written after the response (scanlog.py).
A verification costs one query: the item with its registration entry and its recent
sightings (plus its events, only when it has any); products, keys and officers are
remembered briefly (Remembered, below), and so are API tokens (tokenauth.py).
"""

import hmac
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg
from django.conf import settings
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from ipchain.accounts.models import Membership
from ipchain.errors import DomainError
from ipchain.ledger.models import LogEntry
from ipchain.registry.digital_link import DigitalLinkError, ScannedCode, label_message, parse_code
from ipchain.registry.models import Item, OrgKey, Product
from ipchain.registry.signing import PublicKey

from . import scanlog
from .evidence import Evidence, evidence_for
from .models import Scan
from .verdicts import CloneRules, Facts, Reason, Sighting, Verdict, decide

SIGHTINGS_READ = 200  # the most recent sightings the clone rules look at
ALERTING = (Verdict.SUSPECTED_CLONE, Verdict.FORGED, Verdict.STOLEN)


class VerifyError(DomainError):
    """A code that cannot be verified (garbage, wrong check digit, too long)."""


@dataclass(frozen=True)
class Scanner:
    """Who scans: a signed-in customs officer (a trusted sighting) or anyone else."""

    trusted: bool = False
    user_id: int | None = None
    authority_id: int | None = None
    office: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class Result:
    verdict: Verdict
    reasons: list[Reason]
    code: ScannedCode
    item: Item | None
    evidence: Evidence
    history: list[dict] = field(default_factory=list)
    scan_ref: uuid.UUID | None = None
    scanned_at: object = None

    def as_json(self, translate=str) -> dict:
        """The verdict for customs systems; `translate` renders each reason's text."""
        item = self.item
        return {
            "verdict": str(self.verdict),
            "reasons": [{"code": r.code, "text": translate(r)} for r in self.reasons],
            "gtin": self.code.gtin,
            "serial": self.code.serial,
            "scanned_at": self.scanned_at,
            "item": None if item is None else _item_json(item, self.history),
            "evidence": asdict(self.evidence) | {"notes": [translate(n) for n in self.evidence.notes]},
            "scan": str(self.scan_ref) if self.scan_ref else None,
        }


def _item_json(item: Item, history: list[dict]) -> dict:
    product = item.product
    return {
        "product": product.name,
        "brand": product.brand.name,
        "status": item.status,
        "lot": item.lot,
        "origin_country": item.origin_country,
        "registered_at": item.registered_at,
        "guide": {
            "genuine_features": product.genuine_features,
            "packaging": product.packaging,
            "made_in": product.made_in,
            "trade_routes": product.trade_routes,
            "contact": product.contact,
        },
        "rights_holder": {
            "name": product.brand.name,
            "email": product.brand.contact_email,
            "phone": product.brand.contact_phone,
            "website": product.brand.website,
        },
        "history": history,
    }


def clone_rules() -> CloneRules:
    return CloneRules(**settings.IPCHAIN_CLONE_RULES)


def verify_code(
    text: str,
    *,
    user=None,
    latitude: float | None = None,
    longitude: float | None = None,
    log: bool = True,
    scanned_at: datetime | None = None,
) -> Result:
    """The verdict on `text`, with its evidence; the scan is logged unless `log` is False.

    `scanned_at` is for scans made offline and sent later: the clone rules then compare
    sightings with the moment of the scan, and the log keeps both times."""
    try:
        code = parse_code(text)
    except DigitalLinkError as exc:
        raise VerifyError(exc.reason, str(exc)) from None
    scanner = scanner_for(user)
    if latitude is None or longitude is None:
        latitude, longitude = scanner.latitude, scanner.longitude  # the officer's customs office
    now = scanned_at or timezone.now()
    item, sightings = _find_item(code, now)
    if item is None:  # perhaps a peer office's item, from its mirrored log (docs/federation.md)
        from ipchain.federation.peer_items import verify_peer_item  # it builds on this module

        peer_result = verify_peer_item(code, now=now, scanner=scanner, latitude=latitude, longitude=longitude)
        if peer_result is not None:
            if log:
                from ipchain.federation.sightings import report_sighting

                where = (scanner, latitude, longitude, now)
                peer_result.scan_ref = _log(peer_result, text, *where, offline=scanned_at is not None)
                # The registering office learns of it through this node's log (sightings.py).
                report_sighting(peer_result, scanner, now=now)
            return peer_result
    facts = _facts(code, item, sightings, scanner, latitude, longitude)
    decision = decide(facts, clone_rules())
    result = Result(
        decision.verdict,
        decision.reasons,
        code,
        item,
        evidence_for(item.registration_entry if item else None),
        history=_history(item) if item else [],
        scanned_at=now,
    )
    if log:
        result.scan_ref = _log(
            result, text, scanner, latitude, longitude, now, offline=scanned_at is not None
        )
    return result


# The one query of every scan, in SQL: the item, its registration entry and its recent
# sightings (a row per sighting, at least one). Django's query compiler and model loading
# cost about 1.5 ms a query here, five times what the database takes, and each round trip
# to the database counts on a busy machine (bench/verify.py).
# Table names come from our own models; every value is a parameter.
_ITEM_SQL = (
    "SELECT i.id, i.lot, i.origin_country, i.status, i.key_id, i.label_sig, i.head_hash,"  # noqa: S608
    " i.registered_at, i.registration_entry_id, e.leaf_index, e.leaf_hash, e.submitted_at,"
    " s.latitude, s.longitude, s.created_at, s.trusted, s.customs_office"
    f" FROM {Item._meta.db_table} i JOIN {LogEntry._meta.db_table} e ON e.id = i.registration_entry_id"
    f" LEFT JOIN {Scan._meta.db_table} s ON s.item_id = i.id AND s.created_at >= %s"
    " WHERE i.product_id = %s AND i.serial = %s"
    f" ORDER BY s.created_at DESC LIMIT {SIGHTINGS_READ}"
)


def _find_item(code: ScannedCode, now: datetime) -> tuple[Item | None, tuple[Sighting, ...]]:
    """The item a code names, and where it was seen within the clone rules' window."""
    product = _products.get(code.gtin, _product)
    if product is None:
        return None, ()
    since = now - timedelta(seconds=settings.IPCHAIN_CLONE_RULES["window_seconds"])
    rows = _item_rows([since, product.pk, code.serial])
    if not rows:
        return None, ()
    pk, lot, origin, status, key_id, label_sig, head_hash, registered_at, entry_id, *rest = rows[0]
    leaf_index, leaf_hash, submitted_at = rest[:3]
    item = Item(
        pk=pk,
        product=product,
        serial=code.serial,
        lot=lot,
        origin_country=origin,
        status=status,
        key=_keys.get(key_id, lambda pk: OrgKey.objects.get(pk=pk)),
        label_sig=bytes(label_sig),
        head_hash=bytes(head_hash),
        registered_at=_aware(registered_at),
        registration_entry=LogEntry(
            pk=entry_id, leaf_index=leaf_index, leaf_hash=bytes(leaf_hash), submitted_at=_aware(submitted_at)
        ),
    )
    item._state.adding, item._state.db = False, "default"
    sightings = tuple(
        Sighting(lat, lon, abs((now - _aware(at)).total_seconds()), bool(trusted), office)
        for *_, lat, lon, at, trusted, office in rows
        if at is not None
    )
    return item, sightings


def unlinked_sightings(code: ScannedCode, now: datetime) -> tuple[Sighting, ...]:
    """Where a code naming no local item was seen within the clone rules' window: for a peer
    office's item, whose scans are logged with its GTIN and serial but no local item."""
    since = now - timedelta(seconds=settings.IPCHAIN_CLONE_RULES["window_seconds"])
    rows = (
        Scan.objects.filter(item__isnull=True, gtin=code.gtin, serial=code.serial, created_at__gte=since)
        .order_by("-created_at")
        .values_list("latitude", "longitude", "created_at", "trusted", "customs_office")[:SIGHTINGS_READ]
    )
    return tuple(
        Sighting(lat, lon, abs((now - at).total_seconds()), trusted, office)
        for lat, lon, at, trusted, office in rows
    )


def _item_rows(params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or not settings.IPCHAIN_VERIFY_PREPARED:
            cursor.execute(_ITEM_SQL, params)
            return cursor.fetchall()
        # Django binds values on the client, so PostgreSQL would plan this join afresh for
        # every scan: about half the database's CPU for a verification (bench/README.md).
        # As a prepared statement (psycopg's, on this connection; Django leaves the
        # connection's threshold unset, which turns them off) it gets a generic plan after
        # five runs. Only this cursor prepares: Django's own cursors bind on the client.
        raw = cursor.cursor.connection
        if raw.prepare_threshold is None:
            raw.prepare_threshold = 5
        with connection.wrap_database_errors, psycopg.Cursor(raw) as prepared:
            prepared.execute(_ITEM_SQL, params, prepare=True)
            return prepared.fetchall()


def _aware(moment: datetime) -> datetime:
    """SQLite hands raw queries naive datetimes; they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _product(gtin: str) -> Product | None:
    return Product.objects.select_related("brand").defer("description").filter(gtin=gtin).first()


def _facts(code: ScannedCode, item: Item | None, sightings, scanner: Scanner, latitude, longitude) -> Facts:
    signed = code.sig is not None and code.kid is not None
    if item is None:
        return Facts(
            item_found=False,
            code_signed=signed,
            signature_matches=None,
            signature_valid_for_unknown=signed and _signed_by_known_key(code),
        )
    matches = None
    if signed:
        matches = code.kid == item.key.kid and hmac.compare_digest(code.sig, bytes(item.label_sig))
    registered = item.registration_entry.submitted_at
    return Facts(
        item_found=True,
        code_signed=signed,
        signature_matches=matches,
        item_status=item.status,
        key_revoked_before_registration=not item.key.valid_at(registered),
        latitude=latitude,
        longitude=longitude,
        place=scanner.office,
        trusted=scanner.trusted,
        sightings=sightings,
    )


def _signed_by_known_key(code: ScannedCode) -> bool:
    """Only for codes naming no registered item: the one path that checks ECDSA online."""
    key = OrgKey.objects.filter(kid=code.kid).only("public_pem").first()
    return key is not None and PublicKey.from_pem(key.public_pem).verify(
        label_message(code.gtin, code.serial), code.sig
    )


def _history(item: Item) -> list[dict]:
    """The item's signed chain, registration first. An item whose head is still its
    registration has no later records, so most scans need no query for this."""
    entry = item.registration_entry
    history = [
        {
            "event": "registered",
            "time": item.registered_at,
            "by": item.product.brand.name,
            "ledger_index": entry.leaf_index,
        }
    ]
    if bytes(item.head_hash) == bytes(entry.leaf_hash):
        return history
    for kind, occurred_at, signer, index in item.events.order_by("recorded_at", "pk").values_list(
        "kind", "occurred_at", "signer__name", "entry__leaf_index"
    ):
        history.append({"event": kind, "time": occurred_at, "by": signer, "ledger_index": index})
    return history


def _log(
    result: Result, text: str, scanner: Scanner, latitude, longitude, now, *, offline: bool
) -> uuid.UUID:
    item = result.item
    ref = uuid.uuid4()
    scan = {  # a Scan's fields by attname: no model instance on the hot path (scanlog.py)
        "ref": ref,
        "created_at": now,
        "offline": offline,
        "received_at": timezone.now() if offline else None,
        "officer_id": scanner.user_id if scanner.trusted else None,
        "authority_id": scanner.authority_id if scanner.trusted else None,
        "customs_office": scanner.office if scanner.trusted else "",
        "trusted": scanner.trusted,
        "latitude": latitude,
        "longitude": longitude,
        "code": text[:1024],
        "gtin": result.code.gtin,
        "serial": result.code.serial,
        "item_id": item.pk if item is not None else None,
        "verdict": str(result.verdict),
        "reasons": [r.code for r in result.reasons],
    }
    scanlog.queue(scan, alert_fields(result, scanner, now))
    return ref


def alert_fields(result: Result, scanner: Scanner, now, *, offline: bool = False) -> dict | None:
    """The Alert a verdict raises for the rights holder of a local item, as field values; None
    when it raises none."""
    item = result.item
    if item is None or result.verdict not in ALERTING:
        return None
    where = scanner.office or ("an officer" if scanner.trusted else "a member of the public")
    if offline:
        where += ", offline scan"
    return {
        "brand_id": item.product.brand_id,
        "item": item,
        "kind": str(result.verdict),
        "message": f"{item}: {result.verdict} ({where}): " + "; ".join(map(str, result.reasons)),
        "created_at": now,
    }


class Remembered:
    """A small map of values read from the database, each reused for `seconds` (a setting
    read at use, times `factor`) by this process."""

    def __init__(self, factor: float):
        self.factor = factor
        self._values: dict = {}
        self._lock = threading.Lock()

    def get(self, key, read):
        found = self._values.get(key)
        if found is not None and self._fresh(found[0]):
            return found[1]
        value = read(key)
        self.put(key, value)
        return value

    def peek(self, key):
        """The value remembered for `key` if still fresh, else None."""
        found = self._values.get(key)
        return found[1] if found is not None and self._fresh(found[0]) else None

    def put(self, key, value) -> None:
        with self._lock:
            if len(self._values) > 10_000:
                self._values.clear()
            self._values[key] = (time.monotonic(), value)

    def _fresh(self, read_at: float) -> bool:
        return time.monotonic() - read_at < settings.IPCHAIN_VERIFY_CACHE_SECONDS * self.factor

    def clear(self, **kwargs) -> None:
        with self._lock:
            self._values.clear()


# A scan reads only the item and its sightings; what changes seldom is remembered briefly.
# Keys: a revocation is seen within IPCHAIN_VERIFY_CACHE_SECONDS. Products (the
# identification guide) and who an officer is: within 30 times that. A change made in
# this process is seen at once (the signals below).
_keys = Remembered(factor=1)
_products = Remembered(factor=30)
_scanners = Remembered(factor=30)


def scanner_for(user) -> Scanner:
    if not getattr(user, "is_authenticated", False):
        return Scanner()
    return _scanners.get(user.pk, _read_scanner)


def _read_scanner(user_id: int) -> Scanner:
    membership = (
        Membership.objects.filter(user_id=user_id)
        .values_list("organisation_id", "organisation__kind", "customs_office", "latitude", "longitude")
        .first()
    )
    if membership is None or membership[1] != "customs":
        return Scanner(user_id=user_id)
    authority, _, office, latitude, longitude = membership
    return Scanner(True, user_id, authority, office, latitude, longitude)


def forget() -> None:
    """Drop everything remembered (tests; a restored database)."""
    for remembered in (_keys, _products, _scanners):
        remembered.clear()


for model, remembered in ((Membership, _scanners), (Product, _products), (OrgKey, _keys)):
    post_save.connect(remembered.clear, sender=model, weak=False)
    post_delete.connect(remembered.clear, sender=model, weak=False)
