"""WIPO Standard ST.3: two-letter codes for states and intellectual property organisations.

ST.3 uses the ISO 3166-1 alpha-2 codes for states (taken from pycountry, which tracks the
ISO 3166 maintenance agency) and adds codes for regional and international IP offices,
listed here from ST.3's own table. Pure: no Django.
"""

from functools import cache

import pycountry

# WIPO ST.3, "Codes for other entities, states and organizations".
ORGANISATIONS = {
    "AP": "African Regional Intellectual Property Organization (ARIPO)",
    "BX": "Benelux Office for Intellectual Property (BOIP)",
    "EA": "Eurasian Patent Organization (EAPO)",
    "EM": "European Union Intellectual Property Office (EUIPO)",
    "EP": "European Patent Office (EPO)",
    "GC": "Patent Office of the Cooperation Council for the Arab States of the Gulf (GCC Patent Office)",
    "IB": "International Bureau of the World Intellectual Property Organization (WIPO)",
    "OA": "African Intellectual Property Organization (OAPI)",
    "QZ": "Community Plant Variety Office (European Union) (CPVO)",
    "WO": "World Intellectual Property Organization (WIPO) (International Bureau of)",
    "XN": "Nordic Patent Institute (NPI)",
    "XU": "International Union for the Protection of New Varieties of Plants (UPOV)",
    "XV": "Visegrad Patent Institute (VPI)",
}


@cache
def _table() -> dict[str, str]:
    states = {
        country.alpha_2: getattr(country, "common_name", country.name) for country in pycountry.countries
    }
    # Kosovo is not in ISO 3166-1 but ST.3 lists XK for it.
    return dict(sorted((states | {"XK": "Kosovo"} | ORGANISATIONS).items()))


def is_st3_code(code: str) -> bool:
    return isinstance(code, str) and code in _table()


def st3_name(code: str) -> str:
    try:
        return _table()[code]
    except KeyError:
        raise ValueError(f"{code!r} is not a WIPO ST.3 code") from None


def st3_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} — {name}") for code, name in _table().items()]
