"""The pure decision: each verdict, its precedence, and clone detection."""

import re

import pytest

from verifier.verdicts import CloneRules, Facts, Sighting, Verdict, decide, distance_km

ROTTERDAM, HAMBURG, SHANGHAI = (51.95, 4.03), (53.54, 9.98), (31.23, 121.47)


def facts(**kw):
    return Facts(**({"item_found": True, "code_signed": True, "signature_matches": True} | kw))


@pytest.mark.parametrize(
    ("kw", "verdict"),
    [
        ({}, Verdict.GENUINE),
        ({"code_signed": False, "signature_matches": None}, Verdict.REGISTERED),
        ({"item_found": False, "code_signed": False, "signature_matches": None}, Verdict.UNKNOWN),
        (
            {"item_found": False, "signature_matches": None, "signature_valid_for_unknown": True},
            Verdict.UNKNOWN,
        ),
        ({"item_found": False, "signature_matches": None}, Verdict.FORGED),
        ({"signature_matches": False}, Verdict.FORGED),
        ({"key_revoked_before_registration": True}, Verdict.REVOKED),
        ({"item_status": "recalled"}, Verdict.RECALLED),
        ({"item_status": "stolen"}, Verdict.STOLEN),
        ({"item_status": "destroyed"}, Verdict.DESTROYED),
        ({"item_status": "decommissioned"}, Verdict.DESTROYED),
        ({"signature_matches": False, "item_status": "stolen"}, Verdict.FORGED),
        ({"key_revoked_before_registration": True, "item_status": "recalled"}, Verdict.REVOKED),
    ],
)
def test_each_verdict(kw, verdict):
    decision = decide(facts(**kw))
    assert decision.verdict == verdict
    assert decision.reasons


def test_impossible_travel_between_two_officer_sightings_is_a_clone():
    seen = Sighting(*SHANGHAI, seconds_ago=3 * 3600, trusted=True, place="Shanghai")
    decision = decide(facts(latitude=ROTTERDAM[0], longitude=ROTTERDAM[1], sightings=(seen,)))
    assert decision.verdict == Verdict.SUSPECTED_CLONE
    assert decision.reasons[0].code == "travel"
    assert re.fullmatch(
        r"seen 8,\d{3} km away 3\.0 h ago \(Shanghai\): 2,\d{3} km/h", str(decision.reasons[0])
    )


def test_a_plausible_journey_is_not_a_clone():
    seen = Sighting(*HAMBURG, seconds_ago=10 * 3600, trusted=True)
    assert (
        decide(facts(latitude=ROTTERDAM[0], longitude=ROTTERDAM[1], sightings=(seen,))).verdict
        == Verdict.GENUINE
    )


def test_the_public_cannot_turn_a_genuine_item_into_a_clone():
    """Anonymous opens of the label weigh less and never count as impossible travel."""
    public = tuple(
        Sighting(lat, lon, seconds_ago=60, trusted=False)
        for lat, lon in [SHANGHAI, HAMBURG, (40.7, -74.0), (35.7, 139.7), (-33.9, 151.2)]
    )
    decision = decide(facts(latitude=ROTTERDAM[0], longitude=ROTTERDAM[1], sightings=public))
    assert decision.verdict == Verdict.GENUINE


def test_too_many_places_seen_by_officers_is_a_clone():
    places = [SHANGHAI, HAMBURG, (40.7, -74.0), (35.7, 139.7)]
    seen = tuple(Sighting(lat, lon, seconds_ago=5 * 86400, trusted=True) for lat, lon in places)
    rules = CloneRules(max_speed_kmh=1e9)  # only the count rule
    assert (
        decide(facts(latitude=ROTTERDAM[0], longitude=ROTTERDAM[1], sightings=seen), rules).verdict
        == Verdict.SUSPECTED_CLONE
    )


def test_old_sightings_fall_out_of_the_window():
    places = [SHANGHAI, HAMBURG, (40.7, -74.0), (35.7, 139.7)]
    seen = tuple(Sighting(lat, lon, seconds_ago=30 * 86400, trusted=True) for lat, lon in places)
    assert (
        decide(facts(latitude=ROTTERDAM[0], longitude=ROTTERDAM[1], sightings=seen)).verdict
        == Verdict.GENUINE
    )


def test_distance():
    assert 8_800 < distance_km(ROTTERDAM, SHANGHAI) < 9_100
    assert distance_km(ROTTERDAM, ROTTERDAM) == 0
