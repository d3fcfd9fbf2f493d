"""`python -m ipchain.sign`: a brand signs offline and the node accepts what it signed."""

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ipchain.registry import items, keys
from ipchain.registry.digital_link import label_message, parse_code
from ipchain.registry.signing import PrivateKey, PublicKey, verify_record
from tests import factories

ROOT = Path(__file__).resolve().parents[3]


def sign(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "ipchain.sign", *args],
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
    ],
)
def test_bad_input_is_a_message_and_exit_2_not_a_traceback(key_file, args, message):
    result = sign(*[a.replace("{key}", str(key_file)) for a in args])
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_record_that_is_not_json_is_refused(key_file):
    result = sign("record", "-", "--key", str(key_file), stdin="{not json")
    assert result.returncode == 2 and "not valid JSON" in result.stderr
