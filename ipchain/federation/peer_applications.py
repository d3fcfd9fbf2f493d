"""Applications for action across offices (Reg. 608/2013 Art. 4: a Union application names the
customs authorities of several member states).

A rights holder here names a peer office's customs authorities in its application. Each
peer office admits its authorities in its log (`org.admitted` with `kind: customs`:
registry/authorities.py), so this node knows their names from its mirror (`known_authorities`).
The application's `afa.filed` record lists them as `peer_authorities` ({registry, org}).

In the other direction, when customs here detain goods of a peer's rights holder
(peer_holders.py), the peer's log is read for an application that names this node's
authority and that the peer's competent department granted and has not ended (`covering`).
Each record counts only under the key the peer's log admitted for its signer: the holder (or
the peer office) for the filing, the competent authority for its decisions, the peer office
for the rules' firings.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings

from ipchain.errors import DomainError
from ipchain.registry import records
from ipchain.registry.signing import verify_record

from .models import MirroredEntry, Peer
from .peer_keys import PeerKeys, peer_keys, record_of

logger = logging.getLogger(__name__)

GRANTED = ("granted", "partly_granted")
ENDINGS = (records.AFA_SUSPENDED, records.AFA_REVOKED, records.AFA_EXPIRED, records.AFA_ENDED)


@dataclass(frozen=True)
class PeerAuthority:
    registry: str  # the peer log's origin
    org: str  # the authority's identifier in that log
    name: str
    office: str  # the peer's name here

    @property
    def key(self) -> str:
        """One string naming it, for a form's choice."""
        return f"{self.registry} {self.org}"

    def as_record(self) -> dict:
        return {"registry": self.registry, "org": self.org}


def known_authorities() -> list[PeerAuthority]:
    """The customs authorities the offices this node mirrors admitted, by office and name."""
    found = []
    for peer in Peer.objects.filter(mirror_its_log=True).order_by("name"):
        keys = peer_keys(peer)
        for slug, kind in keys.org_kinds.items():
            if kind == "customs":
                found.append(PeerAuthority(peer.origin, slug, keys.org_names.get(slug, slug), peer.name))
    return sorted(found, key=lambda a: (a.office, a.name, a.org))


@dataclass
class _Application:
    ref: str
    authorities: tuple = ()  # the peer's own, the competent department among them
    small_rights: tuple = ()  # those it asked the small-consignment procedure for
    decision: str = ""
    granted: tuple = ()
    valid_until: date | None = None
    ended_on: date | None = None


def covering(*, authority, holder, small_consignment: bool, on: datetime) -> tuple[str, bool] | None:
    """The reference of the application in force on `on`, filed at the holder's own office
    (`holder.home_office`), that asks `authority` (this node's) to act; and whether it asked
    for the small-consignment procedure. None when there is none."""
    peer = Peer.objects.filter(origin=holder.home_office, mirror_its_log=True).first()
    if peer is None:
        return None
    keys = peer_keys(peer)
    ours = {"registry": settings.IPCHAIN_LOG_ORIGIN, "org": authority.slug}
    found: dict[str, _Application] = {}
    rows = (
        MirroredEntry.objects.filter(peer=peer, kind__in=records.AFA_TYPES)
        .order_by("leaf_index")
        .values_list("leaf_index", "body")
    )
    for index, body in rows.iterator(chunk_size=2000):
        try:
            record = record_of(body)
            _apply(found, record, index, keys, holder=holder.home_slug, ours=ours)
        except (DomainError, ValueError, KeyError, TypeError) as exc:
            logger.warning("application record in %s's log (entry %d) ignored: %s", peer.name, index, exc)
    today = on.date()
    best = None
    for application in found.values():
        in_force = (
            application.decision in GRANTED
            and application.valid_until is not None
            and application.valid_until >= today
            and (application.ended_on is None or application.ended_on > today)
        )
        if not in_force:
            continue
        small = small_consignment and any(r in application.granted for r in application.small_rights)
        rank = (small, application.valid_until, application.ref)
        if best is None or rank > best[0]:
            best = (rank, (application.ref, small))
    return best[1] if best else None


def _apply(found: dict, record: dict, index: int, keys: PeerKeys, *, holder: str, ours: dict) -> None:
    kind, ref = record["type"], record["afa"]
    if kind == records.AFA_FILED:
        if record.get("holder") != holder or ours not in record.get("peer_authorities", []):
            return
        _filed_by_holder(record, index, keys)
        found[ref] = _Application(
            ref,
            authorities=tuple(record.get("authorities", [])),
            small_rights=tuple(record.get("small_consignments", [])),
        )
        return
    application = found.get(ref)
    if application is None:
        return  # not an application of this holder naming us
    if kind in (records.AFA_EXPIRED, records.AFA_ENDED):
        office = keys.office_key(record.get("kid"), index)
        if office is None:
            raise ValueError("a rule's firing not signed by the peer office's key")
        verify_record(record, office.public_key)
    else:
        if record["by"] not in application.authorities:
            raise ValueError(f"decided by {record['by']!r}, not an authority the application names")
        keys.signer(record, index)  # that authority's key
    if kind == records.AFA_DECIDED:
        application.decision = record["decision"]
        application.granted = tuple(record.get("rights", []))
        application.valid_until = (
            date.fromisoformat(record["valid_until"]) if record.get("valid_until") else None
        )
    elif kind == records.AFA_EXTENDED:
        application.valid_until = date.fromisoformat(record["valid_until"])
    elif kind in ENDINGS:
        ended = date.fromisoformat(record["effective_date"])
        application.ended_on = min(application.ended_on or ended, ended)


def _filed_by_holder(record: dict, index: int, keys: PeerKeys) -> None:
    key = keys.keys.get(record.get("kid"))
    if key is None or (key.org != record["holder"] and key.org != keys.office):
        raise ValueError("a filing not signed by its holder's key or the peer office's")
    if key.revoked_index is not None and index > key.revoked_index:
        raise ValueError(f"signed with key {key.kid} after its revocation")
    verify_record(record, key.public_key)
