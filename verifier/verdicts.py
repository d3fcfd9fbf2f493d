"""The verdict on a scanned label, decided from facts alone. Pure: no Django, no I/O.

The facts are gathered elsewhere (checks.py); this module only says what they mean, so
every rule can be read and tested in one place.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from math import asin, cos, radians, sin, sqrt


class Verdict(StrEnum):
    GENUINE = "genuine"
    UNKNOWN = "unknown"
    FORGED = "forged"
    REVOKED = "revoked"
    RECALLED = "recalled"
    STOLEN = "stolen"
    DESTROYED = "destroyed"
    SUSPECTED_CLONE = "suspected_clone"


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
    sightings: tuple[Sighting, ...] = ()


@dataclass(frozen=True)
class CloneRules:
    max_places: int = 3  # distinct places within the window before it looks like a clone
    window_seconds: float = 7 * 86400
    max_speed_kmh: float = 900.0  # faster than an airliner between two sightings
    public_weight: float = 0.25  # an anonymous sighting counts this much of an officer's
    same_place_km: float = 25.0


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reasons: list[str] = field(default_factory=list)


def decide(facts: Facts, rules: CloneRules = CloneRules()) -> Decision:
    if not facts.item_found:
        if facts.code_signed and not facts.signature_valid_for_unknown:
            return Decision(
                Verdict.FORGED, ["no such item, and the label's signature is not from a registered key"]
            )
        if facts.signature_valid_for_unknown:
            return Decision(
                Verdict.UNKNOWN,
                ["the label is signed by a registered brand key, but no such item was registered"],
            )
        return Decision(Verdict.UNKNOWN, ["no item with this GTIN and serial is registered"])
    if facts.code_signed and facts.signature_matches is False:
        return Decision(Verdict.FORGED, ["the label's signature is not the one registered for this item"])
    if facts.key_revoked_before_registration:
        return Decision(Verdict.REVOKED, ["registered with a key that had been revoked (compromised) before"])
    status = {
        "stolen": Verdict.STOLEN,
        "destroyed": Verdict.DESTROYED,
        "decommissioned": Verdict.DESTROYED,
        "recalled": Verdict.RECALLED,
    }.get(facts.item_status)
    if status is not None:
        return Decision(status, [f"the rights holder reported this item {facts.item_status}"])
    clone = clone_reasons(facts, rules)
    if clone:
        return Decision(Verdict.SUSPECTED_CLONE, clone)
    reasons = ["registered by the rights holder"]
    reasons.append(
        "label signature matches the registered one"
        if facts.code_signed
        else "typed or unsigned code: the label itself was not checked"
    )
    return Decision(Verdict.GENUINE, reasons)


def clone_reasons(facts: Facts, rules: CloneRules) -> list[str]:
    """Too many places for one item, or two places too far apart for the time between."""
    recent = [s for s in facts.sightings if s.seconds_ago <= rules.window_seconds]
    reasons = []
    here = (facts.latitude, facts.longitude)
    places: list[tuple[tuple[float, float], float]] = []
    if None not in here:
        places.append((here, 1.0))
    for sighting in recent:
        if sighting.latitude is None or sighting.longitude is None:
            continue
        point = (sighting.latitude, sighting.longitude)
        weight = 1.0 if sighting.trusted else rules.public_weight
        for i, (known, known_weight) in enumerate(places):
            if distance_km(known, point) <= rules.same_place_km:
                places[i] = (known, max(known_weight, weight))
                break
        else:
            places.append((point, weight))
        if None not in here and sighting.trusted and sighting.seconds_ago > 0:
            km = distance_km(here, point)
            speed = km / (sighting.seconds_ago / 3600)
            if km > rules.same_place_km and speed > rules.max_speed_kmh:
                hours, where = sighting.seconds_ago / 3600, sighting.place or "another post"
                reasons.append(f"seen {km:,.0f} km away {hours:.1f} h ago ({where}): {speed:,.0f} km/h")
    weighted = sum(weight for _, weight in places)
    if weighted > rules.max_places:
        reasons.append(
            f"seen at {len(places)} different places within {rules.window_seconds / 86400:.0f} days"
        )
    return reasons


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) on a 6,371 km sphere."""
    lat1, lon1, lat2, lon2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * asin(sqrt(h))
