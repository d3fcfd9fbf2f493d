"""A verdict as it leaves the verifier: the decision, the item, its history and evidence, and
its JSON shape for customs systems (the pages render from the same shape)."""

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime

from ipchain.registry.digital_link import ScannedCode
from ipchain.registry.models import Item

from .evidence import Evidence
from .verdicts import Reason, Verdict

# Verdicts that tell the rights holder (an alert) and, for a peer office's item, its office.
ALERTING = frozenset({Verdict.SUSPECTED_CLONE, Verdict.FORGED, Verdict.STOLEN})


@dataclass
class Result:
    verdict: Verdict
    reasons: list[Reason]
    code: ScannedCode
    item: Item | None
    evidence: Evidence
    history: list[dict] = field(default_factory=list)
    scan_ref: uuid.UUID | None = None
    scanned_at: datetime | None = None
    # Distinct places the public scanned this item from within the clone window, when that is
    # unusual (verdicts.unusual_public_pattern): an alert for the holder, never a verdict.
    public_places: int = 0

    @property
    def alerting(self) -> bool:
        return self.verdict in ALERTING

    def as_json(self, translate=str, *, inside: bool = False, guide: bool = True) -> dict:
        """The verdict as JSON; `translate` renders each reason's text. Only `inside` readers
        (customs, the office, the item's rights holder: audiences.py) get the guide, the
        contacts and the history; everyone gets the verdict, the product and its brand."""
        item = self.item
        return {
            "verdict": str(self.verdict),
            "reasons": [{"code": r.code, "text": translate(r)} for r in self.reasons],
            "gtin": self.code.gtin,
            "serial": self.code.serial,
            "scanned_at": self.scanned_at,
            "item": None if item is None else item_json(item, self.history, inside=inside, guide=guide),
            "evidence": asdict(self.evidence) | {"notes": [translate(n) for n in self.evidence.notes]},
            "scan": str(self.scan_ref) if self.scan_ref else None,
        }


def item_json(item: Item, history: list[dict], *, inside: bool, guide: bool = True) -> dict:
    product = item.product
    public = {
        "product": product.name,
        "brand": product.brand.name,
        "status": item.status,
        "registered_at": item.registered_at,
        "rights_holder": {"name": product.brand.name, "website": product.brand.website},
    }
    if not inside:
        return public
    if not guide:
        # An officer whose authority the holder does not share its knowledge with: the
        # history, not the guide or the contacts (docs/enforcement.md).
        return public | {
            "lot": item.lot,
            "origin_country": item.origin_country,
            "guide": None,
            "guide_shared": False,
            "history": [_history_json(step) for step in history],
        }
    return public | {
        "guide_shared": True,
        "lot": item.lot,
        "origin_country": item.origin_country,
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
        "history": [_history_json(step) for step in history],
    }


def _history_json(step: dict) -> dict:
    # The verdict's history keeps its established fields (docs/verifier.md); details stay in
    # the portal and the items API.
    return {key: step[key] for key in ("event", "time", "by", "ledger_index")}
