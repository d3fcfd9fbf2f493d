"""The WIPO ST.3 table (ipchain.registry.st3)."""

import re

import pytest

from ipchain.registry.st3 import ORGANISATIONS, ST3_CHOICES, ST3_CODES, STATES, is_st3_code, st3_name


@pytest.mark.parametrize(
    "code", ["EM", "WO", "EP", "EA", "AP", "OA", "GC", "IB", "BX", "QZ", "XN", "XU", "XV"]
)
def test_ip_organisations_are_codes(code):
    assert is_st3_code(code) is True
    assert code in ORGANISATIONS


@pytest.mark.parametrize("code", ["US", "CN", "DE", "FR", "GB", "JP", "KR", "VN", "IN", "BR", "SS", "CW"])
def test_states_are_codes(code):
    assert is_st3_code(code) is True
    assert code in STATES


@pytest.mark.parametrize(
    "code",
    [
        "UK",  # GB is the code
        "EU",  # the EU's IP office is EM
        "XK",  # ST.3 leaves XA-XM for individual use
        "XX",  # "unknown"
        "AA",
        "ZZ",
        "SU",  # no longer exists
        "em",
        "E",
        "EMX",
        "",
        " EM",
        None,
        42,
    ],
)
def test_anything_else_is_not_a_code(code):
    assert is_st3_code(code) is False


def test_names():
    assert "EUIPO" in st3_name("EM")
    assert "ARIPO" in st3_name("AP")
    assert st3_name("US") == "United States"


@pytest.mark.parametrize("code", ["UK", "em", None])
def test_the_name_of_an_unknown_code_is_a_value_error(code):
    with pytest.raises(ValueError):
        st3_name(code)


def test_the_table_is_two_capital_letters_to_a_name_and_states_and_organisations_do_not_overlap():
    assert not set(STATES) & set(ORGANISATIONS)
    assert len(ST3_CODES) == len(STATES) + len(ORGANISATIONS) == 249 + 13
    for code, name in ST3_CODES.items():
        assert re.fullmatch(r"[A-Z]{2}", code) and name.strip() == name and name


def test_choices_fit_a_two_character_django_field_in_code_order():
    codes = [code for code, _ in ST3_CHOICES]
    assert codes == sorted(codes) == list(ST3_CODES)
    assert all(len(code) == 2 and label.startswith(f"{code} — ") for code, label in ST3_CHOICES)
