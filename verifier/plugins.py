"""Where apps above the verifier plug in, so that the verifier imports none of them.

An app registers in its AppConfig.ready (federation does: docs/architecture.md):
- an item source: asked, in the order registered, about a code naming no item held here;
  the first that knows the item answers with its verdict (a Result);
- an alert hook: told of every recorded verdict that alerts (results.ALERTING), after the
  scan is logged, with the scanner and the moment of the scan;
- trust-list keys: more keys for the offline trust list (each a dict as trustlist.py lays
  out its own);
- trust-list witnesses: the witnesses whose cosignatures of this log a phone can check
  offline (each {"name", "vkey"}), for the proof page;
- a case cover: asked, when customs detain goods, which application for action covers them
  (enforcement does: its answer sets the case's procedure, docs/enforcement.md);
- a guide gate: asked whether a customs authority sees a rights holder's identification
  guides (enforcement: the holder shares them, or an application names the authority);
- officer notices: what an officer should have in mind at the border (enforcement: the
  rights holders' risk alerts), shown on the verifier's home and the case form;
- a peer holder source: asked, when customs detain goods whose code names no product here,
  whose they are (federation: the rights holder that registered them at a peer office).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

ItemSource = Callable[..., object]  # (code, *, scanner, latitude, longitude, now) -> Result | None
AlertHook = Callable[..., None]  # (result, scanner, *, now) -> None
TrustListKeys = Callable[[], list[dict]]
TrustListWitnesses = Callable[[], list[dict]]


@dataclass(frozen=True)
class Cover:
    """An application for action covering detained goods: its reference, the rights of the
    goods it was granted for, and whether it asked for the small-consignment procedure."""

    application_ref: str
    rights: tuple
    small_consignment: bool


# (authority, holder, rights, *, small_consignment, on) -> Cover | None
CaseCover = Callable[..., Cover | None]

_item_sources: list[ItemSource] = []
_alert_hooks: list[AlertHook] = []
_trust_list_keys: list[TrustListKeys] = []
_trust_list_witnesses: list[TrustListWitnesses] = []
_case_covers: list[CaseCover] = []
GuideGate = Callable[[int | None, int], bool]  # (authority id, holder id) -> shared?
_guide_gates: list[GuideGate] = []


def add_item_source(source: ItemSource) -> None:
    if source not in _item_sources:
        _item_sources.append(source)


def add_alert_hook(hook: AlertHook) -> None:
    if hook not in _alert_hooks:
        _alert_hooks.append(hook)


def add_trust_list_keys(provider: TrustListKeys) -> None:
    if provider not in _trust_list_keys:
        _trust_list_keys.append(provider)


_trust_list_logs: list[TrustListWitnesses] = []


def add_trust_list_logs(provider: TrustListWitnesses) -> None:
    if provider not in _trust_list_logs:
        _trust_list_logs.append(provider)


def more_trust_list_logs() -> list[dict]:
    return [log for provider in _trust_list_logs for log in provider()]


def add_trust_list_witnesses(provider: TrustListWitnesses) -> None:
    if provider not in _trust_list_witnesses:
        _trust_list_witnesses.append(provider)


def answer_from_sources(code, *, scanner, latitude, longitude, now: datetime):
    """The verdict of the first registered source that knows the code's item, or None."""
    for source in _item_sources:
        result = source(code, scanner=scanner, latitude=latitude, longitude=longitude, now=now)
        if result is not None:
            return result
    return None


def tell_alert_hooks(result, scanner, *, now: datetime) -> None:
    for hook in _alert_hooks:
        hook(result, scanner, now=now)


def more_trust_list_keys() -> list[dict]:
    return [key for provider in _trust_list_keys for key in provider()]


def more_trust_list_witnesses() -> list[dict]:
    return [witness for provider in _trust_list_witnesses for witness in provider()]


def add_case_cover(cover: CaseCover) -> None:
    if cover not in _case_covers:
        _case_covers.append(cover)


def case_cover(authority, holder, rights, *, small_consignment: bool, on: datetime):
    """The first registered answer to which application for action covers detained goods."""
    for cover in _case_covers:
        found = cover(authority, holder, rights, small_consignment=small_consignment, on=on)
        if found is not None:
            return found
    return None


def add_guide_gate(gate: GuideGate) -> None:
    if gate not in _guide_gates:
        _guide_gates.append(gate)


def guide_shared(authority_id: int | None, holder_id: int) -> bool:
    """Whether every registered gate lets this customs authority see the holder's guides (with
    none registered, customs see them all, as before sharing existed)."""
    return all(gate(authority_id, holder_id) for gate in _guide_gates)


OfficerNotices = Callable[..., list[dict]]  # (user) -> [{"holder", "title", ...}]
_officer_notices: list[OfficerNotices] = []


def add_officer_notices(provider: OfficerNotices) -> None:
    if provider not in _officer_notices:
        _officer_notices.append(provider)


def officer_notices(user) -> list[dict]:
    return [notice for provider in _officer_notices for notice in provider(user)]


@dataclass(frozen=True)
class PeerHolder:
    """The rights holder of goods registered at a peer office: its name, the office's, and its
    organisation here (pending admission, made for a case: accounts.Organisation.home_office),
    None when not asked to make it."""

    name: str
    office: str
    holder: object = None


PeerHolderSource = Callable[..., PeerHolder | None]  # (gtin, serial, *, make) -> PeerHolder | None
_peer_holder_sources: list[PeerHolderSource] = []


def add_peer_holder_source(source: PeerHolderSource) -> None:
    if source not in _peer_holder_sources:
        _peer_holder_sources.append(source)


def peer_holder(gtin: str, serial: str = "", *, make: bool = False) -> PeerHolder | None:
    """The first registered answer to whose goods a code names, when no product here has its
    GTIN; with `make`, its organisation here is made if need be (to open a case)."""
    if not gtin:
        return None
    for source in _peer_holder_sources:
        found = source(gtin, serial, make=make)
        if found is not None:
            return found
    return None
