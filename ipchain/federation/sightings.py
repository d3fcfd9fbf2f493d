"""Telling a rights holder on another node that customs found its item suspect.

An officer here scans an item a peer office registered and gets forged, stolen or a
suspected clone. This node's customs authority then signs a `customs.sighting` record and
appends it to this node's log. The registering office mirrors this log (docs/federation.md),
finds the record naming one of its items, checks the authority's signature with the key
this node's log admitted for it, and raises the same alert a local scan would. Nothing but
the logs passes between the offices: the record is public, signed and kept for good.
"""

import logging
from datetime import datetime

from ipchain.accounts.models import Organisation
from ipchain.errors import DomainError
from ipchain.ledger import log
from ipchain.ledger.models import LogEntry
from ipchain.registry import records
from ipchain.registry.keys import signing_key
from ipchain.registry.models import Item
from ipchain.registry.signing import sign_record
from verifier import recorder
from verifier.models import Alert
from verifier.results import ALERTING, Result
from verifier.scanners import Scanner

from . import peer_keys as peer_key_cache
from .models import Peer
from .peer_items import PeerResult
from .peer_keys import parse_time, record_of

logger = logging.getLogger(__name__)


def report_sighting(result: Result, scanner: Scanner, *, now: datetime) -> LogEntry | None:
    """Append the sighting of a peer's item to this node's log, when an officer's verdict
    would alert a local rights holder. Returns the entry, or None when there is nothing to say.
    An alert hook of the verifier (apps.py), told of every alerting verdict."""
    if not isinstance(result, PeerResult) or not scanner.trusted or result.verdict not in ALERTING:
        return None
    authority = Organisation.objects.filter(pk=scanner.authority_id).first()
    if authority is None:
        return None
    try:
        _key, private = signing_key(authority)
    except DomainError:
        logger.warning(
            "customs authority %s has no node-held key: sighting not reported; give it one with "
            "`manage.py ipchain_add_customs_authority --slug %s --key`",
            authority.slug,
            authority.slug,
        )
        return None
    record = records.customs_sighting_record(
        gtin=result.code.gtin,
        serial=result.code.serial,
        verdict=str(result.verdict),
        reasons=[reason.code for reason in result.reasons],
        by=authority.slug,
        office=scanner.office,
        registry=result.registered_by["origin"],
        moment=now,
    )
    return log.append(sign_record(record, private))


def alert_holders(peer: Peer, sightings: list[tuple[int, bytes]]) -> int:
    """Alerts for this node's rights holders from `customs.sighting` entries just mirrored from
    `peer` ((leaf index, body) each); called once per entry, in the mirror's transaction.
    Returns the number of alerts raised."""
    if not sightings:
        return 0
    peer_key_cache.forget()  # a key registered in the same batch must count
    keys = peer_key_cache.peer_keys(peer)
    raised = 0
    for index, body in sightings:
        try:
            record = record_of(body)
            item = (
                Item.objects.select_related("product__brand")
                .filter(product__gtin=record["gtin"], serial=record["serial"])
                .first()
            )
            if item is None:
                continue  # another office's item, or none
            keys.signer(record, index)
            verdict = str(record["verdict"])
            if verdict not in {str(v) for v in ALERTING}:
                raise ValueError(f"verdict {verdict!r} raises no alert")
        except (DomainError, ValueError, KeyError, TypeError) as exc:
            logger.warning("sighting in %s's log (entry %d) ignored: %s", peer.name, index, exc)
            continue
        authority = keys.org_names.get(record["by"], record["by"])
        where = f"{record.get('office') or authority}, {authority} ({peer.name})"
        reasons = ", ".join(str(r) for r in record.get("reasons", []))
        recorder.raise_alert(
            Alert.Kind(verdict),
            brand=item.product.brand,
            item=item,
            message=f"{item}: {verdict} at another office's border: {where};"
            f" entry {index} of its log: {reasons}",
            created_at=parse_time(record["time"]),
        )
        raised += 1
    return raised
