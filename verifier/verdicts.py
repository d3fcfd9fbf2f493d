"""The verdict on a scanned label, decided from facts alone. Pure: no Django, no I/O.

The facts are gathered elsewhere (verification.py); this module only says what they mean, so
every rule can be read and tested in one place. Each reason is a code with an English
template and its values; the interface translates the template (the templates are marked
for Django's makemessages by the local `gettext_noop`, which only returns its argument).
"""

from dataclasses import dataclass, field
from enum import StrEnum
from math import asin, cos, radians, sin, sqrt

from ipchain.registry.right_rules import in_territory


class Verdict(StrEnum):
    GENUINE = "genuine"
    # The item is registered, but the code carried no label signature (typed, or a plain QR
    # code): nothing shows the label is the rights holder's. Never "genuine".
    REGISTERED = "registered"
    UNKNOWN = "unknown"
    FORGED = "forged"
    REVOKED = "revoked"
    RECALLED = "recalled"
    STOLEN = "stolen"
    DESTROYED = "destroyed"
    SUSPECTED_CLONE = "suspected_clone"


def gettext_noop(text: str) -> str:
    return text


REASON_TEXT = {
    "forged_unknown": gettext_noop("no such item, and the label's signature is not from a registered key"),
    "unknown_signed": gettext_noop(
        "the label is signed by a registered brand key, but no such item was registered"
    ),
    "unknown": gettext_noop("no item with this GTIN and serial is registered"),
    "signature_mismatch": gettext_noop("the label's signature is not the one registered for this item"),
    "revoked": gettext_noop("registered with a key that had been revoked (compromised) before"),
    "status": gettext_noop("recorded by the rights holder: %(status)s"),
    "travel": gettext_noop("seen %(km)s km away %(hours)s h ago (%(place)s): %(speed)s km/h"),
    "places": gettext_noop("seen at %(places)s different places within %(days)s days"),
    "registered": gettext_noop("registered by the rights holder"),
    "signature_matches": gettext_noop("label signature matches the registered one"),
    "unsigned": gettext_noop("typed or unsigned code: the label itself was not checked"),
    # What the label stands on (ipchain/registry/right_rules.py standing, docs/rules.md).
    "right_lapsed": gettext_noop("signed when no IP right protecting the product was in force"),
    "not_right_holder": gettext_noop(
        "signed by a company that did not hold the IP right protecting the product at the time"
    ),
    "outside_licence": gettext_noop("signed outside the term of the licence it relies on"),
    "no_right": gettext_noop("no IP right protecting the product is on record"),
    "licensed": gettext_noop("made under licence from %(licensor)s, for %(territory)s"),
    "outside_territory": gettext_noop("made under licence for %(territory)s only, and found in %(country)s"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    values: dict = field(default_factory=dict)

    @property
    def template(self) -> str:
        return REASON_TEXT[self.code]

    def __str__(self) -> str:
        return self.template % self.values if self.values else self.template


@dataclass(frozen=True)
class Sighting:
    """Where and when an item was seen before, and whether an officer saw it."""

    latitude: float | None
    longitude: float | None
    seconds_ago: float
    trusted: bool
    place: str = ""


@dataclass(frozen=True)
class Facts:
    item_found: bool
    code_signed: bool  # the code carried a key id and a signature
    signature_matches: bool | None  # the code's signature is the registered label's (None: not checked)
    signature_valid_for_unknown: bool = False  # no item, but a registered key signed this label
    item_status: str = "active"
    key_revoked_before_registration: bool = False
    latitude: float | None = None
    longitude: float | None = None
    place: str = ""
    trusted: bool = True  # this scan is a signed-in officer's
    sightings: tuple[Sighting, ...] = ()
    right_standing: str = ""  # "" or why the label stands on no live right (Item.right_standing)
    licensor: str = ""  # the label was signed under a licence from this rights holder
    territory: tuple[str, ...] = ()  # the licence's territory (WIPO ST.3 codes)
    scan_country: str = ""  # where an officer scans (their authority's country)


@dataclass(frozen=True)
class CloneRules:
    max_places: int = 3  # distinct places within the window before it looks like a clone
    window_seconds: float = 7 * 86400
    max_speed_kmh: float = 900.0  # faster than an airliner between two sightings
    same_place_km: float = 25.0
    # Public scans never count for a clone; this many distinct places of them within the
    # window is worth telling the rights holder (an alert, no verdict changes).
    public_places_alert: int = 10


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reasons: list[Reason] = field(default_factory=list)


def decide(facts: Facts, rules: CloneRules = CloneRules()) -> Decision:
    if not facts.item_found:
        if facts.signature_valid_for_unknown:
            return Decision(Verdict.UNKNOWN, [Reason("unknown_signed")])
        if facts.code_signed:
            # Decided: a signature no registered key made is a forgery, not a mere unknown.
            return Decision(Verdict.FORGED, [Reason("forged_unknown")])
        return Decision(Verdict.UNKNOWN, [Reason("unknown")])
    if facts.code_signed and facts.signature_matches is False:
        return Decision(Verdict.FORGED, [Reason("signature_mismatch")])
    if facts.key_revoked_before_registration:
        return Decision(Verdict.REVOKED, [Reason("revoked")])
    if facts.right_standing:
        # Decided: a label signed without a live right behind it is no longer the rights
        # holder's promise: "revoked", the verdict for a label that does not hold.
        return Decision(Verdict.REVOKED, [Reason(facts.right_standing)])
    licence = []
    if facts.licensor:
        territory = {"territory": ", ".join(facts.territory), "licensor": facts.licensor}
        if facts.trusted and facts.scan_country and not in_territory(facts.scan_country, facts.territory):
            values = territory | {"country": facts.scan_country}
            return Decision(Verdict.REVOKED, [Reason("outside_territory", values)])
        licence = [Reason("licensed", territory)]
    status = {
        "stolen": Verdict.STOLEN,
        "destroyed": Verdict.DESTROYED,
        "decommissioned": Verdict.DESTROYED,
        "recalled": Verdict.RECALLED,
    }.get(facts.item_status)
    if status is not None:
        return Decision(status, [Reason("status", {"status": facts.item_status})])
    clone = clone_reasons(facts, rules)
    if clone:
        return Decision(Verdict.SUSPECTED_CLONE, clone)
    if not facts.code_signed:
        # Decided: only a label signature proves a label; a counterfeiter can print a plain QR
        # code of a real serial. The officer compares the goods with the guide.
        return Decision(Verdict.REGISTERED, [Reason("registered"), *licence, Reason("unsigned")])
    return Decision(Verdict.GENUINE, [Reason("registered"), *licence, Reason("signature_matches")])


def clone_reasons(facts: Facts, rules: CloneRules) -> list[Reason]:
    """Too many places for one item, or two places too far apart for the time between.

    Only customs officers' sightings count, this scan's included only when an officer makes
    it: a position anyone else sends cannot be checked, so no number of public scans can make
    a genuine item a clone, for anyone (decided; public scans are watched apart:
    unusual_public_pattern). Sightings within `same_place_km` are one place.
    """
    recent = [s for s in facts.sightings if s.trusted and s.seconds_ago <= rules.window_seconds]
    here = (facts.latitude, facts.longitude) if facts.trusted else (None, None)
    places: list[tuple[float, float]] = []
    if None not in here:
        places.append(here)
    reasons = []
    for sighting in recent:
        if sighting.latitude is None or sighting.longitude is None:
            continue
        point = (sighting.latitude, sighting.longitude)
        if all(distance_km(known, point) > rules.same_place_km for known in places):
            places.append(point)
        if reasons or None in here or sighting.seconds_ago <= 0:
            continue  # one impossible journey is enough to say so
        km = distance_km(here, point)
        speed = km / (sighting.seconds_ago / 3600)
        if km > rules.same_place_km and speed > rules.max_speed_kmh:
            values = {
                "km": f"{km:,.0f}",
                "hours": f"{sighting.seconds_ago / 3600:.1f}",
                "place": sighting.place or "?",
                "speed": f"{speed:,.0f}",
            }
            reasons.append(Reason("travel", values))
    if len(places) > rules.max_places:
        days = f"{rules.window_seconds / 86400:.0f}"
        reasons.append(Reason("places", {"places": len(places), "days": days}))
    return reasons


def unusual_public_pattern(facts: Facts, rules: CloneRules) -> int:
    """How many distinct places the public scanned this item from within the window, this scan
    included, when that is `public_places_alert` or more (else 0): a pattern the rights holder
    may want to know of (many copies of a label in circulation), which changes no verdict."""
    if facts.trusted:
        return 0
    points = [
        (s.latitude, s.longitude)
        for s in facts.sightings
        if not s.trusted and s.seconds_ago <= rules.window_seconds
    ]
    points.append((facts.latitude, facts.longitude))
    places: list[tuple[float, float]] = []
    for point in points:
        if None in point:
            continue
        if all(distance_km(known, point) > rules.same_place_km for known in places):
            places.append(point)
    return len(places) if len(places) >= rules.public_places_alert else 0


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) on a 6,371 km sphere."""
    lat1, lon1, lat2, lon2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * asin(sqrt(h))
