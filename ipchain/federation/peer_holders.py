"""Detention cases on goods a peer office registered: whose they are here, and telling them.

Customs here detain goods whose code names a product registered at a peer office, not here.
The case needs a rights holder: the organisation the peer's log registered the goods for,
made here once, pending admission, and marked as the peer's (`Organisation.home_office`,
`home_slug`). It runs ex officio (EU Regulation 608/2013 Art. 18), since no application for
action here can cover a holder unknown here.

The person entitled is told through the logs, as sightings are (sightings.py): the case's
`customs.case` record names the registering office and the holder's identifier there; that
office mirrors this log, checks the authority's signature and alerts its holder, which has
its period to file an application with this node's customs (docs/enforcement.md).
"""

import logging

from django.db import IntegrityError, transaction

from ipchain.accounts.models import Organisation
from ipchain.errors import DomainError
from ipchain.registry.holders import free_identifier
from ipchain.registry.models import Item
from ipchain.registry.records import ITEM_REGISTERED
from verifier import recorder
from verifier.models import Alert
from verifier.plugins import PeerHolder

from .models import MirroredEntry, Peer
from .peer_keys import parse_time, peer_keys, record_of

logger = logging.getLogger(__name__)

# How many of a GTIN's registrations to try before concluding none is vouched for.
TRIED = 20


def holder_of(gtin: str, serial: str = "", *, make: bool = False) -> PeerHolder | None:
    """The rights holder whose item (or, without a serial, whose product) a mirrored peer log
    registered, by a registration signed with a key that log admitted for that holder; with
    `make`, with its organisation here."""
    rows = MirroredEntry.objects.filter(kind=ITEM_REGISTERED, gtin=gtin, peer__mirror_its_log=True)
    if serial:
        # The item's own registration first, else another of its product's.
        found = _vouched(rows.filter(serial=serial)) or _vouched(rows.exclude(serial=serial))
    else:
        found = _vouched(rows)
    if found is None:
        return None
    peer, brand = found
    name = peer_keys(peer).org_names.get(brand, brand)
    return PeerHolder(name=name, office=peer.name, holder=holder_for(peer, brand) if make else None)


def _vouched(rows) -> tuple[Peer, str] | None:
    for entry in rows.select_related("peer").order_by("peer__name", "leaf_index")[:TRIED]:
        try:
            record = record_of(entry.body)
            peer_keys(entry.peer).brand_key(record)
        except (DomainError, ValueError, KeyError, TypeError) as exc:
            logger.info("registration %d in %s's log not vouched for: %s", entry.leaf_index, entry.peer, exc)
            continue
        return entry.peer, record["brand"]
    return None


def holder_for(peer: Peer, brand: str) -> Organisation:
    """This node's organisation for the rights holder `brand` of the peer's log: made once,
    pending admission, with the name and country the peer's office admitted it under."""
    found = Organisation.objects.filter(home_office=peer.origin, home_slug=brand).first()
    if found is not None:
        return found
    keys = peer_keys(peer)
    name = keys.org_names.get(brand, brand)
    try:
        with transaction.atomic():
            return Organisation.objects.create(
                kind=Organisation.Kind.BRAND,
                slug=free_identifier(name, fallback="holder"),
                name=name,
                country=keys.org_countries.get(brand, ""),
                home_office=peer.origin,
                home_slug=brand,
            )
    except IntegrityError:  # made meanwhile by another request
        return Organisation.objects.get(home_office=peer.origin, home_slug=brand)


def alert_holders_of_cases(peer: Peer, entries: list[tuple[int, bytes]], *, origin: str) -> int:
    """Alerts for this node's rights holders from `customs.case` records just mirrored from
    `peer` ((leaf index, body) each) that name this node's log (`origin`) as where the goods
    were registered. Returns the number of alerts raised."""
    keys = None
    raised = 0
    for index, body in entries:
        try:
            record = record_of(body)
            if record.get("registry") != origin or record.get("outcome") != "detained":
                continue
            holder = Organisation.objects.filter(
                slug=record["holder"], kind=Organisation.Kind.BRAND, home_office=""
            ).first()
            if holder is None:
                raise ValueError(f"names {record['holder']!r}, no rights holder here")
            keys = keys or peer_keys(peer)
            keys.signer(record, index)
        except (DomainError, ValueError, KeyError, TypeError) as exc:
            logger.warning("case record in %s's log (entry %d) ignored: %s", peer.name, index, exc)
            continue
        item = None
        if record.get("serial"):
            item = Item.objects.filter(
                product__brand=holder, product__gtin=record.get("gtin", ""), serial=record["serial"]
            ).first()
        authority = keys.org_names.get(record["by"], record["by"])
        where = f"{record.get('office') or authority}, {authority} ({peer.name})"
        goods = ", ".join(record.get("gtins") or []) or "goods of your IP rights"
        if record.get("afa"):
            ask = (
                f"detained under your application {record['afa']} at {where}: tell {authority} in"
                " writing, within your period, whether they are counterfeit"
            )
        else:
            ask = (
                f"detained ex officio at {where}: file an application for action with {authority}"
                " within its period, or the goods are released"
            )
        recorder.raise_alert(
            Alert.Kind.DETAINED,
            brand=holder,
            item=item,
            message=f"{record.get('quantity', '?')} {record.get('unit', '')} of {goods} {ask};"
            f" entry {index} of its log, case {record['case_commitment'][:16]}",
            created_at=parse_time(record["time"]),
        )
        raised += 1
    return raised
