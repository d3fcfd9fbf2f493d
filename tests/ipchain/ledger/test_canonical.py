import pytest

from ipchain.ledger.canonical import RecordError, canonicalize, is_canonical, parse_json


def test_keys_sort_by_utf16_code_units_and_spacing_goes():
    # RFC 8785 3.2.3: "\u20ac" (one UTF-16 unit) sorts before "\U0001f600" (a surrogate pair
    # starting 0xD83D) although its code point is smaller... and after ASCII.
    record = parse_json('{ "\U0001f600": 1, "\u20ac": 2, "b": [1, 2.0, 1e21, 0.000001], "a": "\u00e9\\n" }')
    assert canonicalize(record) == '{"a":"é\\n","b":[1,2,1e+21,0.000001],"€":2,"😀":1}'.encode()


def test_the_same_record_in_any_order_has_the_same_bytes():
    assert canonicalize(parse_json('{"b":1,"a":{"y":2,"x":1}}')) == canonicalize(
        parse_json('{"a":{"x":1,"y":2},"b":1}')
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"a":1,"a":2}', "duplicate_key"),
        ('{"a":NaN}', "bad_number"),
        ('{"a":Infinity}', "bad_number"),
        ("[1,2]", "not_an_object"),
        ('{"a":', "malformed_json"),
        (b'{"a":"\xff"}', "malformed_json"),
        ('{"a":9007199254740993}', "not_canonicalizable"),
    ],
)
def test_records_that_cannot_be_canonical_are_refused(text, reason):
    with pytest.raises(RecordError) as exc:
        canonicalize(parse_json(text))
    assert exc.value.reason == reason


def test_is_canonical():
    assert is_canonical(b'{"a":1,"b":2}')
    assert not is_canonical(b'{"b":2,"a":1}')
    assert not is_canonical(b'{"a": 1}')
