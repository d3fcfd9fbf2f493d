"""`ipchain-sign`: a brand signs offline and the node accepts what it signed."""

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ipchain.registry import items, keys
from ipchain.registry.digital_link import label_message, parse_code
from ipchain.registry.signing import PrivateKey, PublicKey, b64url_decode, verify_record
from tests import factories

ROOT = Path(__file__).resolve().parents[3]


def sign(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "ipchain.signing_cli", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "brand.pem"
    result = sign("keygen", "--out", str(path))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "PRIVATE" not in result.stdout
    return path


@pytest.mark.django_db
def test_a_record_signed_with_the_cli_is_accepted_by_the_node(key_file):
    org = factories.brand("byok", node_key=False)
    private = PrivateKey.from_pem(key_file.read_bytes())
    keys.register_holder_key(organisation=org, public_key=private.public_key)
    product = factories.product(org)
    unsigned = {
        "type": "item.registered",
        "brand": "byok",
        "gtin": product.gtin,
        "serial": "CLI-1",
        "lot": "L9",
    }

    result = sign("record", "-", "--key", str(key_file), stdin=json.dumps(unsigned))
    assert result.returncode == 0, result.stderr
    signed = json.loads(result.stdout)
    verify_record(signed, private.public_key)
    item = items.submit_signed_record(actor=factories.brand_admin(org), record=signed)
    assert item.serial == "CLI-1" and item.key.custody == "holder"


def test_label_uri_from_the_cli_verifies(key_file):
    result = sign(
        "label",
        "--gtin",
        "09506000134352",
        "--serial",
        "A/1",
        "--key",
        str(key_file),
        "--host",
        "ipo.example",
    )
    assert result.returncode == 0, result.stderr
    code = parse_code(result.stdout.strip())
    public = PrivateKey.from_pem(key_file.read_bytes()).public_key
    assert code.kid == public.key_id and code.host == "ipo.example" and code.serial == "A/1"
    assert PublicKey.verify(public, label_message(code.gtin, code.serial), code.sig)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["label", "--gtin", "09506000134353", "--serial", "A", "--key", "{key}", "--host", "h"],
            "check digit",
        ),
        (["label", "--gtin", "09506000134352", "--serial", "A B", "--key", "{key}", "--host", "h"], "serial"),
        (["record", "/nonexistent.json", "--key", "{key}"], "cannot read"),
        (
            [
                "label",
                "--gtin",
                "09506000134352",
                "--serial",
                "A",
                "--key",
                "/nonexistent.pem",
                "--host",
                "h",
            ],
            "cannot read",
        ),
        (["keygen", "--out", "{key}"], "refusing to overwrite"),
        (["keygen", "--out", "/nonexistent/dir/brand.pem"], "cannot write"),
        (
            ["label", "--gtin", "09506000134352", "--serial", "A", "--key", "{key}", "--host", "h/x?"],
            "not a host name",
        ),
        (
            ["label", "--gtin", "09506000134352", "--serial", "A", "--key", "{public}", "--host", "h"],
            "not a PEM P-256 private key",
        ),
        (["record", "{public}", "--key", "{key}"], "not valid JSON"),
        (["record", "{key}.json", "--key", "{key}"], "a record is a JSON object"),
        (["record", "{key}.kid.json", "--key", "{key}"], "names another key"),
        (["record", "{key}.big.json", "--key", "{key}"], "integer"),
        (["sign", "x"], "invalid choice"),
    ],
)
def test_bad_input_is_a_message_and_exit_2_not_a_traceback(key_file, args, message):
    public = key_file.with_suffix(".pub")
    public.write_text(PrivateKey.from_pem(key_file.read_bytes()).public_key.to_pem())
    Path(f"{key_file}.json").write_text("[1, 2]")
    Path(f"{key_file}.kid.json").write_text('{"type": "item.event", "kid": "AAAAAAAAAAA"}')
    Path(f"{key_file}.big.json").write_text('{"type": "item.event", "n": 9007199254740993}')
    result = sign(*[a.replace("{key}", str(key_file)).replace("{public}", str(public)) for a in args])
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_record_that_is_not_json_is_refused(key_file):
    result = sign("record", "-", "--key", str(key_file), stdin="{not json")
    assert result.returncode == 2 and "not valid JSON" in result.stderr


def test_keygen_prints_the_public_key_as_pem_and_jwk_with_its_kid(tmp_path):
    path = tmp_path / "brand.pem"
    result = sign("keygen", "--out", str(path))
    assert result.returncode == 0, result.stderr
    private = PrivateKey.from_pem(path.read_bytes())
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")  # PKCS#8
    assert f"key id: {private.public_key.key_id}" in result.stdout
    assert private.public_key.to_pem() in result.stdout
    jwk = json.loads(result.stdout.strip().splitlines()[-1])
    assert PublicKey.from_jwk(jwk) == private.public_key


def test_a_registration_signed_by_the_cli_carries_a_label_signature(key_file):
    unsigned = {"type": "item.registered", "brand": "b", "gtin": "9506000134352", "serial": "S/1"}
    result = sign("record", "-", "--key", str(key_file), stdin=json.dumps(unsigned))
    assert result.returncode == 0, result.stderr
    signed = json.loads(result.stdout)
    public = PrivateKey.from_pem(key_file.read_bytes()).public_key
    assert signed["gtin"] == "09506000134352" and signed["v"] == 1 and "time" in signed
    assert public.verify(label_message("09506000134352", "S/1"), b64url_decode(signed["label_sig"]))
    verify_record(signed, public)
