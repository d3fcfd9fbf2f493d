"""RFC 8785 canonical JSON: the exact bytes every record is hashed and signed as."""

import pytest

from ipchain.ledger.canonical import RecordError, canonicalize, is_canonical, parse_json
from ipchain.ledger.merkle import leaf_hash


def canonical(text: str) -> str:
    return canonicalize(parse_json(text)).decode()


def test_the_rfc_8785_example_record():
    # RFC 8785 3.2.4, input and output verbatim.
    text = r"""{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }"""
    assert canonical(text) == (
        r'{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        r'"string":"€$\u000f\nA' + "'" + r'B\"\\\\\"/"}'
    )


def test_keys_sort_by_utf16_code_units_not_code_points():
    # RFC 8785 3.2.3: U+1F600 is the surrogate pair D83D DE00, so it sorts before U+FB33
    # although its code point is larger.
    text = r"""{
      "\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }"""
    values = list(parse_json(canonicalize(parse_json(text))).values())
    assert values == [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]


@pytest.mark.parametrize(
    ("number", "written"),
    [
        # RFC 8785 appendix B: ECMAScript's shortest round-trip form.
        ("0", "0"),
        ("-0", "0"),
        ("-0.0", "0"),
        ("5e-324", "5e-324"),
        ("-5e-324", "-5e-324"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("9007199254740991", "9007199254740991"),
        ("9.999999999999997e22", "9.999999999999997e+22"),
        ("1e23", "1e+23"),
        ("0.000001", "0.000001"),
        ("9.999999999999997e-7", "9.999999999999997e-7"),
        ("1e21", "1e+21"),
        ("1e20", "100000000000000000000"),
        ("2.0", "2"),
        ("-1.5E-3", "-0.0015"),
    ],
)
def test_numbers_are_written_as_ecmascript_does(number, written):
    assert canonical(f'{{"n":{number}}}') == f'{{"n":{written}}}'


def test_strings_escape_only_what_json_requires():
    text = r'{"s":"\u0000\u001f\b\f\n\r\t\"\\\/\u00e9\u2028\ud83d\ude00"}'
    assert canonical(text) == '{"s":"\\u0000\\u001f\\b\\f\\n\\r\\t\\"\\\\/é\u2028😀"}'


def test_the_same_record_in_any_order_or_spacing_has_the_same_bytes():
    assert canonical('{"b":1,"a":{"y":2,"x":1}}') == canonical('{ "a" : { "x":1, "y":2 },\n "b":1 }')


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"a":1,"a":2}', "duplicate_key"),
        ('{"a":{"b":1,"b":1}}', "duplicate_key"),
        ('{"a":NaN}', "bad_number"),
        ('{"a":Infinity}', "bad_number"),
        ('{"a":-Infinity}', "bad_number"),
        ('{"a":1e400}', "not_canonicalizable"),  # overflows to infinity
        ('{"a":9007199254740992}', "not_canonicalizable"),  # beyond 2**53 - 1: not exact in I-JSON
        ('{"a":-9007199254740993}', "not_canonicalizable"),
        ('{"a":"\\ud800"}', "not_canonicalizable"),  # a lone surrogate is not Unicode text
        ("[1,2]", "not_an_object"),
        ('"text"', "not_an_object"),
        ("null", "not_an_object"),
        ('{"a":', "malformed_json"),
        ('{"a":1}{', "malformed_json"),
        ("{'a':1}", "malformed_json"),
        (b'{"a":"\xff"}', "malformed_json"),
        ("", "malformed_json"),
        ('{"a":' + "[" * 50_000 + "]" * 50_000 + "}", "too_deep"),
    ],
)
def test_records_that_cannot_be_canonical_are_refused_with_a_reason(text, reason):
    with pytest.raises(RecordError) as exc:
        canonicalize(parse_json(text))
    assert exc.value.reason == reason
    assert str(exc.value)


def test_is_canonical():
    assert is_canonical(b'{"a":1,"b":2}')
    assert not is_canonical(b'{"b":2,"a":1}')
    assert not is_canonical(b'{"a": 1}')
    assert not is_canonical(b'{"a":1.0}')
    assert not is_canonical(b"not json")


def test_the_example_entry_of_docs_ledger_md():
    leaf = canonicalize(parse_json('{"type": "note", "text": "caf\\u00e9", "n": 1.50}'))
    assert leaf == '{"n":1.5,"text":"café","type":"note"}'.encode()
    assert len(leaf) == 38
    assert leaf_hash(leaf).hex() == "2020b3d2468af4f4b5fbc6cfdea40c50ba88bd908b3ab9d6719695ebaca1ae5e"
